import MarginaliaKit
import XCTest

/// The ranking of "did you mean" and "ambiguous" lists (issue 13, item 7), on name lists shaped like
/// vLLM's: no index needed.
final class NameRankingTests: XCTestCase {
    /// Short name -> qualified names, as the index's name column gives them.
    let names: [String: [String]] = [
        "generate": ["tests.entrypoints.test_llm.generate", "benchmarks.bench.generate", "vllm.entrypoints.llm.LLM.generate",
                     "vllm.engine.llm_engine.LLMEngine.generate", "vllm.v1.engine.async_llm.AsyncLLM.generate",
                     "examples.offline.generate"],
        "generated": ["vllm.sequence.Sequence.generated"],
        "genrate_helper": ["tests.utils.genrate_helper"],
        "regenerate": ["vllm.x.regenerate"],
        "schedule": ["vllm.core.scheduler.Scheduler.schedule"],
        "_schedule": ["vllm.core.scheduler.Scheduler._schedule"],
        // Short names that differ only in case.
        "cache": ["vllm.worker.cache"],
        "Cache": ["vllm.kv.Cache"],
    ]

    func suggest(_ q: String, limit: Int = 5) -> [String] {
        NameRanking.suggestions(for: q, shortNames: Array(names.keys), qualifiedNames: { $0.flatMap { self.names[$0] ?? [] } },
                                limit: limit)
    }

    func testTheEnclosingComponentsPickAmongEqualLastComponents() {
        XCTAssertEqual(suggest("LLM.genrate").first, "vllm.entrypoints.llm.LLM.generate")
        XCTAssertEqual(suggest("LLMEngine.genrate").first, "vllm.engine.llm_engine.LLMEngine.generate")
        XCTAssertEqual(suggest("AsyncLLM.generat").first, "vllm.v1.engine.async_llm.AsyncLLM.generate")
    }

    func testCloserLastComponentsComeFirstAndVLLMBeforeTests() {
        let s = suggest("genrate", limit: 10)
        // Distance 1 (generate) before distance 2 (generated); among the generate names vLLM's code first,
        // tests/benchmarks/examples after it.
        let firstTest = s.firstIndex { $0.hasPrefix("tests.") || $0.hasPrefix("benchmarks.") || $0.hasPrefix("examples.") }!
        let lastVLLMGenerate = s.lastIndex { $0.hasPrefix("vllm.") && $0.hasSuffix(".generate") }!
        XCTAssertLessThan(lastVLLMGenerate, firstTest, "\(s)")
        XCTAssertLessThan(s.firstIndex(of: "vllm.engine.llm_engine.LLMEngine.generate")!, s.firstIndex(of: "vllm.sequence.Sequence.generated")!)
        XCTAssertTrue(s.allSatisfy { !$0.hasSuffix("_schedule") && !$0.hasSuffix(".schedule") }, "\(s)")
        XCTAssertEqual(suggest("genrate", limit: 2).count, 2)
        XCTAssertEqual(suggest(""), [])
    }

    func testAmbiguousNamesListVLLMFirstAndEveryOneOrACount() {
        let order = NameRanking.ambiguousOrder(names["generate"]!)
        XCTAssertEqual(Set(order.prefix(3)), ["vllm.entrypoints.llm.LLM.generate", "vllm.engine.llm_engine.LLMEngine.generate",
                                              "vllm.v1.engine.async_llm.AsyncLLM.generate"])
        XCTAssertEqual(NameRanking.listing(order, shown: 20).split(separator: "\n").count, 6)
        let short = NameRanking.listing(order, shown: 4).split(separator: "\n").map(String.init)
        XCTAssertEqual(short.count, 5)
        XCTAssertEqual(short.last, "  … 2 more")
    }

    func testShortNamesDifferingOnlyInCaseAreBothSuggested() {
        XCTAssertEqual(Set(suggest("cach")), ["vllm.worker.cache", "vllm.kv.Cache"])
    }

    func testFileSuggestionsPreferAPathSuffix() {
        let files = ["setup.py", "vllm/core/scheduler.py", "tests/core/scheduler.py", "vllm/v1/core/sched/scheduler.py",
                     "vllm/core/schedule.py", "docs/x.md"]
        let s = NameRanking.fileSuggestions(for: "scheduler.py", among: files)
        XCTAssertEqual(s.first, "vllm/core/scheduler.py")
        XCTAssertFalse(s.contains("setup.py"), "\(s)")
        XCTAssertLessThan(s.firstIndex(of: "vllm/v1/core/sched/scheduler.py")!, s.firstIndex(of: "tests/core/scheduler.py")!)
        XCTAssertLessThan(s.firstIndex(of: "tests/core/scheduler.py")!, s.firstIndex(of: "vllm/core/schedule.py")!)
        XCTAssertEqual(NameRanking.fileSuggestions(for: "core/scheduler.py", among: files).prefix(2),
                       ["vllm/core/scheduler.py", "tests/core/scheduler.py"])
    }
}
