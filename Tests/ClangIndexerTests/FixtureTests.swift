import Foundation
import IndexModel
import XCTest

@testable import ClangIndexer

final class FixtureTests: XCTestCase {
    static let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("mini")

    func testDump() throws {
        let indexer = ClangIndexer(checkoutRoot: Self.root)
        let files = indexer.sourceFiles()
        let result = indexer.index(files: files)
        for f in ClangIndexer.merge(result.units) {
            print("== \(f.path) includes=\(f.includes) failed=\(f.failed)")
            for s in f.symbols { print("  SYM", s) }
            for c in f.calls { print("  CALL", c) }
            for r in f.registrations { print("  REG", r) }
            for m in f.macroExpansions { print("  MAC", m) }
            for d in f.diagnostics { print("  DIAG", d) }
        }
    }
}
