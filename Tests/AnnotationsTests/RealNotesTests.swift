import Foundation
import IndexModel
import XCTest
@testable import Annotations

/// The study notes checked into `Annotations/` load cleanly and survive a rewrite byte for byte.
final class RealNotesTests: XCTestCase {
    func testCheckedInNotesLoadAndRoundTrip() throws {
        let dir = ReleaseFixtures.packageRoot.appendingPathComponent("Annotations")
        guard FileManager.default.fileExists(atPath: dir.path) else { throw XCTSkip("no Annotations/ directory yet") }
        let set = NoteDirectory(root: dir).load()
        XCTAssertEqual(set.diagnostics.filter { $0.severity >= .error }, [], "\(set.diagnostics)")
        XCTAssertFalse(set.notes.isEmpty)
        for note in set.notes {
            let original = try String(contentsOf: dir.appendingPathComponent(note.path), encoding: .utf8)
            // Nothing to change: the rewrite is the file, byte for byte; the front matter carries no evidence.
            let rendered = NoteFileFormat.render(note)
            XCTAssertEqual(Array(rendered.utf8), Array(original.utf8), note.path)
            XCTAssertFalse(note.hasLegacyFrontMatter, "\(note.path): evidence belongs in notes.lock (run notes tidy)")
            for key in ["quote:", "context_before:", "context_after:", "line_hashes:", "body_sketch:", "signature:"] {
                XCTAssertFalse(original.contains("\n  " + key) || original.contains("\n    " + key), "\(note.path) has \(key)")
            }
            // Every anchor that is not a directory has its evidence in the lock file.
            for (i, a) in note.anchors.enumerated() where !a.isDirectory {
                XCTAssertNotNil(a.evidence, "\(note.path) anchor \(i): no evidence in notes.lock")
            }
        }
    }
}
