// The fuzz targets: what each one feeds, where its corpus comes from, and the checks that must hold
// for every input (a crash or a hang is always a failure; these catch quieter breakage).
import Annotations
import ClangIndexer
import Foundation
import FuzzChecks
import IndexModel

/// Where corpora are read from.
struct CorpusSources {
    /// An unpacked vLLM release (Python and C++/CUDA files).
    var vllm: URL?
    /// A notes directory (front matter and Markdown).
    var notes: URL?
}

/// One input of a target: its bytes and the file name it is given (for the extension).
struct FuzzInput {
    var name: String
    var bytes: [UInt8]
}

enum FuzzTarget: String, CaseIterable {
    /// The Python lexer and parser (`PythonIndexer.index`), and the lexer's round trip.
    case python
    /// The C++ walker: mutated vLLM sources and generated deep code through ClangIndexer (libclang).
    case cpp
    /// Note files through the front-matter loader (YAML via Yams, the alias budget, the body's depth check).
    case frontmatter
    /// Note bodies through the Markdown converter (cmark-gfm, wiki links, math).
    case markdown

    /// Cases per child process: large enough to amortize the start (and, for C++, the prelude PCH).
    var batchSize: Int {
        switch self {
        case .python: 40
        case .cpp: 24
        case .frontmatter, .markdown: 250
        }
    }

    /// Seconds a single case may take before it counts as a hang.
    var caseTimeout: Double {
        switch self {
        case .cpp: 90
        case .python: 30
        case .frontmatter, .markdown: 20
        }
    }

    var mutator: Mutator {
        func b(_ s: String) -> [UInt8] { Array(s.utf8) }
        switch self {
        case .python:
            return Mutator(
                fragments: ["(", ")", "[", "]", "{", "}", "\"", "'", "\"\"\"", "'''", "f\"{", "f'{x!r:>{w}}'", "\\", "\n", "\n    ",
                            "\t", "\r", ":", "def ", "class ", "lambda:", "@", "async ", "match x:\n    case 1:\n", "import ",
                            "from . import ", "#", "\u{FEFF}", "  \n\n\n"].map(b),
                deepFragments: ["(", "[", "{", "f\"{", "\n" + " ", "x.", "a+", "lambda: "].map(b))
        case .cpp:
            return Mutator(
                fragments: ["(", ")", "{", "}", "<", ">", "<<<", ">>>", "\"", "'", "\\", "\n", "#if 0\n", "#endif\n", "#else\n",
                            "#define X(a) a\n", "#include \"x.h\"\n", "template <typename T>", "__global__ ", "::", "m.def(\"x\", &f);",
                            "TORCH_LIBRARY(_C, m) {", "/*", "*/", "//", "R\"(", ";"].map(b),
                deepFragments: ["(", "{", "+1", "!", "-", "x=", "1?1:", "namespace n {", "struct S {", "<int"].map(b))
        case .frontmatter:
            return Mutator(
                fragments: ["---\n", "...\n", ":", ": ", "- ", "[", "]", "{", "}", "&a ", "*a", "!!str ", "? ", "|\n", ">\n", "\"",
                            "'", "#", "\n", "  ", "\t", "anchors:\n  - file: x.py\n    lines: 3-1\n", "id: ", "title: ", "tags: ",
                            "%YAML 1.1\n", "<<: *a\n"].map(b),
                deepFragments: ["[", "{", "- ", "  - ", "&a [*a, ", "a: &a [*a,*a]\n"].map(b))
        case .markdown:
            return Mutator(
                fragments: [">", "> ", "- ", "* ", "1. ", "#", "```", "~~~", "`", "[[", "]]", "|", "[", "](", ")", "![", "*", "_",
                            "~~", "$", "$$", "<div>", "<script>", "&amp;", "\\", "\n", "\n\n", "    ", "| a | b |\n|---|---|\n",
                            "[^1]", "[^1]: x\n", "- [ ] "].map(b),
                deepFragments: [">", "> ", "- ", "  - ", "*a ", "![", "[", "[[", "**", "<", "1. "].map(b))
        }
    }

    // MARK: Corpus

    /// The inputs mutations start from, in a fixed order: the seeds (the inputs of issue 19 first),
    /// then the corpus files sorted by path.
    func corpus(_ sources: CorpusSources) throws -> [FuzzInput] {
        let seeds = self.seeds
        switch self {
        case .python:
            guard let root = sources.vllm else { throw FuzzError("the python target needs --vllm DIR") }
            return seeds + files(under: root, extensions: ["py"])
        case .cpp:
            guard let root = sources.vllm else { throw FuzzError("the cpp target needs --vllm DIR") }
            return seeds + files(under: root.appendingPathComponent("csrc"), extensions: ClangIndexer.sourceExtensions)
        case .frontmatter:
            return seeds + (sources.notes.map { files(under: $0, extensions: ["md", "yaml"]) } ?? [])
        case .markdown:
            let notes = sources.notes.map { files(under: $0, extensions: ["md"]) } ?? []
            return seeds + notes.map { note in
                let text = String(decoding: note.bytes, as: UTF8.self)
                let body = NoteFileFormat.parse(text: text, path: note.name, displayPath: note.name).note?.body ?? text
                return FuzzInput(name: note.name, bytes: Array(body.utf8))
            }
        }
    }

    var seeds: [FuzzInput] {
        func rep(_ s: String, _ n: Int) -> String { String(repeating: s, count: n) }
        switch self {
        case .python:
            return [
                FuzzInput(name: "seed-indent.py", bytes: Array((0..<150).map { rep(" ", $0) + "if x:\n" }.joined().utf8) + Array(rep(" ", 150).utf8) + Array("pass\n".utf8)),
                FuzzInput(name: "seed-brackets.py", bytes: Array((rep("(", 10_000) + rep(")", 10_000) + "\n").utf8)),
                FuzzInput(name: "seed-fstring.py", bytes: Array((rep("f'{", 200) + rep("}'", 200) + "\n").utf8)),
                FuzzInput(name: "seed-bytes.py", bytes: [0xFF, 0xFE, 0] + Array("def f(:\n\treturn '''".utf8)),
            ]
        case .cpp:
            return [
                // Issue 19: bytes that are not UTF-8 in a skipped branch of a registration block (SIGILL).
                FuzzInput(name: "seed-skipped.cpp", bytes: Array("TORCH_LIBRARY(_C, m) {\n#if 0\n".utf8) + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + Array("m\n#endif\n".utf8)),
                // Issue 19: a flat expression of 5,000 terms (SIGSEGV in the walk), and 50,000 (libclang's stack).
                FuzzInput(name: "seed-terms.cu", bytes: Array(("int x = 1" + rep("+1", 4_999) + ";\n").utf8)),
                FuzzInput(name: "seed-terms-50k.cu", bytes: Array(("int x = 1" + rep("+1", 49_999) + ";\n").utf8)),
                FuzzInput(name: "seed-nots.cu", bytes: Array(("int f();\nint z = " + rep("!", 9_000) + "f();\n").utf8)),
                FuzzInput(name: "seed-namespaces.cpp", bytes: Array((rep("namespace n {\n", 400) + "void f() {}\n" + rep("}\n", 400)).utf8)),
                FuzzInput(name: "seed-parens.cu", bytes: Array(("int y = " + rep("(", 300) + "1" + rep(")", 300) + ";\n").utf8)),
            ]
        case .frontmatter:
            var laughs = ["---", "id: lol", "title: Laughs", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
            for i in 1..<10 { laughs.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]") }
            return [
                FuzzInput(name: "seed-laughs.md", bytes: Array((laughs + ["---", "body", ""]).joined(separator: "\n").utf8)),
                FuzzInput(name: "seed-laughs-key.md", bytes: Array((laughs + ["? *a9", ": x", "---", "body", ""]).joined(separator: "\n").utf8)),
                FuzzInput(name: "seed-deep.md", bytes: Array(("---\nid: d\ntitle: t\nx: " + rep("[", 50_000) + "\n---\nbody\n").utf8)),
                // Issue 19: a body 50,000 block quotes deep (SIGSEGV in lint and site).
                FuzzInput(name: "seed-quotes.md", bytes: Array(("---\nid: q\ntitle: Quotes\n---\n" + rep(">", 50_000) + "\n").utf8)),
            ]
        case .markdown:
            return [
                FuzzInput(name: "seed-quotes.md", bytes: Array(rep(">", 50_000).utf8)),
                FuzzInput(name: "seed-lists.md", bytes: Array((0..<1_000).map { rep("  ", $0) + "- x\n" }.joined().utf8)),
                FuzzInput(name: "seed-emphasis.md", bytes: Array((rep("*a ", 5_000) + rep("b*", 5_000)).utf8)),
                FuzzInput(name: "seed-links.md", bytes: Array((rep("[[", 3_000) + "x" + rep("]]", 3_000) + rep("![", 3_000)).utf8)),
            ]
        }
    }

    private func files(under root: URL, extensions: Set<String>) -> [FuzzInput] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])
        else { return [] }
        var paths: [String] = []
        for case let url as URL in walker where extensions.contains(url.pathExtension) { paths.append(url.path) }
        return paths.sorted().compactMap { path in
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            let name = String(path.dropFirst(root.path.count + 1))
            return FuzzInput(name: name, bytes: [UInt8](data))
        }
    }

    // MARK: Cases

    /// Case `number` of a run with `seed`: the first cases are the seeds as they are, then mutations
    /// of a corpus input (now and then of a seed) chosen by the case's own generator.
    func input(_ number: Int, seed: UInt64, corpus: [FuzzInput], seedCount: Int) -> FuzzInput {
        if number < seedCount { return corpus[number] }
        var rng = SplitMix64(seed: seed ^ (UInt64(number) &* 0x2545_F491_4F6C_DD1D) ^ UInt64(rawValue.utf8.count) << 56)
        let base = rng.chance(8) && seedCount > 0 ? corpus[rng.below(seedCount)] : corpus[rng.below(corpus.count)]
        let other = corpus[rng.below(corpus.count)]
        return FuzzInput(name: base.name, bytes: mutator.mutate(base.bytes, other: other.bytes, rng: &rng))
    }

    /// Runs `inputs` in this process; returns the invariant failures (case index in `inputs`, message).
    func run(_ inputs: [FuzzInput], scratch: URL) -> [(Int, String)] {
        switch self {
        case .python:
            return inputs.enumerated().flatMap { k, input in FuzzChecks.python(input.bytes, name: input.name).map { (k, $0) } }
        case .cpp:
            return FuzzChecks.cpp(inputs.map { ($0.name, $0.bytes) }, scratch: scratch)
        case .frontmatter:
            return inputs.enumerated().flatMap { k, input in FuzzChecks.frontmatter(input.bytes, name: input.name).map { (k, $0) } }
        case .markdown:
            return inputs.enumerated().flatMap { k, input in FuzzChecks.markdown(input.bytes).map { (k, $0) } }
        }
    }
}

struct FuzzError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
