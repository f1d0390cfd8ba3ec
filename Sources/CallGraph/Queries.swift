// Queries over resolved edges: look a symbol up, walk callers/callees, find paths. The edges come
// through `EdgeStore`, so the store (SQLite) and the graph never import each other.
import Foundation
import IndexModel

/// Reads edges by node. The database conforms to it in the pipeline module; tests use
/// `InMemoryEdgeStore`.
public protocol EdgeStore {
    /// Edges whose caller is `node`, in a stable order.
    func outgoing(_ node: String) -> [Edge]
    /// Edges whose callee is `node`, in a stable order.
    func incoming(_ node: String) -> [Edge]
}

/// Edges held in dictionaries.
public struct InMemoryEdgeStore: EdgeStore, Sendable {
    private var out: [String: [Edge]] = [:]
    private var into: [String: [Edge]] = [:]
    /// Every caller and callee named by an edge, sorted.
    public let nodeNames: [String]

    public init(edges: [Edge]) {
        var names = Set<String>()
        for e in edges.sorted() {
            out[e.caller, default: []].append(e)
            into[e.callee, default: []].append(e)
            names.insert(e.caller)
            names.insert(e.callee)
        }
        nodeNames = names.sorted()
    }
    /// Edges from `node`, sorted.
    public func outgoing(_ node: String) -> [Edge] { out[node] ?? [] }
    /// Edges into `node`, sorted.
    public func incoming(_ node: String) -> [Edge] { into[node] ?? [] }
}

// MARK: Lookup

/// The answer to a symbol look-up.
public enum LookupResult: Hashable, Sendable {
    /// Exactly one name matched (the whole name, or a unique suffix).
    case found(String)
    /// Several names end with the query; all are listed, sorted.
    case ambiguous([String])
    /// Nothing matched; the closest names, best first.
    case notFound(suggestions: [String])
}

/// Finds symbols by qualified name or by a unique suffix of dotted / `::` components
/// (`LLM.generate`, `paged_attention_v1_kernel`), with near misses for typos.
public struct SymbolLookup: Sendable {
    private let names: Set<String>
    private let bySuffix: [String: [String]]
    private let byLast: [String: [String]]

    public init<S: Sequence>(names: S) where S.Element == String {
        var all = Set<String>()
        var suffix: [String: [String]] = [:]
        var last: [String: [String]] = [:]
        for n in names where all.insert(n).inserted {
            let parts = SymbolLookup.components(n)
            for k in 1...max(1, parts.count) {
                suffix[parts.suffix(k).joined(separator: "."), default: []].append(n)
            }
            last[parts.last ?? n, default: []].append(n)
        }
        self.names = all
        self.bySuffix = suffix.mapValues { $0.sorted() }
        self.byLast = last
    }

    static func components(_ name: String) -> [String] {
        name.replacingOccurrences(of: "::", with: ".").split(separator: ".").map(String.init)
    }

    /// Looks `query` up: an exact qualified name wins, then a unique suffix.
    public func find(_ query: String) -> LookupResult {
        let q = query.trimmingCharacters(in: .whitespaces)
        if names.contains(q) { return .found(q) }
        let key = SymbolLookup.components(q).joined(separator: ".")
        if let matches = bySuffix[key] {
            return matches.count == 1 ? .found(matches[0]) : .ambiguous(matches)
        }
        return .notFound(suggestions: suggestions(for: q))
    }

    /// Up to five names whose last component is closest (edit distance) to the query's, then names that
    /// contain the query's last component.
    public func suggestions(for query: String, limit: Int = 5) -> [String] {
        let lastQ = SymbolLookup.components(query).last ?? query
        var scored: [(Int, String)] = []
        let budget = max(2, lastQ.count / 3)
        for (last, ns) in byLast where abs(last.count - lastQ.count) <= budget {
            let d = NearMiss.distance(last.lowercased(), lastQ.lowercased())
            if d <= budget { for n in ns { scored.append((d, n)) } }
        }
        if scored.count < limit {
            let lower = lastQ.lowercased()
            for (last, ns) in byLast where last.lowercased().contains(lower) && last.count != lastQ.count {
                for n in ns { scored.append((budget + 1 + last.count - lastQ.count, n)) }
            }
        }
        scored.sort { $0 < $1 }
        var out: [String] = []
        for (_, n) in scored where !out.contains(n) {
            out.append(n)
            if out.count == limit { break }
        }
        return out
    }
}

// MARK: Trees

/// Which way a tree walks.
public enum Direction: String, Sendable {
    case callers, callees
}

/// One branch of a callers/callees tree.
public struct CallTreeBranch: Hashable, Sendable {
    /// The edge that leads here (for callers: the edge from this node to its parent).
    public var edge: Edge
    /// The node this branch shows (callee for callees trees, caller for callers trees).
    public var node: String
    /// The next level (empty at the depth limit or for a node already shown).
    public var children: [CallTreeBranch]
    /// True when the node was already expanded nearer the root (or is on its own path): not expanded again.
    public var seen: Bool
    /// Edges left out at this node because of the fan-out limit.
    public var omitted: Int
}

/// A callers or callees tree, expanded breadth first so every node is expanded at its shallowest depth.
public struct CallTree: Hashable, Sendable {
    /// The node asked about.
    public var root: String
    /// Callers or callees.
    public var direction: Direction
    /// The first level.
    public var children: [CallTreeBranch]
    /// True when `maxNodes` stopped the expansion.
    public var truncated: Bool
    /// Edges left out at the root because of the fan-out limit.
    public var omitted: Int

    /// Every node in the tree, root included.
    public var allNodes: Set<String> {
        var s: Set<String> = [root]
        func walk(_ b: [CallTreeBranch]) { for x in b { s.insert(x.node); walk(x.children) } }
        walk(children)
        return s
    }
}

/// Builds a callers or callees tree to `depth` levels, skipping edges weaker than `minConfidence`.
/// Each node's edges are collapsed to one per neighbour (the surest, then the first call site);
/// `maxChildren` limits the fan-out shown per node and `maxNodes` the whole tree.
public func callTree(_ root: String, direction: Direction, in store: EdgeStore, depth: Int,
                     minConfidence: Confidence = .candidate, maxChildren: Int = 60, maxNodes: Int = 5000) -> CallTree
{
    struct Item { var edge: Edge; var node: String; var parent: Int; var depth: Int; var seen: Bool; var omitted: Int; var kids: [Int] }
    var items: [Item] = []
    var expanded: Set<String> = [root]
    var rootKids: [Int] = []
    var rootOmitted = 0
    var truncated = false
    var queue: [(index: Int, node: String, depth: Int)] = [(-1, root, 0)]
    var head = 0
    while head < queue.count {
        let (index, node, d) = queue[head]
        head += 1
        if d >= depth { continue }
        let edges = neighbours(node, direction, store, minConfidence)
        var kids: [Int] = []
        for (n, e) in edges.prefix(maxChildren) {
            if items.count >= maxNodes { truncated = true; break }
            let seen = expanded.contains(n)
            items.append(Item(edge: e, node: n, parent: index, depth: d + 1, seen: seen, omitted: 0, kids: []))
            kids.append(items.count - 1)
            if !seen {
                expanded.insert(n)
                queue.append((items.count - 1, n, d + 1))
            }
        }
        let omitted = max(0, edges.count - maxChildren)
        if index < 0 { rootKids = kids; rootOmitted = omitted } else { items[index].kids = kids; items[index].omitted = omitted }
        if truncated { break }
    }
    func build(_ i: Int) -> CallTreeBranch {
        let it = items[i]
        return CallTreeBranch(edge: it.edge, node: it.node, children: it.kids.map(build), seen: it.seen, omitted: it.omitted)
    }
    return CallTree(root: root, direction: direction, children: rootKids.map(build), truncated: truncated, omitted: rootOmitted)
}

/// One edge per neighbour: the surest, then the first in file order. Sorted by neighbour name.
func neighbours(_ node: String, _ direction: Direction, _ store: EdgeStore, _ minConfidence: Confidence) -> [(String, Edge)] {
    let edges = direction == .callees ? store.outgoing(node) : store.incoming(node)
    var best: [String: Edge] = [:]
    for e in edges where e.confidence <= minConfidence {
        let n = direction == .callees ? e.callee : e.caller
        if let b = best[n], (b.confidence, b.file, b.line) <= (e.confidence, e.file, e.line) { continue }
        best[n] = e
    }
    return best.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
}

// MARK: Paths

/// A path through the graph: edges from the source to the target.
public struct CallPath: Hashable, Sendable {
    /// The edges in order; `hops[0].caller` is the source, `hops.last.callee` the target.
    public var hops: [Edge]
    /// For each hop, the other edges between the same two nodes (other call sites, other dispatch keys of
    /// an op), in file order; empty when none or not filled.
    public var parallel: [[Edge]]
    public init(hops: [Edge], parallel: [[Edge]] = []) {
        self.hops = hops
        self.parallel = parallel
    }
    /// The weakest confidence along the path.
    public var confidence: Confidence { hops.map(\.confidence).max() ?? .exact }
}

/// The answer to a path query.
public struct PathResult: Hashable, Sendable {
    /// Shortest first; paths of equal length by their weakest edge, then fewest candidate edges, then
    /// fewest inferred edges, then name order.
    public var paths: [CallPath]
    /// True when a limit (`maxPaths`, `maxVisits`) stopped the search before all paths up to `maxDepth`
    /// were listed.
    public var truncated: Bool
    /// Which limit stopped it, "" when none.
    public var limitNote: String

    public init(paths: [CallPath], truncated: Bool = false, limitNote: String = "") {
        self.paths = paths
        self.truncated = truncated
        self.limitNote = limitNote
    }
}

/// Finds up to `maxPaths` simple paths (no node twice) of at most `maxDepth` edges from `source` to
/// `target`, shortest first, using edges no weaker than `minConfidence`. Parallel edges between the same
/// two nodes count once (the surest, then the first call site). A breadth-first search backwards from the
/// target bounds the forward enumeration; `maxVisits` bounds the work on huge fan-outs.
public func paths(from source: String, to target: String, in store: EdgeStore, maxDepth: Int = 16, maxPaths: Int = 5,
                  minConfidence: Confidence = .candidate, maxVisits: Int = 2_000_000) -> PathResult
{
    // Distance from each node to the target, backwards.
    var distToTarget: [String: Int] = [target: 0]
    var frontier = [target]
    var visits = 0
    var truncated = false
    var note = ""
    var d = 0
    while !frontier.isEmpty, d < maxDepth {
        d += 1
        var next: [String] = []
        for n in frontier {
            for (caller, _) in neighbours(n, .callers, store, minConfidence) where distToTarget[caller] == nil {
                distToTarget[caller] = d
                next.append(caller)
                visits += 1
            }
        }
        frontier = next
        if visits > maxVisits { truncated = true; note = "stopped after \(maxVisits) nodes searching backwards"; break }
    }
    guard let shortest = distToTarget[source] else {
        return PathResult(paths: [], truncated: truncated, limitNote: note)
    }
    var found: [CallPath] = []
    var onPath: Set<String> = [source]
    var hops: [Edge] = []
    var neighbourMemo: [String: [(String, Edge)]] = [:]
    func next(_ n: String) -> [(String, Edge)] {
        if let m = neighbourMemo[n] { return m }
        let r = neighbours(n, .callees, store, minConfidence).filter { distToTarget[$0.0] != nil }
        neighbourMemo[n] = r
        return r
    }
    var stop = false
    func dfs(_ n: String, _ length: Int, _ found: inout [CallPath]) {
        if stop { return }
        if n == target {
            if hops.count == length { found.append(CallPath(hops: hops)) }
            return
        }
        visits += 1
        if visits > maxVisits { stop = true; truncated = true; note = "stopped after \(maxVisits) visits"; return }
        for (m, e) in next(n) where !onPath.contains(m) {
            guard let dm = distToTarget[m], hops.count + 1 + dm <= length else { continue }
            onPath.insert(m)
            hops.append(e)
            dfs(m, length, &found)
            hops.removeLast()
            onPath.remove(m)
            if stop { return }
        }
    }
    var length = shortest
    while length <= maxDepth, found.count < maxPaths, !stop {
        var level: [CallPath] = []
        dfs(source, length, &level)
        level.sort { a, b in
            if a.confidence != b.confidence { return a.confidence < b.confidence }
            let (ca, cb) = (a.hops.filter { $0.confidence >= .candidate }.count, b.hops.filter { $0.confidence >= .candidate }.count)
            if ca != cb { return ca < cb }
            let (ia, ib) = (a.hops.filter { $0.confidence == .inferred }.count, b.hops.filter { $0.confidence == .inferred }.count)
            if ia != ib { return ia < ib }
            return a.hops.map(\.callee).lexicographicallyPrecedes(b.hops.map(\.callee))
        }
        for p in level {
            if found.count == maxPaths { truncated = true; note = "stopped at \(maxPaths) paths"; break }
            found.append(p)
        }
        length += 1
    }
    found = found.map { withParallelEdges($0, store, minConfidence) }
    if found.count == maxPaths, length <= maxDepth, !truncated {
        truncated = true
        note = "stopped at \(maxPaths) paths; paths longer than \(length - 1) hops not searched"
    }
    return PathResult(paths: found, truncated: truncated, limitNote: note)
}

/// The shortest path from `source` to `target` that passes through every waypoint in `via`, in order:
/// the shortest path of each leg, joined. Legs may share nodes (the joined path is not always simple).
/// Empty when a leg has no path; `truncated` when a leg hit a limit.
public func paths(from source: String, to target: String, via: [String], in store: EdgeStore, maxDepth: Int = 16,
                  minConfidence: Confidence = .candidate, maxVisits: Int = 2_000_000) -> PathResult
{
    guard !via.isEmpty else {
        return paths(from: source, to: target, in: store, maxDepth: maxDepth, maxPaths: 1, minConfidence: minConfidence,
                     maxVisits: maxVisits)
    }
    let stops = [source] + via + [target]
    var hops: [Edge] = []
    var truncated = false
    var notes: [String] = []
    for (a, b) in zip(stops, stops.dropFirst()) {
        let leg = paths(from: a, to: b, in: store, maxDepth: maxDepth, maxPaths: 1, minConfidence: minConfidence,
                        maxVisits: maxVisits)
        if leg.truncated, leg.paths.isEmpty { truncated = true; notes.append(leg.limitNote) }
        guard let p = leg.paths.first else {
            return PathResult(paths: [], truncated: truncated, limitNote: (notes + ["no path from \(a) to \(b)"]).joined(separator: "; "))
        }
        hops += p.hops
    }
    return PathResult(paths: [withParallelEdges(CallPath(hops: hops), store, minConfidence)], truncated: truncated,
                      limitNote: notes.joined(separator: "; "))
}

func withParallelEdges(_ p: CallPath, _ store: EdgeStore, _ minConfidence: Confidence) -> CallPath {
    var q = p
    q.parallel = p.hops.map { h in
        store.outgoing(h.caller).filter { $0.callee == h.callee && $0 != h && $0.confidence <= minConfidence }
    }
    return q
}
