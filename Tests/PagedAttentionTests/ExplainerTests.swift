import Foundation
import MarginaliaTestSupport
import XCTest

/// Keeps EXPLAINER.md honest: every `<!-- check: swift=FILE:A-B:NAME vllm=FILE:C-D:TEXT -->` must
/// name a Swift range that starts at `func NAME` and ends at its closing brace, and a vLLM 0.6.2
/// range that contains TEXT in the real release.
final class ExplainerTests: XCTestCase {
    static let root = marginaliaPackageRoot

    /// vLLM 0.6.2's unpacked release: $MARGINALIA_VLLM_0_6_2, else scripts/fetch-vllm 0.6.2.
    static func vllmRoot() throws -> URL { try vllmRelease("0.6.2") }

    func lines(_ url: URL) throws -> [Substring] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    }

    func testExplainerRangesMatchTheSources() throws {
        let explainer = try String(contentsOf: Self.root.appendingPathComponent("Sources/PagedAttention/EXPLAINER.md"),
                                   encoding: .utf8)
        let vllm = try Self.vllmRoot()
        let checks = explainer.components(separatedBy: "<!-- check: ").dropFirst().map { $0.components(separatedBy: " -->")[0] }
        XCTAssertGreaterThanOrEqual(checks.count, 7)
        for check in checks {
            guard let swiftPart = check.range(of: "swift="), let vllmPart = check.range(of: " vllm=") else {
                XCTFail("malformed check: \(check)"); continue
            }
            let swiftSpec = String(check[swiftPart.upperBound..<vllmPart.lowerBound]).split(separator: ":", maxSplits: 2)
            let vllmSpec = String(check[vllmPart.upperBound...]).split(separator: ":", maxSplits: 2)
            // Swift: the range starts at (or right above) `func NAME` and ends with the function's brace.
            let swiftLines = try lines(Self.root.appendingPathComponent(String(swiftSpec[0])))
            let bounds = swiftSpec[1].split(separator: "-").compactMap { Int($0) }
            let name = String(swiftSpec[2])
            XCTAssertTrue(swiftLines[bounds[0] - 1].contains("func \(name)"), "\(swiftSpec[0]):\(bounds[0]) is not func \(name)")
            let declIndent = swiftLines[bounds[0] - 1].prefix { $0 == " " }.count
            let end = swiftLines[bounds[1] - 1]
            XCTAssertTrue(end.trimmingCharacters(in: .whitespaces) == "}" && end.prefix { $0 == " " }.count == declIndent,
                          "\(swiftSpec[0]):\(bounds[1]) is not the end of func \(name)")
            // vLLM: the quoted text is inside the range.
            let vllmLines = try lines(vllm.appendingPathComponent(String(vllmSpec[0])))
            let vb = vllmSpec[1].split(separator: "-").compactMap { Int($0) }
            let text = String(vllmSpec[2])
            XCTAssertTrue(vllmLines[(vb[0] - 1)..<vb[1]].contains { $0.contains(text) },
                          "\(vllmSpec[0]):\(vb[0])-\(vb[1]) does not contain \(text)")
        }
    }
}
