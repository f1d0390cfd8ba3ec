// The call-graph queries over a stored index: the store as the graph module's EdgeStore.
import CallGraph
import Foundation
import IndexDatabase
import IndexModel

/// Reads edges from the SQLite index, one node at a time (no full load: queries stay fast on big indexes).
public final class StoreEdgeStore: EdgeStore, @unchecked Sendable {
    let store: IndexStore
    private var outCache: [String: [Edge]] = [:]
    private var inCache: [String: [Edge]] = [:]
    public init(store: IndexStore) { self.store = store }

    static func edge(_ r: EdgeRecord) -> Edge {
        Edge(caller: r.caller, callee: r.callee, kind: EdgeKind(rawValue: r.kind),
             confidence: Confidence(rawValue: r.confidence) ?? .nameOnly, file: r.file, line: r.line, column: r.column,
             note: r.evidence, dispatchKey: r.dispatchKey)
    }

    public func outgoing(_ node: String) -> [Edge] {
        if let c = outCache[node] { return c }
        let e = ((try? store.edges(from: node)) ?? []).map(Self.edge)
        outCache[node] = e
        return e
    }

    public func incoming(_ node: String) -> [Edge] {
        if let c = inCache[node] { return c }
        let e = ((try? store.edges(to: node)) ?? []).map(Self.edge)
        inCache[node] = e
        return e
    }
}

/// Name resolution and source lines for the graph commands.
public struct GraphQueries {
    public let store: IndexStore
    public let edges: StoreEdgeStore
    let lines: LineCache?

    public init(store: IndexStore) throws {
        self.store = store
        self.edges = StoreEdgeStore(store: store)
        self.lines = (try store.meta("root")).map { LineCache(root: URL(fileURLWithPath: $0)) }
    }

    /// The graph node a command-line name denotes: a qualified name or unique suffix of a symbol or of
    /// a graph-only node (torch op, external). Unknown and ambiguous names throw with suggestions.
    public func node(_ name: String) throws -> String {
        let q = name.trimmingCharacters(in: .whitespaces)
        guard !q.isEmpty else { throw UserError("marginalia: empty symbol name; pass a qualified name or a unique suffix (LLM.generate)") }
        var direct = try store.nodeNames(matching: q, lastComponent: NearMiss.lastComponent(q))
        if direct.contains(q) { return q }
        if direct.isEmpty {
            // `vllm.x.y` for `vllm::x::y` and back: the spellings SymbolLookup treats alike.
            let other = q.contains("::") ? q.replacingOccurrences(of: "::", with: ".") : q.replacingOccurrences(of: ".", with: "::")
            if other != q {
                direct = try store.nodeNames(matching: other, lastComponent: NearMiss.lastComponent(other))
                if direct.contains(other) { return other }
            }
        }
        if direct.count == 1 { return direct[0] }
        if direct.count > 1 {
            throw UserError("marginalia: '\(name)' is ambiguous; it matches \(direct.count) names:\n"
                + NameRanking.listing(NameRanking.ambiguousOrder(direct)) + "\n  (pass more of the qualified name)")
        }
        let suggestions = try store.suggestions(for: q)
        throw UserError("marginalia: unknown symbol '\(name)'" +
            (suggestions.isEmpty ? "" : "; did you mean:\n" + suggestions.map { "  \($0)" }.joined(separator: "\n")))
    }

    /// The source line reader the formatters use.
    public var sourceLine: SourceLineReader {
        let l = lines
        return { path, n in l?.line(path, n) }
    }
}
