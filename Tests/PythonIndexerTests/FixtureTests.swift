import Foundation
import IndexModel
import PythonIndexer
import XCTest

/// Golden tests: each `Fixtures/<case>/input.py` is indexed as module `<case>` and its debug dump
/// compared with `Fixtures/<case>/expected.txt`. `RECORD_SNAPSHOTS=1 swift test --filter FixtureTests`
/// rewrites the expected files (review the diff before committing).
final class FixtureTests: XCTestCase {
    static let fixtures = packageRoot.appendingPathComponent("Tests/PythonIndexerTests/Fixtures")

    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = Self.fixtures.appendingPathComponent(name)
        let source = try readBytes(dir.appendingPathComponent("input.py"))
        let index = PythonIndexer().index(source: source, path: RepoPath("\(name).py"), moduleName: name)
        let dump = PythonIndexer.debugDump(index)
        let expectedURL = dir.appendingPathComponent("expected.txt")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try dump.write(to: expectedURL, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        if dump != expected {
            let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let b = dump.split(separator: "\n", omittingEmptySubsequences: false)
            let firstDifference = (0..<min(a.count, b.count)).first(where: { a[$0] != b[$0] }) ?? min(a.count, b.count)
            XCTFail("""
                \(name): dump differs from expected.txt at line \(firstDifference + 1):
                  expected: \(firstDifference < a.count ? a[firstDifference] : "<end>")
                  actual:   \(firstDifference < b.count ? b[firstDifference] : "<end>")
                """, file: file, line: line)
        }
        XCTAssertEqual(roundTrip(source), source, "\(name): tokens do not print back the file", file: file, line: line)
    }

    func testLexing() throws { try check("lexing") }
    func testDefinitions() throws { try check("definitions") }
    func testImports() throws { try check("imports") }
    func testTypeFacts() throws { try check("typefacts") }
    /// Function-body facts (returns, subscripts, tuple targets, conditionals, literals) and call arguments.
    func testFlowFacts() throws { try check("flowfacts") }
    func testCalls() throws { try check("calls") }
    func testBadInput() throws { try check("bad_input") }
}

/// The file printed back from its highlight spans; also checks the spans are contiguous.
func roundTrip(_ source: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(source.count)
    var at = 0
    for span in PythonIndexer.highlightTokens(source) {
        guard span.start == at, span.end > span.start, span.end <= source.count else { return out }
        out += source[span.start..<span.end]
        at = span.end
    }
    return out
}
