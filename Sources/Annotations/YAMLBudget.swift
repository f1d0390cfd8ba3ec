// A budget for YAML before Yams composes it: aliases may not expand the document past a fixed
// number of nodes ("billion laughs": ten lines of nested aliases stand for a billion strings), and
// collections may not nest past a fixed depth. Yams shares an alias's node instead of copying it,
// but hashing a mapping key, serializing an unknown key's value or walking a list expands it.
//
// This is the only file that sees libyaml (the `CYaml` module Yams builds on and ships with): its
// event parser reports anchors and aliases, which Yams' composed nodes no longer show.
internal import CYaml

/// Limits on one YAML document (a note's front matter, a tour).
enum YAMLBudget {
    /// Nodes the document may stand for with every alias expanded. Front matter with evidence for
    /// a dozen anchors is a few hundred; tours are smaller.
    static let maxExpandedNodes = 100_000
    /// Collections nested inside each other (a note needs 4). libyaml stops at 1,000 by itself.
    static let maxDepth = 64

    /// Why `yaml` is refused, with the 1-based line (within `yaml`) where the limit was crossed;
    /// nil when it is within budget, and also when libyaml finds it malformed (Yams then reports
    /// that with its own message).
    static func problem(in yaml: String) -> (line: Int, message: String)? {
        var bytes = Array(yaml.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer -> (line: Int, message: String)? in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return nil }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return walk(&parser)
        }
    }

    private static func walk(_ parser: inout yaml_parser_t) -> (line: Int, message: String)? {
        /// An open collection: its anchor and the nodes it stands for so far (itself included).
        struct Open {
            var anchor: String?
            var size: Int
        }
        var open: [Open] = []
        var anchors: [String: Int] = [:]
        var total = 0
        func name(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            p.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        }
        /// Adds a finished node of `size` to its parent (or to the total); false when over budget.
        func finish(_ size: Int) -> Bool {
            let capped = min(size, maxExpandedNodes + 1)
            if open.isEmpty {
                total = min(total + capped, maxExpandedNodes + 1)
                return total <= maxExpandedNodes
            }
            open[open.count - 1].size = min(open[open.count - 1].size + capped, maxExpandedNodes + 1)
            return open[open.count - 1].size <= maxExpandedNodes
        }
        let overBudget = "aliases expand the YAML to more than \(maxExpandedNodes) nodes"
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return nil
            case YAML_SCALAR_EVENT:
                if let a = name(event.data.scalar.anchor) { anchors[a] = 1 }
                if !finish(1) { return (line, overBudget) }
            case YAML_ALIAS_EVENT:
                let size = name(event.data.alias.anchor).flatMap { anchors[$0] } ?? 1
                if !finish(size) { return (line, overBudget) }
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let anchor = event.type == YAML_SEQUENCE_START_EVENT
                    ? name(event.data.sequence_start.anchor) : name(event.data.mapping_start.anchor)
                open.append(Open(anchor: anchor, size: 1))
                if open.count > maxDepth { return (line, "YAML nested more than \(maxDepth) levels deep") }
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let done = open.popLast() else { return nil }
                if let a = done.anchor { anchors[a] = done.size }
                if !finish(done.size) { return (line, overBudget) }
            default:
                break
            }
        }
    }
}
