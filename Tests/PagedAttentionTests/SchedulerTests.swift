import Foundation
import XCTest
@testable import PagedAttention

final class SchedulerTests: XCTestCase {
    /// Random workloads across every policy switch.
    static func randomWorkload(seed: UInt64) -> Workload {
        var rng = SplitMix64(seed: seed)
        let bs = [8, 16].randomElement(using: &rng)!
        let gpu = Int.random(in: 12...48, using: &rng)
        let config = SchedulerConfig(
            maxNumBatchedTokens: [128, 256, 512].randomElement(using: &rng)!, maxNumSeqs: Int.random(in: 2...16, using: &rng),
            maxModelLen: 512, enableChunkedPrefill: Bool.random(using: &rng),
            preemptionMode: [nil, .recompute, .swap].randomElement(using: &rng)!, blockSize: bs, numGPUBlocks: gpu,
            numCPUBlocks: 4 * gpu, watermark: [0, 0.01, 0.1].randomElement(using: &rng)!,
            enablePrefixCaching: Bool.random(using: &rng))
        let requests = (0..<Int.random(in: 3...10, using: &rng)).map { i in
            RequestSpec(id: "R\(i)", arrival: Int.random(in: 0...10, using: &rng), promptTokens: Int.random(in: 1...120, using: &rng),
                        maxTokens: Int.random(in: 1...50, using: &rng), n: [1, 1, 2, 3].randomElement(using: &rng)!,
                        prefixGroup: Bool.random(using: &rng) ? "shared" : nil, sharedPrefix: 40)
        }
        return Workload(config: config, requests: requests)
    }

    func testBudgetsBlocksAndPreemptionsOverRandomWorkloads() throws {
        for seed in UInt64(1)...40 {
            let w = Self.randomWorkload(seed: seed)
            var sim = SchedulerSimulation(w)
            var done: Set<String> = []
            while !sim.isDone && sim.currentStep < 3000 {
                let r = try sim.advance()
                let what = "seed \(seed) step \(r.step)"
                XCTAssertLessThanOrEqual(r.batchedTokens, w.config.maxNumBatchedTokens, what)
                XCTAssertLessThanOrEqual(r.scheduled.map(\.tokens).reduce(0, +), w.config.maxNumBatchedTokens, what)
                XCTAssertLessThanOrEqual(r.batchedSeqs, w.config.maxNumSeqs, what)
                XCTAssertLessThanOrEqual(r.gpuBlocksUsed, w.config.numGPUBlocks, what)
                for p in r.preempted {
                    XCTAssertEqual(p.freedBlocks, p.ownedBlocks, "\(what): preempting \(p.request) must free exactly its blocks")
                }
                XCTAssertEqual(sim.blocks.invariantViolations(), [], what)
                done.formUnion(r.finished + r.ignored)
            }
            XCTAssertTrue(sim.isDone, "seed \(seed): requests starved")
            XCTAssertEqual(done, Set(w.requests.map(\.id)), "seed \(seed)")
            XCTAssertEqual(sim.blocks.numUsedBlocks(.gpu), 0, "seed \(seed): blocks leaked")
            XCTAssertEqual(sim.blocks.numUsedBlocks(.cpu), 0, "seed \(seed): host blocks leaked")
        }
    }

    func testPresetFinishesEveryRequestAndExercisesPreemption() throws {
        var sim = SchedulerSimulation(.fiveConcurrentRequests)
        let records = try sim.run()
        XCTAssertTrue(sim.isDone)
        XCTAssertEqual(Set(records.flatMap(\.finished)), ["A", "B", "C", "D", "E"])
        XCTAssertTrue(records.contains { $0.preempted.contains { $0.mode == .recompute } })
        XCTAssertTrue(records.contains { $0.preempted.contains { $0.mode == .swap } })
        XCTAssertTrue(records.contains { !$0.swappedIn.isEmpty })
        XCTAssertTrue(records.contains { $0.copies > 0 }, "request C's two samples copy their shared last block")
    }

    func testChunkedPrefillSplitsLongPromptsAcrossSteps() throws {
        let w = Workload(config: SchedulerConfig(maxNumBatchedTokens: 64, enableChunkedPrefill: true, numGPUBlocks: 64),
                         requests: [RequestSpec(id: "long", promptTokens: 150, maxTokens: 2),
                                    RequestSpec(id: "short", arrival: 1, promptTokens: 10, maxTokens: 3)])
        var sim = SchedulerSimulation(w)
        let r = try sim.run()
        XCTAssertEqual(r[0].scheduled, [ScheduledEntry(request: "long", kind: "prefill", tokens: 64)])
        XCTAssertEqual(r[1].scheduled, [ScheduledEntry(request: "long", kind: "prefill", tokens: 64)])
        XCTAssertEqual(r[2].scheduled, [ScheduledEntry(request: "long", kind: "prefill", tokens: 22),
                                        ScheduledEntry(request: "short", kind: "prefill", tokens: 10)])
        XCTAssertEqual(r[3].scheduled.map(\.kind), ["decode", "decode"], "decodes are batched with prefills")
    }

    func testPrefixCachingHitsForSharedPrompts() throws {
        let w = Workload(config: SchedulerConfig(numGPUBlocks: 64, enablePrefixCaching: true),
                         requests: [RequestSpec(id: "a", promptTokens: 70, maxTokens: 2, prefixGroup: "sys", sharedPrefix: 64),
                                    RequestSpec(id: "b", arrival: 1, promptTokens: 70, maxTokens: 2, prefixGroup: "sys", sharedPrefix: 64)])
        var sim = SchedulerSimulation(w)
        _ = try sim.run()
        XCTAssertEqual(sim.blocks.stats.prefixCacheHits, 4, "b reuses a's four full prefix blocks")
    }

    /// The roadmap's five concurrent requests, traced step by step. RECORD_SNAPSHOTS=1 rewrites it.
    func testGoldenTraceForFiveConcurrentRequests() throws {
        var sim = SchedulerSimulation(.fiveConcurrentRequests)
        let text = SimulationTrace.text(.fiveConcurrentRequests, try sim.run())
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Golden/five-concurrent-requests.txt")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try text.write(to: golden, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        if text != expected {
            let a = text.split(separator: "\n", omittingEmptySubsequences: false)
            let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            XCTFail("trace differs from \(golden.lastPathComponent) at line \(i + 1):\n got: \(i < a.count ? a[i] : "<end>")\nwant: \(i < b.count ? b[i] : "<end>")\n(RECORD_SNAPSHOTS=1 rewrites the golden file)")
        }
    }

    /// The example workload file `marginalia simulate --workload` reads is the preset, spelled out.
    func testExampleWorkloadFileIsThePreset() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Golden/five-concurrent-requests.json")
        XCTAssertEqual(try JSONDecoder().decode(Workload.self, from: Data(contentsOf: url)), .fiveConcurrentRequests)
    }

    func testWorkloadJSONDecodesWithDefaults() throws {
        let json = #"{"config": {"numGPUBlocks": 10, "preemptionMode": "swap"}, "requests": [{"id": "x", "promptTokens": 5, "maxTokens": 2}]}"#
        let w = try JSONDecoder().decode(Workload.self, from: Data(json.utf8))
        XCTAssertEqual(w.config.numGPUBlocks, 10)
        XCTAssertEqual(w.config.preemptionMode, .swap)
        XCTAssertEqual(w.config.blockSize, 16)
        XCTAssertEqual(w.requests, [RequestSpec(id: "x", promptTokens: 5, maxTokens: 2)])
    }
}
