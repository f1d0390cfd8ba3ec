import Foundation
import IndexModel
import XCTest
@testable import Annotations

/// Issue 12: a rewrite changes the fields it means to change and not one byte more. Random note files
/// (comments everywhere, plain / single / double quoted values, block and flow anchors, `---`, `...`
/// and `...` + `---` closings, bodies full of `---` and `...` lines) are read, get a new release and new
/// anchor places, are saved through `NoteDirectory.save` and compared with the same file built with
/// the new values.
final class RoundTripPropertyTests: XCTestCase {
    /// A deterministic generator (SplitMix64).
    struct RNG {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func bool() -> Bool { int(2) == 0 }
        mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
    }

    enum Style { case plain, single, double }

    /// A note file as segments: literal text, or a field written in some style.
    enum Segment {
        case text(String)
        case field(String, Style)
        /// Where a missing field would be inserted: (field, indentation).
        case slot(String, String)
    }

    static func quote(_ v: String, _ s: Style) -> String {
        switch s {
        case .plain: return v
        case .single: return "'" + v + "'"
        case .double: return "\"" + v + "\""
        }
    }

    static func build(_ segments: [Segment], _ values: [String: String], inserting: Set<String> = []) -> String {
        var out = ""
        for s in segments {
            switch s {
            case let .text(t): out += t
            case let .field(k, style): out += quote(values[k]!, style)
            case let .slot(k, indent):
                if inserting.contains(k), let v = values[k] {
                    out += indent + (k.hasSuffix("release") ? "release: \"\(v)\"\n" : "lines: \(v)\n")
                }
            }
        }
        return out
    }

    func comment(_ r: inout RNG) -> String {
        r.int(3) == 0 ? "  # " + r.pick(["keep me", "why: see below", "--- not a delimiter", "... nor this", "lines: 1-2"]) : ""
    }

    func styleFor(_ r: inout RNG) -> Style { r.pick([.plain, .single, .double]) }

    /// One random note file and its field values.
    func randomNote(_ r: inout RNG, id: String) -> ([Segment], [String: String], anchors: [(symbol: Bool, lines: Bool, flow: Bool)]) {
        var seg: [Segment] = [.text("---\n")]
        var values: [String: String] = [:]
        func commentLine() { if r.int(4) == 0 { seg.append(.text(r.pick(["# a comment\n", "\n", " # indented comment\n"]))) } }
        commentLine()
        seg.append(.text("id: \(id)\(comment(&r))\n"))
        commentLine()
        values["title"] = r.pick(["How it works", "Block table walk", "A note"])
        seg += [.text("title: "), .field("title", styleFor(&r)), .text(comment(&r) + "\n")]
        let hasRelease = r.int(4) != 0
        if hasRelease {
            values["release"] = r.pick(["0.6.2", "0.7.3", "0.8.5"])
            seg += [.text("release: "), .field("release", styleFor(&r)), .text(comment(&r) + "\n")]
        } else {
            seg.append(.slot("release", ""))
        }
        commentLine()
        if r.bool() { seg.append(.text("tags: [kernel, \"paged attention\"]\(comment(&r))\n")) }
        else { seg.append(.text("tags:\n  - kernel\(comment(&r))\n  - 'paged attention'\n")) }
        if r.bool() { seg.append(.text("owner: someone  # unknown keys stay\n")) }
        seg.append(.text("anchors:\(comment(&r))\n"))
        var shapes: [(Bool, Bool, Bool)] = []
        let indent = r.bool() ? "  " : ""
        for i in 0..<(1 + r.int(3)) {
            commentLine()
            let symbol = r.int(4) != 0, lines = r.bool(), flow = r.int(4) == 0
            values["a\(i).file"] = r.pick(["vllm/core/scheduler.py", "csrc/attention/attention_kernels.cu", "vllm/worker/model_runner.py"])
            if symbol { values["a\(i).symbol"] = r.pick(["vllm.core.scheduler.Scheduler.schedule", "vllm::paged_attention_kernel", "ModelRunner"]) }
            if lines { values["a\(i).lines"] = "\(1 + r.int(300))-\(301 + r.int(300))" }
            if flow {
                seg.append(.text(indent + "- {"))
                if symbol { seg += [.text("symbol: "), .field("a\(i).symbol", styleFor(&r)), .text(", ")] }
                seg += [.text("file: "), .field("a\(i).file", styleFor(&r))]
                if lines { seg += [.text(", lines: "), .field("a\(i).lines", r.bool() ? .plain : .double)] }
                seg.append(.text("}\(comment(&r))\n"))
            } else {
                var first = true
                func key(_ k: String, _ field: String, _ style: Style) {
                    seg.append(.text(indent + (first ? "- " : "  ") + k + ": "))
                    seg += [.field(field, style), .text(comment(&r) + "\n")]
                    first = false
                }
                if symbol { key("symbol", "a\(i).symbol", styleFor(&r)) }
                key("file", "a\(i).file", styleFor(&r))
                if lines { key("lines", "a\(i).lines", r.bool() ? .plain : .single) }
                else if symbol { seg.append(.slot("a\(i).lines", indent + "  ")) }
            }
            shapes.append((symbol, lines, flow))
        }
        commentLine()
        seg.append(.text(r.pick(["---\n", "...\n", "...\n---\n", "---\r\n"])))
        var body = ""
        for _ in 0..<(1 + r.int(8)) {
            body += r.pick(["---\n", "...\n", "\n", "Text with [[note:other]] link.\n", "  indented  \n", "# Heading\n",
                            "```\n---\n...\n```\n", "tail without newline", "crlf line\r\n", "id: not front matter\n"])
        }
        seg.append(.text(body))
        return (seg, values, shapes)
    }

    func testHundredRandomRoundTripsChangeOnlyTheIntendedFields() throws {
        var r = RNG(state: 12)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("roundtrip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        for round in 0..<100 {
            let id = "note-\(round)"
            let (segments, values, shapes) = randomNote(&r, id: id)
            let original = Self.build(segments, values)
            let path = "\(id).md"
            try Data(original.utf8).write(to: dir.appendingPathComponent(path))
            let directory = NoteDirectory(root: dir)
            let set = directory.load()
            XCTAssertEqual(set.diagnostics, [], "round \(round):\n\(original)")
            let note = try XCTUnwrap(set.note(NoteID(id)), "round \(round):\n\(original)")
            XCTAssertEqual(note.anchors.count, shapes.count)
            // Unchanged: byte for byte.
            XCTAssertEqual(NoteFileFormat.render(note), original, "round \(round): a rewrite with no change")
            // The intended change: a new release, new files, symbols and lines (added where missing).
            var changed = note
            var newValues = values
            var inserting = Set<String>()
            changed.release = r.pick(["0.10.2", "0.33.0", "0.6.3.post1"])
            newValues["release"] = changed.release
            if values["release"] == nil { inserting.insert("release") }
            for (i, shape) in shapes.enumerated() {
                if r.bool() {
                    let f = r.pick(["vllm/core/block_manager.py", "csrc/attention/paged_attention_v1.cu", "vllm/v1/core/sched/scheduler.py"])
                    changed.anchors[i].file = RepoPath(f)
                    newValues["a\(i).file"] = f
                }
                if shape.symbol, r.bool() {
                    let s = r.pick(["vllm.core.block_manager.SelfAttnBlockSpaceManager.allocate", "vllm::paged_attention_v1_kernel"])
                    changed.anchors[i].symbol = s
                    newValues["a\(i).symbol"] = s
                }
                if shape.lines || (shape.symbol && !shape.flow && r.bool()) {
                    let span = LineSpan(1 + r.int(900), 1000 + r.int(50))
                    changed.anchors[i].lines = span
                    newValues["a\(i).lines"] = span.description
                    if !shape.lines { inserting.insert("a\(i).lines") }
                }
            }
            try directory.save([changed])
            let written = try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8)
            let expected = Self.build(segments, newValues, inserting: inserting)
            XCTAssertEqual(written, expected, "round \(round): only the intended fields may change.\nwas:\n\(original)")
            let again = try XCTUnwrap(NoteFileFormat.parse(text: written, path: path, displayPath: path).note)
            XCTAssertEqual(again.release, changed.release)
            XCTAssertEqual(again.anchors.map(\.file), changed.anchors.map(\.file))
            XCTAssertEqual(again.anchors.map(\.symbol), changed.anchors.map(\.symbol))
            XCTAssertEqual(again.anchors.map(\.lines), changed.anchors.map(\.lines))
            XCTAssertEqual(Array(again.body.utf8), Array(note.body.utf8), "round \(round): body")
            try FileManager.default.removeItem(at: dir.appendingPathComponent(path))
        }
    }
}
