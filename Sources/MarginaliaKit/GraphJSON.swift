// `--json` of the graph commands: everything the text output shows (call site, source line, the
// resolver's evidence, other call sites of the same hop, the profile the query ran under), in the one
// JSON style of every command (keys sorted, `SymbolJSON.encode`).
import CallGraph
import Foundation
import IndexModel

public enum GraphJSON {
    /// One edge: caller, callee, kind, confidence, file, line, column, and when known the source line
    /// (`source`), the resolver's evidence (`evidence`) and the dispatch key.
    public static func edge(_ e: Edge, source: SourceLineReader?) -> [String: Any] {
        var o: [String: Any] = ["caller": e.caller, "callee": e.callee, "kind": e.kind.rawValue,
                                "confidence": e.confidence.rawValue, "file": e.file.rawValue, "line": e.line,
                                "column": e.column]
        if !e.note.isEmpty { o["evidence"] = e.note }
        if !e.dispatchKey.isEmpty { o["dispatch_key"] = e.dispatchKey }
        if let read = source, let t = read(e.file, e.line)?.trimmingCharacters(in: .whitespaces), !t.isEmpty { o["source"] = t }
        return o
    }

    /// The query's configuration: `headline` (the text output's first line), `profile` (nil: none) and
    /// `assumptions`.
    static func context(headline: String, profile: String?, assumptions: [String]) -> [String: Any] {
        ["headline": headline, "profile": profile ?? NSNull(), "assumptions": assumptions]
    }

    /// A callers/callees tree: `{"root", "direction", "children": [{"node", "edge", "seen", "omitted",
    /// "children"}], "truncated", "omitted", ...context}`.
    public static func tree(_ t: CallTree, headline: String, profile: String?, assumptions: [String],
                            source: SourceLineReader?) -> String
    {
        func branch(_ b: CallTreeBranch) -> [String: Any] {
            var o: [String: Any] = ["node": b.node, "edge": edge(b.edge, source: source), "seen": b.seen,
                                    "children": b.children.map(branch)]
            if b.omitted > 0 { o["omitted"] = b.omitted }
            return o
        }
        var o = context(headline: headline, profile: profile, assumptions: assumptions)
        o["root"] = t.root
        o["direction"] = t.direction.rawValue
        o["children"] = t.children.map(branch)
        o["truncated"] = t.truncated
        o["omitted"] = t.omitted
        return SymbolJSON.encode(o)
    }

    /// Paths: `{"paths": [{"hops": [edge + "also_at": [edge]], "confidence"}], "truncated", "limit",
    /// "max_depth", "reached_as_asked", "reached_with" (assumptions) and "reached_with_why", "blocking", "through_unknown_module", ...context}`.
    public static func paths(_ found: ProfiledPaths, headline: String, maxDepth: Int, note: String?,
                             source: SourceLineReader?) -> String
    {
        let r = found.result
        let c = found.configuration
        var o = context(headline: headline, profile: c.profile?.name,
                        assumptions: c.assumptions.map { "\($0.key)=\($0.value)" })
        o["paths"] = r.paths.map { p -> [String: Any] in
            let hops = p.hops.enumerated().map { k, h -> [String: Any] in
                var x = edge(h, source: source)
                let others = k < p.parallel.count ? p.parallel[k] : []
                if !others.isEmpty { x["also_at"] = others.map { edge($0, source: nil) } }
                return x
            }
            return ["hops": hops, "confidence": p.confidence.rawValue]
        }
        o["truncated"] = r.truncated
        if !r.limitNote.isEmpty { o["limit"] = r.limitNote }
        o["max_depth"] = maxDepth
        if let note { o["note"] = note }
        o["reached_as_asked"] = found.reachedAsAsked
        o["reached_with"] = found.reachedWith.map(\.assumption)
        o["reached_with_why"] = found.reachedWith.map(\.why)
        if let b = found.blocking { o["blocking"] = ["assumption": b.assumption, "why": b.why] }
        o["through_unknown_module"] = found.throughUnknownModule
        return SymbolJSON.encode(o)
    }
}
