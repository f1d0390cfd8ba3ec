import Foundation
import IndexModel
import MarginaliaTestSupport
import XCTest

@testable import ClangIndexer

/// Inputs that used to kill a whole index run (issue 19), each in a scratch checkout next to a good
/// file: the run finishes, the bad file is reported with its line, the good one is still indexed.
final class HostileInputTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("marginalia-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("csrc"), withIntermediateDirectories: true)
        try write("csrc/good.cpp", Array("int good(int a) { return a + 1; }\nint user() { return good(2); }\n".utf8))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    func write(_ path: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: root.appendingPathComponent(path))
    }

    func index() -> [RepoPath: FileIndex] {
        let indexer = ClangIndexer(checkoutRoot: root, options: .init(workers: 2))
        let result = indexer.index(files: indexer.sourceFiles())
        return Dictionary(uniqueKeysWithValues: result.units.map { ($0.path, $0) })
    }

    func assertGoodFileIndexed(_ units: [RepoPath: FileIndex], file: StaticString = #filePath, line: UInt = #line) {
        let good = units["csrc/good.cpp"]
        XCTAssertEqual(good?.failed, false, file: file, line: line)
        XCTAssertEqual(good?.symbols.map(\.qualifiedName), ["good", "user"], file: file, line: line)
        XCTAssertEqual(good?.calls.map(\.callee), ["good"], file: file, line: line)
    }

    /// The 43-byte file of the issue: bytes 0xFF in a skipped `#if 0` branch of a registration block.
    func testBytesThatAreNotUTF8InASkippedRegistrationBranch() throws {
        let bad: [UInt8] = Array("TORCH_LIBRARY(_C, m) {\n#if 0\n".utf8) + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + Array("m\n#endif\n".utf8)
        XCTAssertEqual(bad.count, 43)
        try write("csrc/bad.cpp", bad)
        // The same with a registration after the bad bytes: found, on its own line.
        let skipped: [UInt8] = Array("TORCH_LIBRARY(_C, m) {\n#if 0\n".utf8) + [0xFF, 0xFE, 0xFF]
            + Array(" m.def(\"late(Tensor x) -> Tensor\");\n  m.def(\"later\", &later);\n#endif\n}\n".utf8)
        try write("csrc/skipped.cpp", skipped)
        let units = index()
        assertGoodFileIndexed(units)
        let badUnit = try XCTUnwrap(units["csrc/bad.cpp"])
        XCTAssertEqual(badUnit.symbols.map(\.qualifiedName), ["TORCH_LIBRARY(_C)"])
        // The unterminated block is libclang's complaint, with its line.
        XCTAssertEqual(badUnit.diagnostics.map(\.line), [4])
        let regs = try XCTUnwrap(units["csrc/skipped.cpp"]).registrations
        XCTAssertEqual(regs.map { "\($0.line) \($0.kind) \($0.opName) \($0.target) \($0.condition)" },
                       ["3 def late  0", "4 impl later later 0"])
    }

    /// `int x = 1+1+...+1;` with 5,000 terms nests the AST 5,000 deep: walked to the bottom (the call
    /// is the deepest leaf).
    func testLongFlatExpressionIsWalked() throws {
        try write("csrc/deep.cu", Array(("int f();\nint x = f()" + String(repeating: "+1", count: 5_000) + ";\n").utf8))
        let units = index()
        assertGoodFileIndexed(units)
        let deep = try XCTUnwrap(units["csrc/deep.cu"])
        XCTAssertFalse(deep.failed)
        XCTAssertEqual(deep.calls.map { "\($0.callee) \($0.range.start.line)" }, ["f 2"])
    }

    /// 50,000 terms (and 50,000 `!`) would overflow libclang's own stack: refused before parsing, with
    /// the line; a file that includes the deep header still parses, seeing the header as empty.
    func testExpressionsTooDeepForLibclangAreRefused() throws {
        try write("csrc/deep.cu", Array(("// generated\n\nint x = 1" + String(repeating: "+1", count: 50_000) + ";\n").utf8))
        try write("csrc/deep.h", Array(("int y = " + String(repeating: "!", count: 50_000) + "1;\n").utf8))
        try write("csrc/user.cpp", Array("#include \"deep.h\"\nint uses() { return 3; }\n".utf8))
        let units = index()
        assertGoodFileIndexed(units)
        for (path, line) in [("csrc/deep.cu", 3), ("csrc/deep.h", 1)] {
            let unit = try XCTUnwrap(units[RepoPath(path)])
            XCTAssertTrue(unit.failed, path)
            XCTAssertEqual(unit.diagnostics.map(\.line), [line], path)
            XCTAssertEqual(unit.diagnostics.map(\.severity), [.error], path)
            XCTAssertTrue(unit.diagnostics.allSatisfy { $0.message.contains("more than 10000") }, path)
        }
        let user = try XCTUnwrap(units["csrc/user.cpp"])
        XCTAssertFalse(user.failed)
        XCTAssertEqual(user.symbols.map(\.qualifiedName), ["uses"])
    }

    /// Below the limit but far beyond an 8 MB stack (about 1.7 KB of clang stack per `!`): parsed on
    /// the workers' large stacks.
    func testDeepButAcceptedExpressionParsesOnWorkerStacks() throws {
        try write("csrc/nots.cu", Array(("int f();\nint z = " + String(repeating: "!", count: 9_000) + "f();\n").utf8))
        let units = index()
        assertGoodFileIndexed(units)
        let unit = try XCTUnwrap(units["csrc/nots.cu"])
        XCTAssertFalse(unit.failed)
        XCTAssertEqual(unit.calls.map(\.callee), ["f"])
    }

    func testNestingScan() {
        func scan(_ s: String) -> NestingScan { NestingScan(SourceText(bytes: Array(s.utf8))) }
        XCTAssertEqual(scan("a = b + c;\nx = (1 + 2) * 3;").longestRun, 5)
        XCTAssertEqual(scan("a = b + c;\nx = (1 + 2) * 3;").line, 2)
        // Separators end a run; comments and literals do not count.
        XCTAssertEqual(scan("f(a+b, c+d); // ++++++++\n\"+++++\"; '+';").longestRun, 2)
        XCTAssertEqual(scan("/* ((((( */ x").longestRun, 0)
        XCTAssertTrue(scan(String(repeating: "+", count: 10_000)).isSafe)
        XCTAssertFalse(scan(String(repeating: "+", count: 10_001)).isSafe)
    }

    /// The limit leaves real code alone: the longest operator run in vLLM 0.6.2's C++/CUDA is far below it.
    func testNoVLLMFileIsRefused() throws {
        let release = try vllmRelease("0.6.2")
        let indexer = ClangIndexer(checkoutRoot: release)
        var longest = (run: 0, file: "")
        for path in indexer.sourceFiles() {
            let data = try Data(contentsOf: release.appendingPathComponent(path.rawValue))
            let scan = NestingScan(SourceText(bytes: [UInt8](data)))
            if scan.longestRun > longest.run { longest = (scan.longestRun, path.rawValue) }
        }
        print("longest operator run in vLLM 0.6.2: \(longest.run) in \(longest.file)")
        XCTAssertGreaterThan(longest.run, 10)
        XCTAssertLessThan(longest.run, NestingScan.maxOperatorRun / 10)
    }
}
