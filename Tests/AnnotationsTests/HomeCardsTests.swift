import Foundation
import XCTest
@testable import MarginaliaKit

/// The per-release home cards file and the checkout's release, on small temporary directories.
final class HomeCardsTests: XCTestCase {
    func temp() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("cards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func testCardsOfARelease() throws {
        let notes = try temp()
        try write("""
            release: "0.33.0"
            cards:
              - path: vllm/v1/core/
                title: Scheduler
                summary: "Token budget & <blocks>."
                start: [vllm.v1.core.sched.scheduler.Scheduler.schedule, vllm/v1/core/block_pool.py]
              - path: csrc/cache_kernels.cu
                title: KV-cache kernels
                summary: The cache write.
            """, to: HomeCards.file(notes: notes, release: "0.33.0"))
        let cards = try XCTUnwrap(try HomeCards.load(notes: notes, release: "0.33.0"))
        XCTAssertEqual(cards.map(\.path), ["vllm/v1/core", "csrc/cache_kernels.cu"])
        XCTAssertEqual(cards.map(\.title), ["Scheduler", "KV-cache kernels"])
        XCTAssertEqual(cards[0].summary, "Token budget & <blocks>.")
        XCTAssertEqual(cards[0].startHere, ["vllm.v1.core.sched.scheduler.Scheduler.schedule", "vllm/v1/core/block_pool.py"])
        XCTAssertEqual(cards[1].startHere, [])
        // No file for a release: the built-in roadmap cards stay.
        XCTAssertNil(try HomeCards.load(notes: notes, release: "0.6.2"))
        XCTAssertNil(try HomeCards.load(notes: notes, release: ""))
    }

    func testMalformedCardsNameTheFile() throws {
        let notes = try temp()
        let file = HomeCards.file(notes: notes, release: "0.33.0")
        for (text, expected) in [
            ("release: \"0.32.0\"\ncards:\n  - {path: a, title: A, summary: S}\n", "release is '0.32.0', the file name says 0.33.0"),
            ("release: \"0.33.0\"\ncards: []\n", "no cards"),
            ("release: \"0.33.0\"\ncards:\n  - {path: a, title: \"\", summary: S}\n", "card 1 needs a path, a title and a summary"),
            ("release: \"0.33.0\"\ncards:\n  - {path: a, summary: S}\n", "not a cards file"),
            ("release: [\n", "not a cards file"),
        ] {
            try write(text, to: file)
            XCTAssertThrowsError(try HomeCards.load(notes: notes, release: "0.33.0"), text) { e in
                let d = String(describing: e)
                XCTAssertTrue(d.contains(file.path) && d.contains(expected), d)
            }
        }
    }

    func testTheReleaseOfACheckout() throws {
        let root = try temp()
        let a = root.appendingPathComponent("checkout")
        try write("__version__ = version = '0.11.1.dev5+g1234'\n", to: a.appendingPathComponent("vllm/_version.py"))
        XCTAssertEqual(CheckoutRelease.detect(root: a), "0.11.1.dev5+g1234")
        try write("Metadata-Version: 2.1\nName: vllm\nVersion: 0.33.0\n", to: a.appendingPathComponent("PKG-INFO"))
        XCTAssertEqual(CheckoutRelease.detect(root: a), "0.33.0", "PKG-INFO wins over a generated _version.py")
        let b = root.appendingPathComponent("vllm-0.7.3")
        try FileManager.default.createDirectory(at: b, withIntermediateDirectories: true)
        XCTAssertEqual(CheckoutRelease.detect(root: b), "0.7.3")
        let c = root.appendingPathComponent("plain")
        try write("version: str\n", to: c.appendingPathComponent("vllm/_version.py"))
        XCTAssertNil(CheckoutRelease.detect(root: c))
    }
}
