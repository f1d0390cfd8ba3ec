import XCTest
import IndexModel

final class IndexModelTests: XCTestCase {
    func testLanguageByExtension() {
        XCTAssertEqual(Language.of(path: "vllm/core/scheduler.py"), .python)
        XCTAssertEqual(Language.of(path: "csrc/attention/attention_kernels.cu"), .cuda)
        XCTAssertEqual(Language.of(path: "csrc/attention/attention_kernels.cuh"), .cuda)
        XCTAssertEqual(Language.of(path: "csrc/torch_bindings.cpp"), .cpp)
        XCTAssertEqual(Language.of(path: "csrc/ops.h"), .cpp)
        XCTAssertEqual(Language.of(path: "csrc/x.c"), .c)
        XCTAssertNil(Language.of(path: "CMakeLists.txt"))
        XCTAssertNil(Language.of(path: "Makefile"))
    }

    func testImportBoundName() {
        let f: RepoPath = "a.py"
        XCTAssertEqual(Import(scope: "m", module: "os.path", file: f, line: 1).boundName, "os")
        XCTAssertEqual(Import(scope: "m", module: "os.path", alias: "p", file: f, line: 1).boundName, "p")
        XCTAssertEqual(Import(scope: "m", module: "x", level: 1, name: "y", file: f, line: 1).boundName, "y")
    }

    func testRepoPathParts() {
        let p: RepoPath = "vllm/core/scheduler.py"
        XCTAssertEqual(p.fileName, "scheduler.py")
        XCTAssertEqual(p.directory, "vllm/core")
        XCTAssertEqual(RepoPath("setup.py").directory, "")
    }
}
