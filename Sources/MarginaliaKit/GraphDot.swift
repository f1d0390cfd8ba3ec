// `--dot` a person can read: one cluster per language (Python, torch op, C++, CUDA, libraries), short
// node labels (the last two name components; the full name as tooltip), call sites `file:line` on the
// edges, laid out top to bottom so a long path wraps into a column rather than a strip.
import CallGraph
import Foundation
import IndexModel

public enum GraphDot {
    /// The cluster a node belongs to, from its language in the index (`languages`), else its name.
    static func cluster(_ node: String, _ languages: [String: String]) -> String {
        if node.hasPrefix("torch.ops.") { return "torch op" }
        switch languages[node] {
        case "python": return "Python"
        case "cuda": return "CUDA"
        case "cpp", "c": return "C++"
        default: return "library"
        }
    }

    /// `Scheduler._schedule` for `vllm.core.scheduler.Scheduler._schedule`, `vllm::rms_norm_kernel` kept.
    static func label(_ node: String) -> String {
        if node.contains("::") { return node.components(separatedBy: "::").suffix(2).joined(separator: "::") }
        if node.hasPrefix("torch.ops.") { return String(node.dropFirst("torch.ops.".count)) }
        return node.split(separator: ".").suffix(2).joined(separator: ".")
    }

    public static func render(_ edges: [Edge], title: String, languages: [String: String]) -> String {
        let q = GraphFormat.quote
        var nodes = Set<String>()
        var lines: [String] = []
        var seen = Set<String>()
        for e in edges.sorted() {
            let key = "\(e.caller)\u{1}\(e.callee)\u{1}\(e.kind.rawValue)"
            guard seen.insert(key).inserted else { continue }
            nodes.insert(e.caller)
            nodes.insert(e.callee)
            let style = e.confidence > .inferred ? ", style=dashed" : ""
            let site = "\((e.file.rawValue as NSString).lastPathComponent):\(e.line)"
            lines.append("  \(q(e.caller)) -> \(q(e.callee)) [label=\(q(site)), tooltip=\(q("\(e.file.rawValue):\(e.line) \(e.kind.rawValue)/\(e.confidence.rawValue)"))\(style)];")
        }
        var out = "digraph \(q(title)) {\n  rankdir=TB;\n  newrank=true;\n  ranksep=0.3;\n"
        out += "  node [shape=box, fontname=\"monospace\", fontsize=10];\n  edge [fontname=\"monospace\", fontsize=8];\n"
        let groups = Dictionary(grouping: nodes, by: { cluster($0, languages) })
        for (i, name) in ["Python", "torch op", "C++", "CUDA", "library"].enumerated() {
            guard let members = groups[name] else { continue }
            out += "  subgraph \(q("cluster_\(i)")) {\n    label=\(q(name));\n    style=rounded;\n"
            for n in members.sorted() { out += "    \(q(n)) [label=\(q(label(n))), tooltip=\(q(n))];\n" }
            out += "  }\n"
        }
        return out + lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n") + "}\n"
    }
}
