import Foundation
import IndexModel
import XCTest
@testable import Annotations

/// Issue 12's workflow defects, on a two-release fixture: a module moved to another file and one of
/// its methods edited.
final class NotesWorkflowTests: XCTestCase {
    static let v1File = """
    class Scheduler:
        def __init__(self):
            self.queue = []
            self.limit_tokens = 4096

        def schedule(self, budget):
            picked = [r for r in self.queue if r.tokens <= budget]
            total_tokens = sum(r.tokens for r in picked)
            return picked, total_tokens

    """
    static let v2File = """
    # the scheduler moved into the core package

    class Scheduler:
        def __init__(self):
            self.queue = []
            self.limit_tokens = 4096

        def schedule(self, budget):
            picked = [r for r in self.queue if r.tokens <= budget]
            total_tokens = sum(r.tokens for r in picked if r.alive)
            return picked, total_tokens

    """

    static func sym(_ qn: String, _ kind: SymbolKind, _ file: String, _ a: Int, _ b: Int) -> Symbol {
        Symbol(qualifiedName: qn, name: String(qn.split(separator: ".").last!), kind: kind, language: .python,
               file: RepoPath(file), range: SourceRange(line: a, column: 1, endLine: b, endColumn: 1))
    }

    static let v1 = ReleaseSnapshot(release: "0.1", symbols: [
        sym("pkg.sched.Scheduler", .class, "pkg/sched.py", 1, 9),
        sym("pkg.sched.Scheduler.__init__", .method, "pkg/sched.py", 2, 4),
        sym("pkg.sched.Scheduler.schedule", .method, "pkg/sched.py", 6, 9),
    ], checkout: InMemoryCheckout(files: ["pkg/sched.py": v1File]))

    static let v2 = ReleaseSnapshot(release: "0.2", symbols: [
        sym("pkg.core.scheduler.Scheduler", .class, "pkg/core/scheduler.py", 3, 11),
        sym("pkg.core.scheduler.Scheduler.__init__", .method, "pkg/core/scheduler.py", 4, 6),
        sym("pkg.core.scheduler.Scheduler.schedule", .method, "pkg/core/scheduler.py", 8, 11),
    ], checkout: InMemoryCheckout(files: ["pkg/core/scheduler.py": v2File]))

    /// Written by hand in the README's format: no evidence, a comment, `...` then `---`.
    static let handWritten = """
    ---
    id: picking-requests   # stable id
    title: How schedule picks requests
    release: "0.1"
    tags: [scheduler]
    anchors:
      # the method, not the class
      - symbol: pkg.sched.Scheduler.schedule
        file: pkg/sched.py
    ...
    ---
    See [[Scheduler.schedule]] and [[sched.Scheduler.schedule]]; also [[gone.function]].

    """

    func notesDirectory(_ files: [String: String]) throws -> NoteDirectory {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("workflow-\(UUID().uuidString)/Annotations")
        for (path, text) in files {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        addTeardownBlock { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        return NoteDirectory(root: dir)
    }

    func text(_ d: NoteDirectory, _ path: String) throws -> String {
        try String(contentsOf: d.root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Defect 1 and 6: lint validates every anchor; notes with bad ids are not loaded.
    func testLintValidatesAnchorsAndBadIdsAreSkipped() throws {
        let d = try notesDirectory([
            "a.md": Self.handWritten,
            "b.md": "---\nid: wrong-symbol\ntitle: T\nrelease: \"0.1\"\nanchors:\n- symbol: pkg.sched.Scheduler.shedule\n  file: pkg/sched.py\n---\nx\n",
            "c.md": "---\nid: lines-outside\ntitle: T\nrelease: \"0.1\"\nanchors:\n- symbol: pkg.sched.Scheduler.__init__\n  file: pkg/sched.py\n  lines: 3-7\n---\nx\n",
            "d.md": "---\nid: no-file\ntitle: T\nrelease: \"0.1\"\nanchors:\n- file: pkg/nothing.py\n---\nx\n",
            "e.md": "---\nid: '\"><script>alert(1)</script>'\ntitle: T\n---\nx\n",
        ])
        let set = d.load()
        XCTAssertEqual(set.notes.map(\.id.rawValue), ["picking-requests", "wrong-symbol", "lines-outside", "no-file"])
        let lint = NotesCommands.lint(set, lookup: SymbolTable(symbols: Self.v1.symbols), snapshot: Self.v1, displayPrefix: "Annotations")
        XCTAssertEqual(lint.status, 1)
        XCTAssertTrue(lint.text.contains("Annotations/b.md:5:0: error: wrong-symbol anchor 0: no symbol pkg.sched.Scheduler.shedule in pkg/sched.py (0.1); did you mean pkg.sched.Scheduler.schedule"), lint.text)
        XCTAssertTrue(lint.text.contains("Annotations/c.md:5:0: error: lines-outside anchor 0: lines 3-7 are outside pkg.sched.Scheduler.__init__ (lines 2-4)"), lint.text)
        XCTAssertTrue(lint.text.contains("Annotations/d.md:5:0: error: no-file anchor 0: no file pkg/nothing.py in 0.1; did you mean pkg/sched.py?"), lint.text)
        XCTAssertTrue(lint.text.contains("Annotations/e.md:2:0: error: note skipped: its id is not a well-formed note id"), lint.text)
        XCTAssertTrue(lint.text.contains("unknown link [[gone.function]]"), lint.text)
        XCTAssertFalse(lint.text.contains("picking-requests anchor"), lint.text)
    }

    /// Defect 1: a hand-written note is followed through a file move once evidence is at hand (captured
    /// on first use); without it the output says what to run.
    func testCheckCapturesEvidenceOnFirstUseOrSaysWhatToRun() throws {
        let d = try notesDirectory(["a.md": Self.handWritten])
        let set = d.load()
        XCTAssertNil(set.notes[0].anchors[0].evidence)
        let out = NotesCommands.check(set, target: Self.v2, previous: Self.v1, json: false, strict: false)
        XCTAssertEqual(out.status, 0, out.text)
        XCTAssertTrue(out.text.contains("legend:\n  exact: same code at the same place\n"), out.text)
        XCTAssertTrue(out.text.contains("picking-requests#0 edited 0.83 pkg/sched.py:6-9 pkg.sched.Scheduler.schedule -> pkg/core/scheduler.py:8-11 pkg.core.scheduler.Scheduler.schedule [needs review]\n    evidence: +qualified name without module path, -module path, -file, -body changed (similarity 0.6)\n"), out.text)
        // Without the note's release at hand: orphaned, and the diagnostic names the commands.
        let blind = NotesCommands.check(set, target: Self.v2, previous: nil, json: false, strict: true)
        XCTAssertEqual(blind.status, 1)
        XCTAssertTrue(blind.text.contains("warning: 1 notes written for 0.1 have anchors with no evidence and no index of that release is at hand, so they cannot be followed (picking-requests): run marginalia index ~/.cache/marginalia/vllm/vllm-0.1"), blind.text)
        XCTAssertTrue(blind.text.contains("picking-requests#0 orphaned 0 pkg/sched.py pkg.sched.Scheduler.schedule -> nowhere (old place shown is the last known one)\n    evidence: -no evidence captured: run notes capture\n"), blind.text)
        // --json carries the same.
        let json = NotesCommands.check(set, target: Self.v2, previous: Self.v1, json: true, strict: false)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any])
        XCTAssertNotNil((obj["legend"] as? [String: String])?["needs review"])
        let a = try XCTUnwrap((obj["anchors"] as? [[String: Any]])?.first)
        XCTAssertEqual(a["oldFile"] as? String, "pkg/sched.py")
        XCTAssertEqual(a["file"] as? String, "pkg/core/scheduler.py")
        XCTAssertEqual(a["needsReview"] as? Bool, true)
        XCTAssertEqual(a["disagreed"] as? [String], ["module path", "file", "body changed (similarity 0.6)"])
    }

    /// Defects 2, 3, 4 and 5: migrate rewrites only the anchor's fields and the release (comments and the
    /// `...` `---` closing kept, twice over), rewrites the body link that named the old module, reports
    /// the dangling one, keeps evidence in the lock file, and the edited anchor needs review until
    /// `notes review`.
    func testMigrateKeepsTheFileRecordsReviewAndRewritesLinks() throws {
        let d = try notesDirectory(["a.md": Self.handWritten])
        let out = try NotesCommands.migrate(d, target: Self.v2, previous: Self.v1, json: false, strict: false)
        XCTAssertEqual(out.status, 0, out.text)
        XCTAssertTrue(out.text.contains("picking-requests: body link [[sched.Scheduler.schedule]] -> [[scheduler.Scheduler.schedule]]\n"), out.text)
        XCTAssertTrue(out.text.contains("picking-requests: body link [[gone.function]] resolves to nothing in this release (left as written)\n"), out.text)
        XCTAssertTrue(out.text.hasSuffix("edited 1; 1 need review\n1 note files written, 0 unchanged\n"), out.text)
        let expected = Self.handWritten
            .replacingOccurrences(of: "release: \"0.1\"", with: "release: \"0.2\"")
            .replacingOccurrences(of: "symbol: pkg.sched.Scheduler.schedule", with: "symbol: pkg.core.scheduler.Scheduler.schedule")
            .replacingOccurrences(of: "file: pkg/sched.py", with: "file: pkg/core/scheduler.py")
            .replacingOccurrences(of: "[[sched.Scheduler.schedule]]", with: "[[scheduler.Scheduler.schedule]]")
        XCTAssertEqual(try text(d, "a.md"), expected)
        let lock = try text(d, EvidenceLock.fileName)
        XCTAssertFalse(lock.contains("picked"), "no code text in the lock file")
        XCTAssertTrue(lock.contains("\"review\" : \"needed\""), lock)
        var note = try XCTUnwrap(d.load().notes.first)
        XCTAssertTrue(note.anchors[0].needsReview)
        XCTAssertEqual(note.anchors[0].reviewNote, "edited in 0.2 (was pkg/sched.py)")
        XCTAssertEqual(note.anchors[0].evidenceRelease, "0.2")
        // Migrating again to the same release changes nothing on disk.
        let again = try NotesCommands.migrate(d, target: Self.v2, previous: Self.v2, json: false, strict: false)
        XCTAssertTrue(again.text.contains("picking-requests#0 exact 1 pkg/core/scheduler.py:8-11"), again.text)
        XCTAssertTrue(again.text.hasSuffix("0 note files written, 1 unchanged\n"), again.text)
        XCTAssertEqual(try text(d, "a.md"), expected)
        // The review is recorded in the lock file only.
        let reviewed = try NotesCommands.review(d, id: "picking-requests")
        XCTAssertEqual(reviewed.text, "picking-requests#0 reviewed (was: edited in 0.2 (was pkg/sched.py))\n")
        note = try XCTUnwrap(d.load().notes.first)
        XCTAssertFalse(note.anchors[0].needsReview)
        XCTAssertEqual(try text(d, "a.md"), expected)
        XCTAssertEqual(try NotesCommands.review(d, id: "picking-request").status, 1)
    }

    func testMigrateAcceptRecordsTheReviewAtOnce() throws {
        let d = try notesDirectory(["a.md": Self.handWritten])
        _ = try NotesCommands.migrate(d, target: Self.v2, previous: Self.v1, json: false, strict: false, accept: true)
        let note = try XCTUnwrap(d.load().notes.first)
        XCTAssertEqual(note.anchors[0].review, .checked)
        XCTAssertEqual(note.anchors[0].reviewNote, "accepted at migrate to 0.2 (edited)")
    }

    /// Defect 5: evidence that older versions wrote into the front matter (quoted code, hashes) moves to
    /// the lock file as fingerprints; every other byte of the note stays, comments included.
    func testTidyMovesLegacyEvidenceToTheLockAsFingerprints() throws {
        let legacy = """
        ---
        id: legacy   # keep this comment
        title: Old style
        release: "0.1"
        anchors:
        - symbol: pkg.sched.Scheduler.schedule
          file: pkg/sched.py   # and this one
          kind: method
          signature: (self, budget)
          quote: |2
                def schedule(self, budget):
                    picked = [r for r in self.queue if r.tokens <= budget]
          context_before: |+
                    self.limit_tokens = 4096

          context_after: |2
                    total_tokens = sum(r.tokens for r in picked)
          body_hash: 0123456789abcdef
          line_hashes: [1111111111111111, 2222222222222222]
          symbol_lines: 6-9
          body_sketch: [0a0a0a0a0a0a0a0a, 0b0b0b0b0b0b0b0b]
          body_lines: 4
        # a comment after the anchors
        status:
        - anchor: 0
          release: "0.1"
          status: exact
          confidence: 1
        ...
        ---
        Body.

        """
        let d = try notesDirectory(["legacy.md": legacy])
        XCTAssertTrue(d.load().notes[0].hasLegacyFrontMatter)
        let out = try NotesCommands.tidy(d)
        XCTAssertEqual(out.text, "1 notes tidied: their evidence is now in Annotations/notes.lock\n")
        XCTAssertEqual(try text(d, "legacy.md"), """
        ---
        id: legacy   # keep this comment
        title: Old style
        release: "0.1"
        anchors:
        - symbol: pkg.sched.Scheduler.schedule
          file: pkg/sched.py   # and this one
        # a comment after the anchors
        ...
        ---
        Body.

        """)
        let lock = try text(d, EvidenceLock.fileName)
        XCTAssertFalse(lock.contains("picked") || lock.contains("budget") || lock.contains("limit_tokens"), lock)
        let note = try XCTUnwrap(d.load().notes.first)
        let e = try XCTUnwrap(note.anchors[0].evidence)
        // The quoted lines became the same fingerprints capture takes from the file.
        let fresh = try XCTUnwrap(AnchorChecker(snapshot: Self.v1).capture(NoteAnchor(symbol: "pkg.sched.Scheduler.schedule", file: "pkg/sched.py")))
        XCTAssertEqual(Array(e.lineHashes.prefix(2)), Array(fresh.evidence!.lineHashes.prefix(2)))
        XCTAssertEqual(e.contextBefore.count, 2)
        XCTAssertEqual(e.bodyLines, 4)
        XCTAssertEqual(note.status.map(\.status), [.exact])
        XCTAssertFalse(note.hasLegacyFrontMatter)
    }
}
