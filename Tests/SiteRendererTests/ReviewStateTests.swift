import Foundation
import IndexModel
import XCTest
@testable import SiteRenderer

/// Issue 12: an anchor whose code changed since the note was written says "needs review" beside the
/// code, on the note's page and on the drift page; others do not.
final class ReviewStateTests: XCTestCase {
    func testNeedsReviewShowsOnSourceNoteAndDriftPages() throws {
        var model = Fixture.model()
        let edited = try XCTUnwrap(model.notes.firstIndex { $0.anchors.first?.status == .edited })
        model.notes[edited].anchors[0].needsReview = true
        let exact = try XCTUnwrap(model.notes.firstIndex { $0.anchors.first?.status == .exact && $0.anchors.first?.symbol != nil })
        model.notes[exact].anchors[0].needsReview = true
        let row = try XCTUnwrap(model.drift.firstIndex { $0.status == .moved })
        model.drift[row].needsReview = true
        let out = Fixture.temporaryDirectory("review")
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        _ = try renderSite(model: model, theme: Fixture.theme, output: out)
        func page(_ p: String) throws -> String { try String(contentsOf: out.appendingPathComponent(p), encoding: .utf8) }
        let badge = "<span class=\"status needs-review\" title=\"Written for code that changed since; not checked yet\">needs review</span>"
        let odd = try page("src/vllm/odd/a <b> & \"c\" 'd'.py.html")
        XCTAssertTrue(odd.contains("edited from L3–3 · 71%</span> " + badge), odd)
        let pa = try page("src/vllm/attention/ops/paged_attn.py.html")
        XCTAssertTrue(pa.contains(badge), "an exact anchor that needs review says so too")
        let drift = try page("drift.html")
        XCTAssertEqual(drift.components(separatedBy: "needs review").count - 1, 1, drift)
        // Without the flag, no badge anywhere.
        let plain = Fixture.temporaryDirectory("review-plain")
        addTeardownBlock { try? FileManager.default.removeItem(at: plain) }
        _ = try renderSite(model: Fixture.model(), theme: Fixture.theme, output: plain)
        let plainOdd = try String(contentsOf: plain.appendingPathComponent("src/vllm/odd/a <b> & \"c\" 'd'.py.html"), encoding: .utf8)
        XCTAssertFalse(plainOdd.contains("needs review"))
    }
}
