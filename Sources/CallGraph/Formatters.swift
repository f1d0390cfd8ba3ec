// Text, JSON and Graphviz renderings of query results. Pure functions: they read source lines through a
// closure and return strings; printing is the executable's business.
import Foundation
import IndexModel

/// Gives the text of one line of a checkout file (1-based), nil when unavailable.
public typealias SourceLineReader = (RepoPath, Int) -> String?

/// What a path query ran under, for its JSON output.
public struct PathContext: Sendable {
    /// The profile's name, nil for none.
    public var profile: String?
    /// `KEY=VALUE` assumptions the printed paths hold under.
    public var assumptions: [String]
    /// False when the query's own configuration reached nothing and the paths hold under an assumption.
    public var reachedAsAsked: Bool
    /// Assumptions that reach the target when the profile does not.
    public var reachedWith: [String]
    /// True when every route passes through `torch.nn.Module.__call__` of an unknown class.
    public var throughUnknownModule: Bool
    public init(profile: String?, assumptions: [String], reachedAsAsked: Bool, reachedWith: [String], throughUnknownModule: Bool) {
        self.profile = profile
        self.assumptions = assumptions
        self.reachedAsAsked = reachedAsAsked
        self.reachedWith = reachedWith
        self.throughUnknownModule = throughUnknownModule
    }
}

/// Renders edges and query results.
public enum GraphFormat {
    /// `file:line  [kind, confidence]`.
    static func site(_ e: Edge) -> String { "\(e.file.rawValue):\(e.line)  [\(e.kind.rawValue), \(e.confidence.rawValue)]" }

    static func sourceText(_ e: Edge, _ read: SourceLineReader?) -> String? {
        guard let read, let line = read(e.file, e.line) else { return nil }
        let t = line.trimmingCharacters(in: .whitespaces)
        return t.isEmpty ? nil : t
    }

    /// A callers/callees tree as indented text: each branch shows the node, the call site, the edge kind
    /// and confidence, the source line, and the resolver's note.
    public static func text(_ tree: CallTree, source: SourceLineReader? = nil) -> String {
        var out = "\(tree.root)\n"
        func walk(_ branches: [CallTreeBranch], _ prefix: String, _ omitted: Int) {
            for (i, b) in branches.enumerated() {
                let last = i == branches.count - 1 && omitted == 0
                let mark = last ? "└─ " : "├─ "
                let cont = prefix + (last ? "   " : "│  ")
                out += "\(prefix)\(mark)\(b.node)\(b.seen ? "  (see above)" : "")\n"
                out += "\(cont)   at \(site(b.edge))\n"
                if let t = sourceText(b.edge, source) { out += "\(cont)   | \(t)\n" }
                if !b.edge.note.isEmpty { out += "\(cont)   ~ \(b.edge.note)\n" }
                walk(b.children, cont, b.omitted)
            }
            if omitted > 0 { out += "\(prefix)└─ … \(omitted) more not shown\n" }
        }
        walk(tree.children, "", tree.omitted)
        if tree.truncated { out += "(tree truncated at the node limit)\n" }
        return out
    }

    /// Paths as numbered hop lists.
    public static func text(_ result: PathResult, source: SourceLineReader? = nil) -> String {
        var out = ""
        if result.paths.isEmpty { out += "no path found\n" }
        for (i, p) in result.paths.enumerated() {
            out += "path \(i + 1): \(p.hops.count) hops, weakest edge \(p.confidence.rawValue)\n"
            if let first = p.hops.first { out += "  \(first.caller)\n" }
            for (k, h) in p.hops.enumerated() {
                out += "  -> \(h.callee)\n"
                out += "       at \(site(h))\n"
                if let t = sourceText(h, source) { out += "       | \(t)\n" }
                if !h.note.isEmpty { out += "       ~ \(h.note)\n" }
                let others = k < p.parallel.count ? p.parallel[k] : []
                for o in others.prefix(3) {
                    out += "       also at \(site(o))\(o.note.isEmpty ? "" : "  ~ " + o.note)\n"
                }
                if others.count > 3 { out += "       … \(others.count - 3) more call sites\n" }
            }
        }
        if result.truncated { out += "(search stopped: \(result.limitNote))\n" }
        return out
    }

    /// `{"paths": [{"hops": [{"caller","callee","file","line","kind","confidence"}]}]}` plus `truncated`
    /// and `limit` when a limit stopped the search.
    public static func json(_ result: PathResult, context: PathContext? = nil) -> String {
        let paths = result.paths.map { p in
            "{\"hops\": [" + p.hops.map { hopJSON($0) }.joined(separator: ", ") + "]}"
        }
        var s = "{\"paths\": [" + paths.joined(separator: ", ") + "]"
        s += ", \"truncated\": \(result.truncated)"
        if !result.limitNote.isEmpty { s += ", \"limit\": \(quote(result.limitNote))" }
        if let c = context {
            s += ", \"profile\": " + (c.profile.map(quote) ?? "null")
            s += ", \"assumptions\": [" + c.assumptions.map(quote).joined(separator: ", ") + "]"
            s += ", \"reached_as_asked\": \(c.reachedAsAsked)"
            s += ", \"reached_with\": [" + c.reachedWith.map(quote).joined(separator: ", ") + "]"
            s += ", \"through_unknown_module\": \(c.throughUnknownModule)"
        }
        return s + "}"
    }

    static func hopJSON(_ e: Edge) -> String {
        "{\"caller\": \(quote(e.caller)), \"callee\": \(quote(e.callee)), \"file\": \(quote(e.file.rawValue)), "
            + "\"line\": \(e.line), \"kind\": \(quote(e.kind.rawValue)), \"confidence\": \(quote(e.confidence.rawValue))}"
    }

    /// One JSON object per line for `export edges`: caller, callee, kind, confidence, file, line, note.
    public static func jsonLines(_ edges: [Edge]) -> String {
        var out = ""
        for e in edges.sorted() {
            out += "{\"caller\": \(quote(e.caller)), \"callee\": \(quote(e.callee)), \"kind\": \(quote(e.kind.rawValue)), "
                + "\"confidence\": \(quote(e.confidence.rawValue)), \"file\": \(quote(e.file.rawValue)), \"line\": \(e.line), "
                + "\"note\": \(quote(e.note))}\n"
        }
        return out
    }

    /// Graphviz for a set of edges (a tree's or paths' edges): nodes are qualified names, edges are
    /// labelled `kind/confidence`, dashed when weaker than `inferred`.
    public static func dot(_ edges: [Edge], title: String = "callgraph") -> String {
        var out = "digraph \(quote(title)) {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n"
        var seen = Set<String>()
        for e in edges.sorted() {
            let key = "\(e.caller)\u{1}\(e.callee)\u{1}\(e.kind.rawValue)"
            guard seen.insert(key).inserted else { continue }
            let style = e.confidence > .inferred ? ", style=dashed" : ""
            out += "  \(quote(e.caller)) -> \(quote(e.callee)) [label=\(quote("\(e.kind.rawValue)/\(e.confidence.rawValue)"))\(style)];\n"
        }
        return out + "}\n"
    }

    /// All edges of a tree, for `dot`.
    public static func edges(of tree: CallTree) -> [Edge] {
        var out: [Edge] = []
        func walk(_ b: [CallTreeBranch]) { for x in b { out.append(x.edge); walk(x.children) } }
        walk(tree.children)
        return out
    }

    /// All edges of paths, for `dot`.
    public static func edges(of result: PathResult) -> [Edge] { result.paths.flatMap(\.hops) }

    /// A look-up failure as text: the ambiguous names or the near misses.
    public static func text(_ lookup: LookupResult, query: String) -> String {
        switch lookup {
        case .found(let n): return n + "\n"
        case .ambiguous(let ns):
            return "'\(query)' is ambiguous; it matches:\n" + ns.prefix(20).map { "  \($0)\n" }.joined()
                + (ns.count > 20 ? "  … \(ns.count - 20) more\n" : "")
        case .notFound(let s):
            return "no symbol '\(query)'" + (s.isEmpty ? "\n" : "; did you mean:\n" + s.map { "  \($0)\n" }.joined())
        }
    }

    /// A JSON string literal.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

extension ResolvedGraph {
    /// A stable text summary: counts of edges by kind and confidence, unresolved call sites by reason.
    public func summary() -> String {
        var out = "call sites: " + callSiteCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        out += "edges: \(edges.count) (" + Confidence.allCases.map { "\($0.rawValue) \(edgesByConfidence[$0] ?? 0)" }.joined(separator: ", ") + ")\n"
        var byKind: [EdgeKind: Int] = [:]
        for e in edges { byKind[e.kind, default: 0] += 1 }
        out += "by kind: " + byKind.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ") + "\n"
        out += "nodes outside the checkout or ops: \(nodes.count)\n"
        let reasons = unresolvedByReason
        out += "unresolved: \(unresolved.count) (" + UnresolvedReason.allCases.map { "\($0.rawValue) \(reasons[$0] ?? 0)" }.joined(separator: ", ") + ")\n"
        return out
    }
}
