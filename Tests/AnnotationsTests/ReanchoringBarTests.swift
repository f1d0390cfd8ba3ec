import Foundation
import IndexModel
import XCTest
@testable import Annotations

/// Issue 4's bar: the hand-checked test set re-anchored release by release and in one jump.
final class ReanchoringBarTests: XCTestCase {
    struct Tally: CustomStringConvertible {
        var correct = 0, wrong = 0, correctlyOrphaned = 0, wronglyOrphaned = 0, ambiguous = 0
        var symbolExists = 0, symbolCorrect = 0, snippetExists = 0, snippetCorrect = 0, gone = 0, goneOrphaned = 0
        var total = 0
        var description: String {
            "correct \(correct), wrong \(wrong), correctly orphaned \(correctlyOrphaned), wrongly orphaned \(wronglyOrphaned), ambiguous \(ambiguous) (of \(total))"
        }
        static func + (a: Tally, b: Tally) -> Tally {
            var t = Tally()
            t.correct = a.correct + b.correct; t.wrong = a.wrong + b.wrong
            t.correctlyOrphaned = a.correctlyOrphaned + b.correctlyOrphaned
            t.wronglyOrphaned = a.wronglyOrphaned + b.wronglyOrphaned; t.ambiguous = a.ambiguous + b.ambiguous
            t.symbolExists = a.symbolExists + b.symbolExists; t.symbolCorrect = a.symbolCorrect + b.symbolCorrect
            t.snippetExists = a.snippetExists + b.snippetExists; t.snippetCorrect = a.snippetCorrect + b.snippetCorrect
            t.gone = a.gone + b.gone; t.goneOrphaned = a.goneOrphaned + b.goneOrphaned; t.total = a.total + b.total
            return t
        }
    }

    /// Same file and the line ranges overlap by at least half of their union.
    static func matches(_ r: AnchorResolution, _ expected: (file: String, start: Int, end: Int)) -> Bool {
        guard r.file.rawValue == expected.file, let l = r.lines else { return false }
        let inter = min(l.end, expected.end) - max(l.start, expected.start) + 1
        let union = max(l.end, expected.end) - min(l.start, expected.start) + 1
        return inter > 0 && Double(inter) / Double(union) >= 0.5
    }

    func score(_ cases: [ReleaseFixtures.Case], _ results: [AnchorResolution], release: String,
               failures: inout [String]) -> Tally {
        var t = Tally()
        for (c, r) in zip(cases, results) {
            t.total += 1
            let isSnippet = c.lines != nil
            let expected = ReleaseFixtures.location(c.expect[release] ?? "gone")
            let got = "\(r.status.rawValue) \(r.file):\(r.lines?.description ?? "-") (\(r.confidence))"
            if let expected {
                if isSnippet { t.snippetExists += 1 } else { t.symbolExists += 1 }
                switch r.status {
                case .ambiguous:
                    t.ambiguous += 1
                    failures.append("\(release) \(c.id): ambiguous, expected \(c.expect[release]!) [\(r.candidates.map(\.description).joined(separator: "; "))]")
                case .orphaned:
                    t.wronglyOrphaned += 1
                    failures.append("\(release) \(c.id): orphaned, expected \(c.expect[release]!) [\(r.disagreed.joined(separator: ", "))]")
                default:
                    if Self.matches(r, expected) {
                        t.correct += 1
                        if isSnippet { t.snippetCorrect += 1 } else { t.symbolCorrect += 1 }
                    } else {
                        t.wrong += 1
                        failures.append("\(release) \(c.id): WRONG \(got), expected \(c.expect[release]!)")
                    }
                }
            } else {
                t.gone += 1
                switch r.status {
                case .orphaned: t.correctlyOrphaned += 1; t.goneOrphaned += 1
                case .ambiguous:
                    t.ambiguous += 1
                    failures.append("\(release) \(c.id): ambiguous, expected gone")
                default:
                    t.wrong += 1
                    failures.append("\(release) \(c.id): WRONG \(got), expected gone")
                }
            }
        }
        return t
    }

    func testReanchoringAcrossReleases() throws {
        let cases = try ReleaseFixtures.cases()
        XCTAssertGreaterThanOrEqual(cases.count, 60)
        var snapshots: [String: ReleaseSnapshot] = [:]
        for v in ReleaseFixtures.releases {
            let root = try ReleaseFixtures.checkout(v)
            snapshots[v] = ReleaseSnapshot(release: v, symbols: try ReleaseFixtures.oracleSymbols(v, checkout: root),
                                           checkout: DirectoryCheckout(root: root))
        }
        // Capture every anchor in 0.6.2, as `notes capture` would.
        let first = snapshots["0.6.2"]!
        var byQN: [String: [Symbol]] = [:]
        for s in first.symbols { byQN[s.qualifiedName, default: []].append(s) }
        var anchors: [NoteAnchor] = []
        for c in cases {
            let text = try XCTUnwrap(first.checkout.text(of: RepoPath(c.file)), c.id)
            let sym = try XCTUnwrap(byQN[c.symbol ?? ""]?.first { $0.file.rawValue == c.file }, "\(c.id): no symbol in 0.6.2")
            let lines = c.lines.map { LineSpan(parsing: $0)! }
            let a = try AnchorCapture.capture(symbol: sym, lines: lines, fileText: text)
            let expected = try XCTUnwrap(ReleaseFixtures.location(c.expect["0.6.2"]!))
            let got = lines ?? LineSpan(sym.range.lines)
            XCTAssertEqual([got.start, got.end], [expected.start, expected.end], "\(c.id): 0.6.2 expectation")
            anchors.append(a)
        }
        var failures: [String] = []
        var stepTotal = Tally(), jumpTotal = Tally()
        var report = "re-anchoring, release by release (\(cases.count) anchors):\n"
        var current = anchors
        var previous = first.symbols
        for v in ReleaseFixtures.releases.dropFirst() {
            let results = Reanchorer(target: snapshots[v]!, previous: previous).resolve(current)
            let t = score(cases, results, release: v, failures: &failures)
            report += "  \(v): \(t)\n"
            stepTotal = stepTotal + t
            current = results.map(\.anchor)
            previous = snapshots[v]!.symbols
        }
        report += "re-anchoring, one jump from 0.6.2:\n"
        for v in ReleaseFixtures.releases.dropFirst() {
            var results: [AnchorResolution] = []
            let elapsed = ContinuousClock().measure {
                results = Reanchorer(target: snapshots[v]!, previous: first.symbols).resolve(anchors)
            }
            report += "  (check of \(anchors.count) anchors against \(v), \(snapshots[v]!.symbols.count) symbols: \(elapsed))\n"
            var f: [String] = []
            let t = score(cases, results, release: v, failures: &f)
            failures += f.map { "jump " + $0 }
            report += "  \(v): \(t)\n"
            jumpTotal = jumpTotal + t
        }
        print(report + failures.map { "  " + $0 }.joined(separator: "\n"))
        for (name, t) in [("release by release", stepTotal), ("one jump", jumpTotal)] {
            let all = Double(t.total)
            XCTAssertLessThanOrEqual(Double(t.wrong) / all, 0.005, "\(name): wrong attachments \(t.wrong)")
            XCTAssertGreaterThanOrEqual(Double(t.symbolCorrect) / Double(t.symbolExists), 0.98, "\(name): symbols re-attached")
            XCTAssertGreaterThanOrEqual(Double(t.snippetCorrect) / Double(t.snippetExists), 0.95, "\(name): snippets re-attached")
            XCTAssertGreaterThanOrEqual(Double(t.goneOrphaned) / Double(t.gone), 0.95, "\(name): gone code orphaned")
            XCTAssertLessThanOrEqual(Double(t.ambiguous) / all, 0.05, "\(name): ambiguous")
        }
    }
}
