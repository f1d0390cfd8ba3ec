// The end-of-index summary: never a silent failure.
import Foundation
import IndexDatabase
import IndexModel

public enum IndexSummary {
    /// The warning for a root that has nothing of vLLM (stderr; the summary itself stays as it is).
    public static func notVLLMWarning(_ r: IndexRunReport) -> String? {
        guard !r.looksLikeVLLM else { return nil }
        return "marginalia: warning: \(r.root) does not look like a vLLM checkout (no vllm/ package, no csrc/);\n"
            + "  its index \(r.database) was written but did not become the default index: query it with --db \(r.database)"
    }

    public static func text(_ r: IndexRunReport, verbose: Bool) -> String {
        var s = ""
        func line(_ x: String) { s += x + "\n" }
        let c = r.counts
        line("indexed \(r.root)")
        line("  index: \(r.database)")
        let langs = c.filesByLanguage.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        line("  files: \(c.filesByLanguage.values.reduce(0, +)) (\(langs)); re-indexed units: \(r.reindexedUnits.count), removed: \(r.deletedUnits.count)")
        let kinds = c.symbolsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        line("  symbols: \(c.symbols) (\(kinds))")
        line("  call sites: \(c.calls) (kernel launches \(c.launches)); imports: \(c.imports); registrations: \(c.registrations)")
        line("  call graph edges: \(c.edges)")
        if !r.unresolved.isEmpty {
            let u = r.unresolved.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            line("  unresolved call sites: \(u)")
        }
        line("  translation units / files with parse errors: \(r.unitsWithErrors.count)")
        let warned = Set(r.diagnostics.filter { $0.severity == .warning }.map(\.file))
        if !warned.isEmpty {
            let shown = warned.sorted().prefix(5).map(\.rawValue).joined(separator: ", ")
            line("  files with warnings (e.g. bytes that are not UTF-8): \(warned.count) (\(shown)\(warned.count > 5 ? ", ..." : ""))")
        }
        if !r.skipped.isEmpty {
            line("  skipped or partly indexed files: \(r.skipped.count)")
            for f in r.skipped { line("    \(f.path): \(f.message.isEmpty ? f.status : f.message)") }
        }
        let times = r.phaseSeconds.map { String(format: "%@ %.2fs", $0.0, $0.1) }.joined(separator: ", ")
        line("  time: \(times)")
        if verbose {
            var byFile: [RepoPath: [Diagnostic]] = [:]
            for d in r.diagnostics { byFile[d.file, default: []].append(d) }
            for file in byFile.keys.sorted() {
                line("\(file): \(byFile[file]!.count) diagnostics")
                for d in byFile[file]! { line("  \(d)") }
            }
        }
        if !r.recovery.isEmpty {
            // What each unit with errors still gave, and what is lost.
            line("  recovered from the units with parse errors (definitions and calls after an error may be missing from queries):")
            for u in r.recovery.prefix(verbose ? r.recovery.count : 10) {
                line(u.failed ? "    \(u.unit): parse failed, nothing indexed (\(u.errors) errors)"
                     : "    \(u.unit): \(u.definitions) definitions, \(u.calls) calls recovered (\(u.errors) errors)")
            }
            if !verbose, r.recovery.count > 10 { line("    ... \(r.recovery.count - 10) more") }
            line("  what to do: `index --verbose` lists each error; a missing header or CUDA/ROCm-only code is the usual cause, and the")
            line("    rest of the checkout is unaffected; `def`/`symbols` on a unit show what it kept")
        }
        return s
    }

    public static func json(_ r: IndexRunReport) -> String {
        let c = r.counts
        let obj: [String: Any] = [
            "root": r.root, "database": r.database,
            "files": c.filesByLanguage, "symbols": c.symbols, "symbols_by_kind": c.symbolsByKind,
            "call_sites": c.calls, "launches": c.launches, "registrations": c.registrations, "imports": c.imports,
            "edges": c.edges, "units_with_errors": r.unitsWithErrors.map(\.rawValue),
            "reindexed_units": r.reindexedUnits.count, "deleted_units": r.deletedUnits.map(\.rawValue),
            "skipped": r.skipped.map { ["path": $0.path.rawValue, "reason": $0.message.isEmpty ? $0.status : $0.message] },
            "unresolved": r.unresolved, "looks_like_vllm": r.looksLikeVLLM,
            "recovery": r.recovery.map { ["unit": $0.unit, "definitions": $0.definitions, "calls": $0.calls, "errors": $0.errors,
                                          "failed": $0.failed] as [String: Any] },
        ]
        let data = try! JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
