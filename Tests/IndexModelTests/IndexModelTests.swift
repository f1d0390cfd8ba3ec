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

final class NearMissTests: XCTestCase {
    func testLastComponent() {
        XCTAssertEqual(NearMiss.lastComponent("vllm.core.scheduler.Scheduler.schedule"), "schedule")
        XCTAssertEqual(NearMiss.lastComponent("vllm::paged_attention_v1_kernel"), "paged_attention_v1_kernel")
        XCTAssertEqual(NearMiss.lastComponent("plain"), "plain")
        XCTAssertEqual(NearMiss.lastComponent("a::b.c"), "c")
    }

    func testTyposRankByLastComponentThenWholeName() {
        let names = ["vllm.core.scheduler.Scheduler.schedule", "vllm.core.scheduler.Scheduler._schedule_prefills",
                     "vllm::paged_attention_v1_kernel", "vllm::paged_attention_v2_kernel", "other.module.reschedule"]
        XCTAssertEqual(NearMiss.best(for: "Scheduler.schedul", among: names).first, "vllm.core.scheduler.Scheduler.schedule")
        XCTAssertEqual(NearMiss.best(for: "paged_atention_v1_kernel", among: names).first, "vllm::paged_attention_v1_kernel")
        // Nothing close: no suggestion rather than a random one.
        XCTAssertEqual(NearMiss.best(for: "zzzzzz", among: names), [])
        // A fragment that a longer name contains is still suggested.
        XCTAssertTrue(NearMiss.best(for: "prefills", among: names).contains("vllm.core.scheduler.Scheduler._schedule_prefills"))
    }

    func testDistance() {
        XCTAssertEqual(NearMiss.distance("kitten", "sitting"), 3)
        XCTAssertEqual(NearMiss.distance("", "abc"), 3)
        XCTAssertEqual(NearMiss.distance("same", "same"), 0)
    }
}
