// PythonIndexer: see Sources/Modules.md. Indexes one Python file at a time from its UTF-8 bytes, in
// Swift only (no Python at run time): a lexer that round-trips every byte, and a statement parser
// that records symbols, imports, call sites, type facts and `__all__`. Names are not resolved across
// files; the call graph does that.
import IndexModel

/// Indexes Python source files into `FileIndex` values.
public struct PythonIndexer: Sendable {
    /// Creates an indexer; it holds no state, one value can index any number of files.
    public init() {}

    /// Bumped when the facts the indexer records change, so that stored Python units are rebuilt.
    public static let version = "7"

    /// Indexes one file. `moduleName` prefixes every qualified name (see `moduleName(for:)`).
    /// Never fails: problems (bad bytes, unterminated strings, bad indentation) become diagnostics
    /// and what could still be read is returned.
    public func index(source: [UInt8], path: RepoPath, moduleName: String) -> FileIndex {
        source.withUnsafeBufferPointer { buffer in
            let lexed = lex(buffer, keepTrivia: false)
            var parser = Parser(src: buffer, lexed: lexed, path: path, moduleName: moduleName)
            var diagnostics: [Diagnostic] = []
            if let bad = invalidUTF8Offset(buffer) {
                let pos = parser.position(ofOffset: bad)
                diagnostics.append(Diagnostic(file: path, line: pos.line, column: pos.column, severity: .warning,
                                              message: "file is not valid UTF-8"))
            }
            for d in lexed.diagnostics {
                diagnostics.append(Diagnostic(file: path, line: d.line, column: d.column, severity: .error,
                                              message: d.message))
            }
            parser.parseModule()
            diagnostics += parser.diagnostics
            diagnostics.sort { ($0.line, $0.column) < ($1.line, $1.column) }
            return FileIndex(path: path, language: .python, symbols: parser.symbols, calls: parser.calls,
                             imports: parser.imports, typeFacts: parser.facts, diagnostics: diagnostics,
                             exports: parser.exports)
        }
    }

    /// The dotted module name of a file from the checkout root: `vllm/core/scheduler.py` ->
    /// `vllm.core.scheduler`, `vllm/__init__.py` -> `vllm`. A root `__init__.py` keeps `__init__`.
    public static func moduleName(for path: RepoPath) -> String {
        var raw = path.rawValue
        for suffix in [".pyi", ".py"] where raw.hasSuffix(suffix) {
            raw.removeLast(suffix.count)
            break
        }
        var parts = raw.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.count > 1 && parts.last == "__init__" { parts.removeLast() }
        return parts.joined(separator: ".")
    }

    /// Highlighting spans for a whole file: contiguous, covering every byte exactly once, in order
    /// (so concatenating the spans' bytes gives back the file).
    public static func highlightTokens(_ source: [UInt8]) -> [TokenSpan] {
        source.withUnsafeBufferPointer { buffer in
            let lexed = lex(buffer, keepTrivia: true)
            var spans: [TokenSpan] = []
            spans.reserveCapacity(lexed.tokens.count)
            var atStatementStart = true
            var inDecorator = false
            for tok in lexed.tokens where tok.end > tok.start {
                let cls: TokenClass
                switch tok.kind {
                case .name:
                    if inDecorator { cls = .decorator } else { cls = tok.sub != 0 ? .keyword : .identifier }
                case .number: cls = .number
                case .string, .fstringStart, .fstringMiddle, .fstringEnd: cls = .string
                case .op:
                    switch tok.op {
                    case .at where atStatementStart:
                        cls = .decorator
                        inDecorator = true
                    case .dot where inDecorator: cls = .decorator
                    case .lpar, .rpar, .lsqb, .rsqb, .lbrace, .rbrace, .comma, .colon, .semi, .dot:
                        cls = .punctuation
                        inDecorator = false
                    default:
                        cls = .operator
                        inDecorator = false
                    }
                case .comment: cls = .comment
                case .errorToken: cls = .other
                default: cls = .whitespace
                }
                if !tok.kind.isTrivia {
                    atStatementStart = tok.kind == .newline
                    if tok.kind == .newline { inDecorator = false }
                }
                spans.append(TokenSpan(start: Int(tok.start), end: Int(tok.end), tokenClass: cls))
            }
            return spans
        }
    }

    /// What `indexBatch` found, for benchmarks and sanity checks.
    public struct BatchCounts: Sendable, Equatable, CustomStringConvertible {
        public var files = 0
        public var bytes = 0
        public var symbols = 0
        public var calls = 0
        public var imports = 0
        public var typeFacts = 0
        public var diagnostics = 0
        public init() {}
        public var description: String {
            "\(files) files, \(bytes) bytes: \(symbols) symbols, \(calls) calls, \(imports) imports, "
                + "\(typeFacts) type facts, \(diagnostics) diagnostics"
        }
    }

    /// Indexes every file in turn (on the calling thread) and returns the totals: the benchmark hook.
    /// Reading the files is the caller's business, so that a timer around this call measures indexing.
    public func indexBatch(_ files: [(path: RepoPath, source: [UInt8])]) -> BatchCounts {
        var counts = BatchCounts()
        for file in files {
            let index = self.index(source: file.source, path: file.path,
                                   moduleName: PythonIndexer.moduleName(for: file.path))
            counts.files += 1
            counts.bytes += file.source.count
            counts.symbols += index.symbols.count
            counts.calls += index.calls.count
            counts.imports += index.imports.count
            counts.typeFacts += index.typeFacts.count
            counts.diagnostics += index.diagnostics.count
        }
        return counts
    }
}

/// The offset of the first byte that breaks UTF-8, nil when the buffer is valid.
func invalidUTF8Offset(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
    var p = 0
    let n = b.count
    while p < n {
        let c = b[p]
        if c < 0x80 { p += 1; continue }
        var need = 0
        var lowest: UInt32 = 0
        var v: UInt32
        if c & 0xE0 == 0xC0 { need = 1; lowest = 0x80; v = UInt32(c & 0x1F) }
        else if c & 0xF0 == 0xE0 { need = 2; lowest = 0x800; v = UInt32(c & 0x0F) }
        else if c & 0xF8 == 0xF0 { need = 3; lowest = 0x10000; v = UInt32(c & 0x07) }
        else { return p }
        guard p + need < n else { return p }
        for k in 1...need {
            let d = b[p + k]
            guard d & 0xC0 == 0x80 else { return p }
            v = v << 6 | UInt32(d & 0x3F)
        }
        if v < lowest || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) { return p }
        p += need + 1
    }
    return nil
}
