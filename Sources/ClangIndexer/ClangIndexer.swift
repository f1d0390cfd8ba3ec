// ClangIndexer: see Sources/Modules.md.
import IndexModel
