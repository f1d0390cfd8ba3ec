import Foundation
import IndexModel
import XCTest
@testable import Annotations

/// One notes directory for several releases: which set serves which checkout, and what the loader says
/// about tours that cross releases.
final class ReleaseSelectionTests: XCTestCase {
    func testVersionsOrderNumericallyWithPreAndPostReleases() throws {
        let ordered = ["0.6.1.dev238+ge2c6e0a82", "0.6.2", "0.6.3.post1", "0.7.3", "0.10.2", "0.32.0", "0.33.0rc1", "0.33.0",
                       "1.0"]
        let parsed = try ordered.map { try XCTUnwrap(ReleaseVersion($0), $0) }
        for i in parsed.indices.dropFirst() {
            XCTAssertLessThan(parsed[i - 1], parsed[i], "\(ordered[i - 1]) < \(ordered[i])")
        }
        XCTAssertEqual(ReleaseVersion("0.33"), ReleaseVersion("0.33.0"))
        XCTAssertEqual(ReleaseVersion("v0.6.2"), ReleaseVersion("0.6.2"))
        XCTAssertNil(ReleaseVersion("main"))
        XCTAssertNil(ReleaseVersion(""))
    }

    func testTheRuleExactThenNewestEarlierThenOldestThenNewest() {
        let rs = ["0.6.2", "0.33.0"]
        XCTAssertEqual(NoteReleases.release(for: "0.6.2", among: rs), "0.6.2")
        XCTAssertEqual(NoteReleases.release(for: "0.33.0", among: rs), "0.33.0")
        XCTAssertEqual(NoteReleases.release(for: "0.7.3", among: rs), "0.6.2")
        XCTAssertEqual(NoteReleases.release(for: "0.32.0", among: rs), "0.6.2")
        XCTAssertEqual(NoteReleases.release(for: "0.35.1", among: rs), "0.33.0")
        XCTAssertEqual(NoteReleases.release(for: "0.5.0", among: rs), "0.6.2")
        XCTAssertEqual(NoteReleases.release(for: "", among: rs), "0.33.0")
        XCTAssertEqual(NoteReleases.release(for: "main", among: rs), "0.33.0")
        XCTAssertNil(NoteReleases.release(for: "0.6.2", among: []))
    }

    func note(_ id: String, _ release: String) -> Note {
        Note(id: NoteID(id), title: id, release: release, anchors: [NoteAnchor(file: "a.py")], body: "x\n", path: "\(id).md")
    }

    func testSelectKeepsOneReleasePlusUnversionedAndNamesTheOtherReleasesCompanions() {
        var old = Tour(id: "old", title: "old", steps: [.note("a")], path: "tours/old.yaml")
        old.release = "0.6.2"
        var new = Tour(id: "new", title: "new", steps: [.note("b"), .note("a"), .note("zzz")], path: "tours/new.yaml")
        new.release = "0.33.0"
        var linking = note("d", "0.33.0")
        linking.body = "See [[note:e]] and [[note: b ]], not [[vllm.x]].\n"
        let set = NoteSet(notes: [note("a", "0.6.2"), note("b", "0.33.0"), note("c", ""), linking, note("e", "0.6.2"),
                                  note("f", "0.6.2")], tours: [old, new])
        XCTAssertEqual(NoteReleases.releases(in: set), ["0.6.2", "0.33.0"])

        let v1 = NoteReleases.select(set, for: "0.33.0")
        XCTAssertEqual(v1.notes.map(\.id), ["b", "c", "d"])
        XCTAssertEqual(v1.tours.map(\.id), ["new"])
        XCTAssertEqual(v1.otherReleases.map(\.id), ["a", "e", "f"])
        XCTAssertEqual(v1.diagnostics, [])
        // The 0.6.2 notes the 0.33.0 tour and links name are its companions; f is named by nothing.
        XCTAssertEqual(NoteReleases.companions(of: v1).map(\.id), ["a", "e"])
        XCTAssertEqual(NoteReleases.noteLinks(in: linking.body), ["e", "b"])

        let v0 = NoteReleases.select(set, for: "0.7.3")
        XCTAssertEqual(v0.notes.map(\.id), ["a", "c", "e", "f"])
        XCTAssertEqual(v0.tours.map(\.id), ["old"])
        XCTAssertEqual(v0.diagnostics, [])

        // Older sets for the drift page: the 0.33.0 site sees the 0.6.2 notes, the 0.6.2 site sees nothing newer.
        XCTAssertEqual(NoteReleases.olderSets(set, for: "0.33.0").map { $0.release }, ["0.6.2"])
        XCTAssertEqual(NoteReleases.olderSets(set, for: "0.33.0").first?.notes.map(\.id), ["a", "e", "f"])
        XCTAssertTrue(NoteReleases.olderSets(set, for: "0.6.2").isEmpty)
    }

    func testASingleReleaseDirectoryIsAlwaysUsedWhole() {
        let set = NoteSet(notes: [note("a", "0.6.2"), note("b", "0.6.2")])
        XCTAssertEqual(NoteReleases.select(set, for: "0.33.0").notes.count, 2)
        XCTAssertEqual(NoteReleases.select(set, for: "").notes.count, 2)
        XCTAssertTrue(NoteReleases.olderSets(set, for: "0.33.0").isEmpty)
    }

    func testTheLoaderReadsTourReleasesAndSelectsByTheDirectorysRelease() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("releases-\(UUID().uuidString)/Annotations")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        func write(_ rel: String, _ text: String) throws {
            let url = dir.appendingPathComponent(rel)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        for (id, release) in [("old-note", "0.6.2"), ("new-note", "0.33.0")] {
            try write("area/\(id).md", "---\nid: \(id)\ntitle: T\nrelease: \"\(release)\"\nanchors:\n  - file: a.py\n---\nBody.\n")
        }
        try write("tours/t-old.yaml", "id: t-old\ntitle: Old\nrelease: \"0.6.2\"\nsteps:\n  - note: old-note\n")
        try write("tours/t-new.yaml", "id: t-new\ntitle: New\nrelease: \"0.33.0\"\nsteps:\n  - note: new-note\n")

        var directory = NoteDirectory(root: dir)
        let all = directory.load()
        XCTAssertEqual(all.notes.count, 2)
        XCTAssertEqual(all.tours.map(\.release), ["0.33.0", "0.6.2"])
        directory.release = "0.33.0"
        XCTAssertEqual(directory.load().notes.map(\.id), ["new-note"])
        XCTAssertEqual(directory.load().tours.map(\.id), ["t-new"])
        directory.release = "0.6.3.post1"
        XCTAssertEqual(directory.load().notes.map(\.id), ["old-note"])
        XCTAssertEqual(directory.load().tours.map(\.id), ["t-old"])
    }
}
