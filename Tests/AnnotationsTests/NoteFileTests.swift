import Foundation
import IndexModel
import XCTest
@testable import Annotations

final class NoteFileTests: XCTestCase {
    let sample = """
    ---
    id: pa-v1-block-table-walk          # stable
    title: How the v1 kernel walks the block table
    release: 0.6.2
    tags: [csrc/attention, kernel]
    owner: someone
    anchors:
      - symbol: vllm::paged_attention_kernel
        file: csrc/attention/attention_kernels.cu
        lines: 200-231
      - file: vllm/core/
    ---
    # Walk\r
    Trailing spaces   \n\tand tabs, no final newline: see [[paged_attention_v1_kernel]] and [[note:other]]
    """

    func testParseAndRoundTripKeepsBodyByteIdentical() throws {
        let parsed = NoteFileFormat.parse(text: sample, path: "a.md", displayPath: "Annotations/a.md")
        XCTAssertEqual(parsed.diagnostics, [])
        let note = try XCTUnwrap(parsed.note)
        XCTAssertEqual(note.id, "pa-v1-block-table-walk")
        XCTAssertEqual(note.release, "0.6.2")
        XCTAssertEqual(note.tags, ["csrc/attention", "kernel"])
        XCTAssertEqual(note.anchors, [
            NoteAnchor(symbol: "vllm::paged_attention_kernel", file: "csrc/attention/attention_kernels.cu", lines: LineSpan(200, 231)),
            NoteAnchor(file: "vllm/core/"),
        ])
        XCTAssertEqual(note.anchors[1].form, .directory)
        let bodyStart = sample.range(of: "# Walk")!.lowerBound
        XCTAssertEqual(Array(note.body.utf8), Array(sample[bodyStart...].utf8))
        // Rewrite with evidence, status and a new release: only the release's bytes change; evidence and
        // status stay out of the file (they belong to the lock file), comments and unknown keys stay.
        var changed = note
        changed.anchors[0].evidence = AnchorEvidence(kind: "device_function", signature: "0123456789abcdef",
                                                     lineHashes: ["01", "02"], lineGrams: ["-", "-"], contextBefore: [],
                                                     contextAfter: ["03"], bodyHash: "00ff", symbolLines: LineSpan(90, 496),
                                                     offset: 110, bodySketch: ["0a", "0b"], bodyLines: 2)
        changed.status = [AnchorStatusRecord(anchor: 0, release: "0.7.3", status: .moved, confidence: 0.95,
                                             agreed: ["qualified name"], disagreed: ["file"],
                                             candidates: [AnchorCandidate(file: "x.cu", lines: LineSpan(1, 2), symbol: "s", score: 0.5)])]
        changed.release = "0.10"
        let text = NoteFileFormat.render(changed)
        XCTAssertEqual(text, sample.replacingOccurrences(of: "release: 0.6.2\n", with: "release: 0.10\n"))
        let again = try XCTUnwrap(NoteFileFormat.parse(text: text, path: "a.md", displayPath: "a.md").note)
        XCTAssertEqual(again.anchors, note.anchors)
        XCTAssertEqual(again.release, "0.10")
        XCTAssertEqual(Array(again.body.utf8), Array(note.body.utf8))
        XCTAssertEqual(NoteFileFormat.render(again), text, "rendering is a fixed point")
    }

    func writeNotes(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("notes-\(UUID().uuidString)/Annotations")
        for (path, text) in files {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return dir
    }

    func note(_ id: String, body: String = "Body of \\(id).\n") -> String {
        "---\nid: \(id)\ntitle: Note \(id)\nanchors:\n  - file: vllm/core/\n---\n\(body)"
    }

    func testBrokenFrontMatterIsReportedWithFileAndLineAndOthersLoad() throws {
        let dir = try writeNotes([
            "a.md": note("a"),
            "kernels/broken.md": "---\nid: broken\ntitle: [unclosed\nanchors: []\n---\nbody\n",
            "kernels/bad-lines.md": "---\nid: bad-lines\ntitle: t\nanchors:\n  - file: x.py\n    lines: 9-3\n---\n",
            "z.md": note("z"),
            "tours/t.yaml": "id: t\ntitle: T\nsteps:\n  - note: a\n  - note: missing\n  - {symbol: s, file: f.py, lines: 1-2, text: hi}\n",
        ])
        let set = NoteDirectory(root: dir).load()
        XCTAssertEqual(set.notes.map(\.id), ["a", "kernels/bad-lines", "z"].map { NoteID($0.replacingOccurrences(of: "kernels/", with: "")) })
        let broken = try XCTUnwrap(set.diagnostics.first { $0.file.rawValue == "Annotations/kernels/broken.md" })
        XCTAssertEqual(broken.severity, .error)
        XCTAssertEqual(broken.line, 4, "the flow sequence opened on line 3 is reported where the scanner fails")
        let lines = try XCTUnwrap(set.diagnostics.first { $0.file.rawValue == "Annotations/kernels/bad-lines.md" })
        XCTAssertEqual(lines.line, 6)
        XCTAssertTrue(lines.message.contains("lines"))
        XCTAssertEqual(set.tours.map(\.id), ["t"])
        XCTAssertEqual(set.tours[0].steps.count, 3)
        XCTAssertTrue(set.diagnostics.contains { $0.message.contains("unknown note 'missing'") })
    }

    func testDuplicateIdsAreReported() throws {
        let dir = try writeNotes(["a.md": note("same"), "b/b.md": note("same"), "c.md": note("other")])
        let set = NoteDirectory(root: dir).load()
        XCTAssertEqual(set.notes.map(\.path), ["a.md", "c.md"])
        let d = try XCTUnwrap(set.diagnostics.first)
        XCTAssertEqual(d.file.rawValue, "Annotations/b/b.md")
        XCTAssertTrue(d.message.contains("duplicate id 'same'") && d.message.contains("Annotations/a.md"), d.message)
    }

    struct Injected: Error {}

    func testFailedMigrateWriteLeavesEveryFileAsItWas() throws {
        let originals = ["a.md": note("a"), "b.md": note("b"), "k/c.md": note("c")]
        let dir = try writeNotes(originals)
        let directory = NoteDirectory(root: dir)
        var notes = directory.load().notes
        for i in notes.indices { notes[i].release = "9.9" }
        // Fail after the second rename: rolled back at once.
        XCTAssertThrowsError(try directory.save(notes, hooks: .init(afterRename: { if $0 == 2 { throw Injected() } })))
        for (path, text) in originals {
            XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8), text, path)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }, [])
        // "Killed" after the second rename: no rollback ran; the next load restores every file.
        XCTAssertThrowsError(try directory.save(notes, hooks: .init(afterRename: { if $0 == 2 { throw Injected() } },
                                                                     rollbackOnError: false)))
        let changedOnDisk = try originals.keys.filter {
            try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) != originals[$0]
        }
        XCTAssertEqual(changedOnDisk.count, 2, "the crash left two files half-migrated")
        let reloaded = directory.load()
        XCTAssertTrue(reloaded.diagnostics.contains { $0.message.contains("rolled back") })
        for (path, text) in originals {
            XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8), text, path)
        }
        // A write that completes changes all of them.
        try directory.save(notes)
        XCTAssertEqual(directory.load().notes.map(\.release), ["9.9", "9.9", "9.9"])
    }

    func testKilledChildProcessLeavesEveryFileAsItWas() throws {
        // A real kill: a shell child performs the same protocol steps (temps, links, journal, two of three
        // renames) and is killed with SIGKILL before finishing; recovery must restore the old texts.
        let originals = ["a.md": note("a"), "b.md": note("b"), "c.md": note("c")]
        let dir = try writeNotes(originals)
        let script = """
        cd '\(dir.path)'
        for f in a b c; do printf 'new %s\\n' $f > .$f.md.mtmp; ln $f.md .$f.md.mbak; done
        printf 'B a.md\\nB b.md\\nB c.md\\n' > .marginalia-journal
        mv .a.md.mtmp a.md; mv .b.md.mtmp b.md
        kill -9 $$
        mv .c.md.mtmp c.md
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("a.md"), encoding: .utf8), "new a\n")
        _ = NoteDirectory(root: dir).load()
        for (path, text) in originals {
            XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8), text, path)
        }
    }
}
