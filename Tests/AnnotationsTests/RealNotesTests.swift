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
            let rendered = NoteFileFormat.render(note)
            XCTAssertTrue(Array(rendered.utf8).suffix(note.body.utf8.count) == Array(original.utf8).suffix(note.body.utf8.count), note.path)
            let again = try XCTUnwrap(NoteFileFormat.parse(text: rendered, path: note.path, displayPath: note.path).note)
            XCTAssertEqual(again.anchors, note.anchors, note.path)
            XCTAssertEqual(again.tags, note.tags, note.path)
        }
    }
}
