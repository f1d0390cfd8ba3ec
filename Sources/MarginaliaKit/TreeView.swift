// How `callers` and `callees` trees read: children in source order, calls into builtins and libraries
// collapsed to a count, "(see above)" only for a node printed above, and code a reader asked to leave
// out (`--exclude tests,benchmarks`) gone.
import CallGraph
import Foundation
import IndexDatabase
import IndexModel

/// Edges without those made in, or leading into, the excluded top-level folders or packages.
public final class ExcludingEdgeStore: EdgeStore, @unchecked Sendable {
    public let base: EdgeStore
    public let excluded: Set<String>
    /// Nodes never dropped (the query's own).
    public let kept: Set<String>

    public init(base: EdgeStore, excluded: [String], kept: Set<String>) {
        self.base = base
        self.excluded = Set(excluded.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " /.")) }.filter { !$0.isEmpty })
        self.kept = kept
    }

    /// `tests/x.py` and `tests.x.f` are both in `tests`; `vllm::tests::f` is not (only top levels count).
    func isExcluded(_ node: String) -> Bool {
        guard !kept.contains(node) else { return false }
        return excluded.contains(String(node.prefix { $0 != "." && $0 != ":" }))
    }

    func keeps(_ e: Edge, neighbour: String) -> Bool {
        if isExcluded(neighbour) { return false }
        let top = String(e.file.rawValue.prefix { $0 != "/" })
        return !(excluded.contains(top) && !kept.contains(neighbour))
    }

    public func outgoing(_ node: String) -> [Edge] { base.outgoing(node).filter { keeps($0, neighbour: $0.callee) } }
    public func incoming(_ node: String) -> [Edge] { base.incoming(node).filter { keeps($0, neighbour: $0.caller) } }
}

public enum TreeView {
    /// Renders a tree as `GraphFormat.text` does, but: children ordered by call site (file, line, column);
    /// children that are neither symbols of the index nor torch ops (builtins, the standard library, torch
    /// functions, other packages) folded into one line with their count and first names; a node expanded
    /// where it is first printed, later occurrences marked "(see above)".
    public static func text(_ tree: CallTree, source: SourceLineReader?, isIndexed: (String) -> Bool) -> String {
        var expansion: [String: (children: [CallTreeBranch], omitted: Int)] = [:]
        func collect(_ bs: [CallTreeBranch]) {
            for b in bs {
                if !b.seen, expansion[b.node] == nil { expansion[b.node] = (b.children, b.omitted) }
                collect(b.children)
            }
        }
        collect(tree.children)
        var printed: Set<String> = [tree.root]
        var out = "\(tree.root)\n"
        // A leaf outside the index: a hub such as torch.nn.Module.__call__ leads on, and stays.
        func isLibrary(_ b: CallTreeBranch) -> Bool {
            !b.node.hasPrefix("torch.ops.") && !isIndexed(b.node) && (expansion[b.node]?.children.isEmpty ?? true)
        }
        func walk(_ branches: [CallTreeBranch], _ prefix: String, _ omitted: Int) {
            let ordered = ordered(branches)
            let shown = ordered.filter { !isLibrary($0) }
            let library = ordered.filter { isLibrary($0) }
            let tail = (library.isEmpty ? 0 : 1) + (omitted > 0 ? 1 : 0)
            for (i, b) in shown.enumerated() {
                let last = i == shown.count - 1 && tail == 0
                let cont = prefix + (last ? "   " : "│  ")
                let first = printed.insert(b.node).inserted
                out += "\(prefix)\(last ? "└─ " : "├─ ")\(b.node)\(first ? "" : "  (see above)")\n"
                out += "\(cont)   at \(b.edge.file.rawValue):\(b.edge.line)  [\(b.edge.kind.rawValue), \(b.edge.confidence.rawValue)]\n"
                if let read = source, let t = read(b.edge.file, b.edge.line)?.trimmingCharacters(in: .whitespaces), !t.isEmpty {
                    out += "\(cont)   | \(t)\n"
                }
                if !b.edge.note.isEmpty { out += "\(cont)   ~ \(b.edge.note)\n" }
                if first, let x = expansion[b.node] { walk(x.children, cont, x.omitted) }
            }
            if !library.isEmpty {
                let names = library.map(\.node)
                let sample = names.prefix(4).joined(separator: ", ") + (names.count > 4 ? ", …" : "")
                let mark = omitted > 0 ? "├─ " : "└─ "
                out += "\(prefix)\(mark)+ \(names.count) call\(names.count == 1 ? "" : "s") into builtins and libraries: \(sample)\n"
            }
            if omitted > 0 { out += "\(prefix)└─ … \(omitted) more not shown (--max-children)\n" }
        }
        walk(tree.children, "", tree.omitted)
        if tree.truncated { out += "(tree truncated at the node limit, --max-nodes)\n" }
        return out
    }

    /// Source order of the call sites: file, line, column, then name.
    static func ordered(_ bs: [CallTreeBranch]) -> [CallTreeBranch] {
        bs.sorted { ($0.edge.file, $0.edge.line, $0.edge.column, $0.node) < ($1.edge.file, $1.edge.line, $1.edge.column, $1.node) }
    }

    /// The nodes of a tree that are symbols of the index (one query for the whole tree).
    public static func indexedNodes(_ tree: CallTree, store: IndexStore) throws -> Set<String> {
        try store.existingQualifiedNames(Array(tree.allNodes))
    }
}
