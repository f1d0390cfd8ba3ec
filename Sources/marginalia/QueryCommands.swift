import ArgumentParser
import Foundation
import IndexDatabase
import IndexModel
import MarginaliaKit

struct FindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "find", abstract: "Find symbols by name, best matches first.")
    @Argument(help: "A name, qualified name or fragment.") var pattern: String
    @Option(help: "Only this kind (class, function, method, kernel, device_function, ...).") var kind: String?
    @Option(help: "Only this language (python, cuda, cpp, c).") var lang: String?
    @Option(help: "At most this many results.") var limit = 30
    @Flag(help: "JSON output.") var json = false
    @OptionGroup var database: DatabaseOptions

    func check() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1 (it was \(limit))") }
        guard !pattern.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("the pattern is empty") }
    }

    func run() throws {
        try runReporting(json: json) {
            try check()
            let q = SymbolQueries(store: try database.store())
            let matches = try q.find(pattern, kind: kind, language: lang, limit: limit)
            var out = Output()
            if json {
                out.line(SymbolJSON.encode(matches.map { SymbolJSON.object($0.symbol) }))
            } else if matches.isEmpty {
                let near = try q.nearMisses(pattern)
                throw UserError("marginalia: nothing matches '\(pattern)'" +
                    (near.isEmpty ? "" : "; did you mean:\n" + near.map { "  \($0)" }.joined(separator: "\n")), exitCode: 1)
            } else {
                for m in matches {
                    let s = m.symbol
                    out.line("\(s.qualifiedName)  [\(s.kind)]  \(s.file):\(s.range.start.line)")
                }
            }
            out.flush()
        }
    }
}

struct DefCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "def", abstract: "Where a symbol is defined: file:line, signature, doc.")
    @Argument(help: "A qualified name or a unique suffix (LLM.generate, paged_attention_v1_kernel).") var symbol: String
    @Flag(help: "JSON output.") var json = false
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try runReporting(json: json) {
            // The implementation first; `@overload` stubs after it (folded to one line in text).
            let all = try SymbolQueries(store: try database.store()).resolve(symbol)
            var stubs = all.filter(SymbolJSON.isOverloadStub)
            var syms = all.filter { !SymbolJSON.isOverloadStub($0) }
            if syms.isEmpty { (syms, stubs) = (stubs, []) }
            var out = Output()
            if json {
                out.line(SymbolJSON.encode((syms + stubs).map(SymbolJSON.object)))
            } else {
                for (i, s) in syms.enumerated() {
                    if i > 0 { out.line() }
                    out.line("\(s.file):\(s.range.start.line)-\(s.range.end.line)  \(s.kind)  \(s.qualifiedName)")
                    if !s.signature.isEmpty { out.line("  signature: \(s.signature)") }
                    if !s.attributes.isEmpty { out.line("  attributes: \(s.attributes.joined(separator: ", "))") }
                    if !s.bases.isEmpty { out.line("  bases: \(s.bases.joined(separator: ", "))") }
                    if !s.doc.isEmpty {
                        out.line("  doc:")
                        for l in s.doc.split(separator: "\n", omittingEmptySubsequences: false) { out.line("    \(l)") }
                    }
                }
                if !stubs.isEmpty, !syms.isEmpty {
                    let spans = stubs.map { $0.range.start.line == $0.range.end.line ? "\($0.range.start.line)" : "\($0.range.start.line)-\($0.range.end.line)" }.joined(separator: ", ")
                    out.line("  + \(stubs.count) @overload stub\(stubs.count == 1 ? "" : "s") (typed signatures only) at lines \(spans)")
                }
            }
            out.flush()
        }
    }
}

struct SymbolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "symbols", abstract: "The symbols defined in one file.")
    @Argument(help: "A file path relative to the checkout root.") var file: String
    @Flag(help: "JSON output.") var json = false
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try runReporting(json: json) {
            guard !file.trimmingCharacters(in: .whitespaces).isEmpty else { throw UserError("marginalia: the file path is empty") }
            let store = try database.store()
            var path = file
            if path.hasPrefix("./") { path.removeFirst(2) }
            if path.hasPrefix("/"), let root = try store.meta("root"), path.hasPrefix(root + "/") {
                path = String(path.dropFirst(root.count + 1))
            }
            let syms = try store.symbols(inFile: RepoPath(path))
            if syms.isEmpty {
                let files = try store.files().map(\.path.rawValue)
                guard files.contains(path) else {
                    let near = NameRanking.fileSuggestions(for: path, among: files)
                    throw UserError("marginalia: '\(file)' is not an indexed file" +
                        (near.isEmpty ? "" : "; did you mean:\n" + near.map { "  \($0)" }.joined(separator: "\n")))
                }
            }
            var out = Output()
            if json {
                out.line(SymbolJSON.encode(syms.map(SymbolJSON.object)))
            } else {
                var depth: [String: Int] = [:]
                for s in syms {
                    let d = depth[s.parent].map { $0 + 1 } ?? 0
                    depth[s.qualifiedName] = d
                    let indent = String(repeating: "  ", count: min(d, 8))
                    out.line("\(s.range.start.line)-\(s.range.end.line)\t\(indent)\(s.kind) \(s.name)\(s.signature.isEmpty ? "" : " " + s.signature)")
                }
            }
            out.flush()
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export the index as JSON lines.")
    @Argument(help: "What to export: symbols or edges.") var what: String
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try runReporting {
            let store = try database.store()
            var out = Output()
            switch what {
            case "symbols":
                for s in try store.allSymbols() { out.line(SymbolJSON.encode(SymbolJSON.object(s))) }
            case "edges":
                for e in try store.allEdges() {
                    var o: [String: Any] = ["caller": e.caller, "callee": e.callee, "kind": e.kind,
                                            "confidence": e.confidence, "file": e.file.rawValue, "line": e.line]
                    if !e.evidence.isEmpty { o["evidence"] = e.evidence }
                    out.line(SymbolJSON.encode(o))
                }
            default:
                throw UserError("marginalia export: unknown kind '\(what)' (expected: symbols, edges)")
            }
            out.flush()
        }
    }
}
