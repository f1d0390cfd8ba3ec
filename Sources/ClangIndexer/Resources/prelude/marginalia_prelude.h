// CUDA / torch prelude for parsing vLLM without CUDA or torch; see ClangIndexer.
