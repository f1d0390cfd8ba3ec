import Foundation
import IndexModel
import Yams
import XCTest
@testable import Annotations

/// Issue 12's bar: code that moved to another file or module, into a base class or mixin, headers
/// that moved folder, split files, unchanged overloads, and gone code with copies elsewhere, each on
/// the release pair where it happened (`Reanchoring/cross-file.yaml`, checked against the releases).
final class CrossFileReanchoringTests: XCTestCase {
    struct Case: Decodable {
        var id: String
        var kind: String
        var from: String
        var to: String
        var symbol: String?
        var file: String
        var lines: String?
        var expect: String
        var jump: String?
        var trap: String?
    }

    static func cases() throws -> [Case] {
        let url = ReleaseFixtures.dataDirectory.appendingPathComponent("cross-file.yaml")
        return try YAMLDecoder().decode([Case].self, from: try String(contentsOf: url, encoding: .utf8))
    }

    func testFixtureShape() throws {
        let cases = try Self.cases()
        XCTAssertGreaterThanOrEqual(cases.count, 30)
        XCTAssertEqual(Set(cases.map(\.id)).count, cases.count, "ids are unique")
        XCTAssertGreaterThanOrEqual(Set(cases.map { "\($0.from)->\($0.to)" }).count, 3, "at least three release pairs")
        let kinds = Set(cases.map(\.kind))
        for k in ["module-move", "cross-file-move", "method-to-mixin-or-other-class", "file-split", "header-move", "overload", "gone-with-copies"] {
            XCTAssertTrue(kinds.contains(k), "no \(k) case")
        }
    }

    struct Tally {
        var total = 0, wrong = 0, ambiguous = 0
        var symbols = 0, symbolsOK = 0, snippets = 0, snippetsOK = 0, files = 0, filesOK = 0, gone = 0, goneOK = 0
    }

    var snapshots: [String: ReleaseSnapshot] = [:]
    func snapshot(_ v: String) throws -> ReleaseSnapshot {
        if let s = snapshots[v] { return s }
        let root = try ReleaseFixtures.checkout(v)
        let s = ReleaseSnapshot(release: v, symbols: try ReleaseFixtures.oracleSymbols(v, checkout: root),
                                checkout: DirectoryCheckout(root: root))
        snapshots[v] = s
        return s
    }

    /// Re-anchors each case from `from` to `to` (grouped by pair) and scores it against `expect`.
    func evaluate(_ items: [(case: Case, from: String, to: String, expect: String)]) throws -> (Tally, [String]) {
        var t = Tally()
        var failures: [String] = []
        let pairs = Dictionary(grouping: items) { "\($0.from) \($0.to)" }
        for key in pairs.keys.sorted() {
            let group = pairs[key]!
            let from = try snapshot(group[0].from), to = try snapshot(group[0].to)
            let checker = AnchorChecker(snapshot: from)
            var anchors: [NoteAnchor] = []
            for item in group {
                let c = item.case
                let a = NoteAnchor(symbol: c.symbol, file: RepoPath(c.file), lines: c.lines.flatMap { LineSpan(parsing: $0) })
                XCTAssertNil(checker.problem(a), "\(c.id): the anchor is not sound in \(c.from)")
                anchors.append(try XCTUnwrap(checker.capture(a), "\(c.id): no capture"))
            }
            let results = Reanchorer(target: to, previous: from.symbols).resolve(anchors)
            for (item, r) in zip(group, results) {
                let c = item.case
                t.total += 1
                let got = "\(r.status.rawValue) \(r.file):\(r.lines?.description ?? "-") (\(r.confidence)) [\((r.agreed.map { "+" + $0 } + r.disagreed.map { "-" + $0 }).joined(separator: ", "))]"
                if item.expect == "gone" {
                    t.gone += 1
                    if r.status == .orphaned { t.goneOK += 1; continue }
                    if r.status == .ambiguous { t.ambiguous += 1 } else { t.wrong += 1 }
                    failures.append("\(key) \(c.id) (\(c.kind)): \(got), expected gone")
                    continue
                }
                let isFile = !item.expect.contains(":")
                if isFile { t.files += 1 } else if c.lines != nil { t.snippets += 1 } else { t.symbols += 1 }
                var ok = false
                if r.status.isAttached {
                    if isFile { ok = r.file.rawValue == item.expect }
                    else if let e = ReleaseFixtures.location(item.expect), let l = r.lines, r.file.rawValue == e.file {
                        let inter = min(l.end, e.end) - max(l.start, e.start) + 1
                        let union = max(l.end, e.end) - min(l.start, e.start) + 1
                        ok = inter > 0 && Double(inter) / Double(union) >= 0.5
                    }
                    if !ok { t.wrong += 1 }
                } else if r.status == .ambiguous {
                    t.ambiguous += 1
                }
                if ok {
                    if isFile { t.filesOK += 1 } else if c.lines != nil { t.snippetsOK += 1 } else { t.symbolsOK += 1 }
                } else {
                    failures.append("\(key) \(c.id) (\(c.kind)): \(got), expected \(item.expect)" + (r.candidates.isEmpty ? "" : " candidates \(r.candidates)"))
                }
            }
        }
        return (t, failures)
    }

    func report(_ name: String, _ t: Tally, _ failures: [String]) -> String {
        let total = Double(t.total)
        return """
            \(name), \(t.total) anchors:
              wrong attachments \(t.wrong) (\(String(format: "%.1f", 100 * Double(t.wrong) / total))%), ambiguous \(t.ambiguous) (\(String(format: "%.1f", 100 * Double(t.ambiguous) / total))%)
              symbols re-attached \(t.symbolsOK)/\(t.symbols), snippets \(t.snippetsOK)/\(t.snippets), files \(t.filesOK)/\(t.files), gone code orphaned \(t.goneOK)/\(t.gone)
            """ + failures.map { "\n  " + $0 }.joined()
    }

    func testCrossFileMovesAcrossReleases() throws {
        let cases = try Self.cases()
        let (t, failures) = try evaluate(cases.map { ($0, $0.from, $0.to, $0.expect) })
        print(report("cross-file re-anchoring, release pair by release pair", t, failures))
        let total = Double(t.total)
        XCTAssertLessThanOrEqual(Double(t.wrong) / total, 0.005, "wrong attachments")
        XCTAssertGreaterThanOrEqual(Double(t.symbolsOK + t.filesOK) / Double(t.symbols + t.files), 0.98, "symbols re-attached")
        XCTAssertGreaterThanOrEqual(Double(t.snippetsOK) / Double(t.snippets), 0.95, "snippets re-attached")
        XCTAssertGreaterThanOrEqual(Double(t.goneOK) / Double(t.gone), 0.95, "gone code orphaned")
        XCTAssertLessThanOrEqual(Double(t.ambiguous) / total, 0.02, "ambiguous")
    }

    /// The 0.6.2 anchors of the set in one jump to 0.33.0: never onto the wrong code.
    func testOneJumpFrom062To033() throws {
        let cases = try Self.cases().filter { $0.jump != nil }
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        let (t, failures) = try evaluate(cases.map { ($0, $0.from, "0.33.0", $0.jump!) })
        print(report("cross-file re-anchoring, one jump 0.6.2 -> 0.33.0", t, failures))
        XCTAssertEqual(t.wrong, 0, "wrong attachments")
        XCTAssertLessThanOrEqual(Double(t.ambiguous) / Double(t.total), 0.02, "ambiguous")
        XCTAssertGreaterThanOrEqual(Double(t.goneOK) / Double(t.gone), 0.95, "gone code orphaned")
    }
}
