import Foundation
import XCTest

/// The whole pipeline on real vLLM 0.6.2, through the command line: index (Python and C++/CUDA),
/// call paths across the language boundary, the site (deterministic, link-checked, driven in a
/// real headless browser). The index is built once for the class.
final class RealVLLMTests: XCTestCase {
    static var shared: (cache: URL, db: String, checkout: URL)?

    func setUpIndex() throws -> (cache: URL, db: String, checkout: URL) {
        if let s = Self.shared { return s }
        let checkout = try vllmRelease("0.6.2")
        let cache = try temporaryDirectory("real-cache")
        let db = cache.appendingPathComponent("vllm-0.6.2.sqlite").path
        let r = try CLI.run(["index", checkout.path, "--db", db], cache: cache)
        XCTAssertEqual(r.status, 0, r.stderr)
        Self.shared = (cache, db, checkout)
        return (cache, db, checkout)
    }

    func testIndexSummaryAndLibclangBar() throws {
        let (cache, db, _) = try setUpIndex()
        for (name, kind) in [("vllm::paged_attention_v1_kernel", "kernel"), ("vllm::paged_attention_v2_kernel", "kernel"),
                             ("vllm::paged_attention_v2_reduce_kernel", "kernel"),
                             ("vllm::paged_attention_kernel", "device_function"),
                             ("vllm::reshape_and_cache_kernel", "kernel")]
        {
            let r = try CLI.run(["def", name, "--json", "--db", db], cache: cache)
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            let found = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
            XCTAssertTrue(found.contains { $0["kind"] as? String == kind }, "\(name) should be a \(kind): \(r.stdout)")
        }
        let launcher = try CLI.run(["def", "paged_attention_v1_launcher", "--json", "--db", db], cache: cache)
        XCTAssertTrue(launcher.stdout.contains("\"template"), launcher.stdout)
    }

    func testRequestPathCrossesIntoTheKernels() throws {
        let (cache, db, _) = try setUpIndex()
        for kernel in ["vllm::paged_attention_v1_kernel", "vllm::paged_attention_v2_kernel",
                       "vllm::paged_attention_v2_reduce_kernel", "vllm::reshape_and_cache_kernel",
                       "vllm::reshape_and_cache_flash_kernel"]
        {
            let r = try CLI.run(["path", "vllm.entrypoints.llm.LLM.generate", kernel, "--json", "--db", db], cache: cache)
            XCTAssertEqual(r.status, 0, "\(kernel): \(r.stderr)")
            let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            let paths = obj["paths"] as! [[String: Any]]
            let hops = try XCTUnwrap(paths.first?["hops"] as? [[String: Any]], "no path to \(kernel)")
            let callees = hops.map { $0["callee"] as! String }
            XCTAssertEqual(callees.last, kernel)
            XCTAssertEqual(hops.last?["kind"] as? String, "launch", "\(kernel) is reached by a launch")
            XCTAssertTrue(callees.contains("vllm.engine.llm_engine.LLMEngine.step"), "\(callees)")
            XCTAssertTrue(callees.contains { $0.hasPrefix("torch.ops._C") }, "crosses the torch op boundary: \(callees)")
            // Every hop is a real call site: the line at file:line exists in the checkout.
            for h in hops {
                XCTAssertNotNil(h["file"] as? String)
                XCTAssertGreaterThan(h["line"] as? Int ?? 0, 0)
            }
        }
        // The shortest static chain is 14 calls long (the path above), so depth 8 cannot reach the API;
        // the whole tree is asked for so that no branch is cut by the display limits.
        // The route the roadmap describes (Llama, XFormers, the CUDA registration), chosen with waypoints
        // among the equally short candidate routes.
        let via = try CLI.run(["path", "vllm.entrypoints.llm.LLM.generate", "vllm::paged_attention_v1_kernel",
                               "--via", "vllm.model_executor.models.llama.LlamaModel.forward",
                               "--via", "vllm.attention.backends.xformers.XFormersImpl.forward", "--json", "--db", db],
                              cache: cache)
        XCTAssertEqual(via.status, 0, via.stderr)
        let viaObj = try JSONSerialization.jsonObject(with: Data(via.stdout.utf8)) as! [String: Any]
        let viaHops = try XCTUnwrap(((viaObj["paths"] as! [[String: Any]]).first)?["hops"] as? [[String: Any]])
        let viaCallees = viaHops.map { $0["callee"] as! String }
        for expected in ["vllm.engine.llm_engine.LLMEngine.step", "vllm.model_executor.models.llama.LlamaModel.forward",
                         "vllm.attention.layer.Attention.forward", "vllm.attention.backends.xformers.XFormersImpl.forward",
                         "vllm.attention.ops.paged_attn.PagedAttention.forward_decode", "vllm._custom_ops.paged_attention_v1",
                         "torch.ops._C.paged_attention_v1", "paged_attention_v1_launcher", "vllm::paged_attention_v1_kernel"]
        {
            XCTAssertTrue(viaCallees.contains(expected), "\(expected) missing from \(viaCallees)")
        }
        XCTAssertTrue(viaHops.contains { ($0["file"] as? String ?? "").hasSuffix("torch_bindings.cpp") && $0["kind"] as? String == "op-binding" },
                      "the op registration is a hop")

        // paged_attention_v1 runs under XFormers (pre-Ampere GPUs, float32): its callers reach the API there,
        // and not under the default FLASH_ATTN profile.
        let callers = try CLI.run(["callers", "vllm::paged_attention_v1_kernel", "--depth", "20", "--max-children", "100000",
                                   "--max-nodes", "1000000", "--assume", "attention_backend=XFORMERS", "--db", db], cache: cache)
        XCTAssertEqual(callers.status, 0, callers.stderr)
        XCTAssertTrue(callers.stdout.contains("vllm.entrypoints.llm.LLM.generate"), "callers reach LLM.generate")
        let flash = try CLI.run(["callers", "vllm::paged_attention_v1_kernel", "--depth", "20", "--max-children", "100000",
                                 "--max-nodes", "1000000", "--db", db], cache: cache)
        XCTAssertFalse(flash.stdout.contains("vllm.entrypoints.llm.LLM.generate"), "FLASH_ATTN does not run paged_attention_v1")
    }

    /// `reshape_and_cache` is defined twice with one signature (csrc/cache_kernels.cu for CUDA, csrc/cpu/cache.cpp
    /// for the CPU build): under the CUDA profile only the CUDA build's registration and calls are followed.
    func testSameNamedCPUDefinitionDoesNotRunUnderCUDA() throws {
        let (cache, db, _) = try setUpIndex()
        let callers = try CLI.run(["callers", "vllm::reshape_and_cache_kernel", "--depth", "3", "--db", db], cache: cache)
        XCTAssertEqual(callers.status, 0, callers.stderr)
        XCTAssertTrue(callers.stdout.contains("csrc/torch_bindings.cpp"), callers.stdout)
        XCTAssertFalse(callers.stdout.contains("csrc/cpu/"), "a CPU-build registration under CUDA:\n" + callers.stdout)
        let callees = try CLI.run(["callees", "reshape_and_cache", "--depth", "1", "--json", "--db", db], cache: cache)
        XCTAssertEqual(callees.status, 0, callees.stderr)
        XCTAssertTrue(callees.stdout.contains("csrc/cache_kernels.cu"), callees.stdout)
        XCTAssertFalse(callees.stdout.contains("csrc/cpu/"), "CPU-build callees under CUDA:\n" + callees.stdout)
        // Under the CPU build the CUDA kernel is never launched, and the CPU definition's calls are back.
        let cpu = try CLI.run(["callees", "reshape_and_cache", "--depth", "1", "--json", "--assume", "platform=cpu", "--db", db], cache: cache)
        XCTAssertEqual(cpu.status, 0, cpu.stderr)
        XCTAssertTrue(cpu.stdout.contains("csrc/cpu/cache.cpp"), cpu.stdout)
        XCTAssertFalse(cpu.stdout.contains("reshape_and_cache_kernel\""), cpu.stdout)
        let none = try CLI.run(["callees", "reshape_and_cache", "--depth", "1", "--json", "--profile", "none", "--db", db], cache: cache)
        XCTAssertTrue(none.stdout.contains("csrc/cpu/cache.cpp") && none.stdout.contains("csrc/cache_kernels.cu"), none.stdout)
    }

    func testTheProfileNamesCodeThatExists() throws {
        let (cache, db, checkout) = try setUpIndex()
        try checkShippedProfile(release: "0.6.2", db: db, cache: cache, checkout: checkout)
    }

    /// The callees of the first path, with the JSON fields saying what it holds under.
    func firstPath(_ from: String, _ to: String, _ extra: [String] = []) throws -> (callees: [String], files: [String], obj: [String: Any]) {
        let (cache, db, _) = try setUpIndex()
        let r = try CLI.run(["path", from, to, "--json", "--db", db] + extra, cache: cache)
        XCTAssertEqual(r.status, 0, "\(from) -> \(to): \(r.stderr)")
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        let hops = try XCTUnwrap(((obj["paths"] as? [[String: Any]])?.first)?["hops"] as? [[String: Any]], "no path \(from) -> \(to)")
        return (hops.map { $0["callee"] as! String }, hops.map { $0["file"] as! String }, obj)
    }

    /// `expected` appear in `callees` in this order, each right after the previous (no hop skipped).
    func assertChain(_ callees: [String], _ expected: [String], file: StaticString = #filePath, line: UInt = #line) {
        guard let start = callees.firstIndex(of: expected[0]) else {
            return XCTFail("\(expected[0]) not in \(callees)", file: file, line: line)
        }
        XCTAssertEqual(Array(callees[start...].prefix(expected.count)), expected, file: file, line: line)
    }

    /// Without `--via`, the release's default profile (one NVIDIA GPU, FLASH_ATTN, block manager v1) gives
    /// the route that runs: GPUExecutor -> Worker -> ModelRunner -> the Llama modules -> FlashAttention.
    func testDefaultRequestPathIsTheOneThatRuns() throws {
        let llama = ["vllm.engine.llm_engine.LLMEngine.step", "vllm.executor.gpu_executor.GPUExecutor.execute_model",
                     "vllm.worker.worker_base.LocalOrDistributedWorkerBase.execute_model",
                     "vllm.worker.model_runner.ModelRunner.execute_model",
                     "vllm.model_executor.models.llama.LlamaForCausalLM.forward", "vllm.model_executor.models.llama.LlamaModel.forward",
                     "vllm.model_executor.models.llama.LlamaDecoderLayer.forward",
                     "vllm.model_executor.models.llama.LlamaAttention.forward", "vllm.attention.layer.Attention.forward"]
        for target in ["vllm::reshape_and_cache_flash_kernel", "vllm.vllm_flash_attn.flash_attn_with_kvcache"] {
            let (callees, files, obj) = try firstPath("vllm.entrypoints.llm.LLM.generate", target)
            XCTAssertEqual(obj["profile"] as? String, "cuda")
            XCTAssertEqual(obj["reached_as_asked"] as? Bool, true)
            XCTAssertEqual(obj["through_unknown_module"] as? Bool, false)
            XCTAssertEqual(callees.first, "vllm.entrypoints.llm.LLM._run_engine")
            assertChain(callees, llama + ["vllm.attention.backends.flash_attn.FlashAttentionImpl.forward"])
            XCTAssertEqual(callees.last, target)
            XCTAssertFalse(callees.contains { $0.contains("torch.nn.Module") }, "\(callees)")
            XCTAssertFalse(files.contains { $0.hasPrefix("csrc/cpu/") }, "no CPU registration on a CUDA route: \(files)")
        }
        // paged_attention_v1 is not what FLASH_ATTN runs: said so, and the XFormers route printed under
        // the assumption that reaches it.
        let (callees, files, obj) = try firstPath("vllm.entrypoints.llm.LLM.generate", "vllm::paged_attention_v1_kernel")
        XCTAssertEqual(obj["reached_as_asked"] as? Bool, false)
        XCTAssertEqual((obj["reached_with"] as? [String])?.first, "attention_backend=XFORMERS")
        XCTAssertEqual(obj["assumptions"] as? [String], ["attention_backend=XFORMERS"])
        assertChain(callees, llama + ["vllm.attention.backends.xformers.XFormersImpl.forward"])
        XCTAssertTrue(files.contains("csrc/torch_bindings.cpp"), "the CUDA registration: \(files)")
        XCTAssertFalse(files.contains { $0.hasPrefix("csrc/cpu/") }, "\(files)")
        let (cache, db, _) = try setUpIndex()
        let text = try CLI.run(["path", "LLM.generate", "paged_attention_v1_kernel", "--db", db], cache: cache)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("profile: cuda (vLLM 0.6.2") ?? false, text.stdout)
        XCTAssertTrue(lines.count > 2 && lines[1].contains("is not reached") && lines[2].contains("--assume attention_backend=XFORMERS"),
                      text.stdout)
        // The scheduler reaches block manager v1 (0.6.2's default), not v2, without waypoints.
        let (v1, _, v1obj) = try firstPath("vllm.engine.llm_engine.LLMEngine.step", "vllm.core.block_manager_v1.BlockSpaceManagerV1.allocate")
        XCTAssertEqual(v1obj["reached_as_asked"] as? Bool, true)
        XCTAssertTrue(v1.contains("vllm.core.scheduler.Scheduler._schedule_default"), "\(v1)")
        let (_, _, v2obj) = try firstPath("vllm.engine.llm_engine.LLMEngine.step", "vllm.core.block_manager_v2.BlockSpaceManagerV2.allocate")
        XCTAssertEqual(v2obj["reached_with"] as? [String], ["block_manager=v2"])
        // --profile none follows every alternative and says so; a bad assumption is an error naming the options.
        let none = try CLI.run(["path", "LLM.generate", "reshape_and_cache_flash_kernel", "--profile", "none", "--db", db], cache: cache)
        XCTAssertTrue(none.stdout.hasPrefix("profile: none"), none.stdout)
        let bad = try CLI.run(["path", "LLM.generate", "reshape_and_cache_flash_kernel", "--assume", "attention_backend=FAST", "--db", db],
                              cache: cache)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("XFORMERS") && bad.stderr.contains("FAST"), bad.stderr)
    }

    func testSiteIsDeterministicLinkCheckedAndWorksInABrowser() throws {
        let (cache, db, _) = try setUpIndex()
        let out = try temporaryDirectory("site")
        let a = out.appendingPathComponent("a"), b = out.appendingPathComponent("b")
        let root = CLI.packageRoot
        func site(_ dir: URL, check: Bool) throws -> CLI.Result {
            try CLI.run(["site", "--db", db, "--out", dir.path, "--theme", root.appendingPathComponent("Site").path,
                         "--notes", root.appendingPathComponent("Annotations").path,
                         "--explainer", root.appendingPathComponent("Sources/PagedAttention/EXPLAINER.md").path]
                        + (check ? ["--check"] : []), cache: cache)
        }
        let first = try site(a, check: true)
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        XCTAssertTrue(first.stdout.contains(" 0 problems"), first.stdout)
        XCTAssertEqual(try site(b, check: false).status, 0)
        let diff = Process()
        diff.executableURL = URL(fileURLWithPath: "/usr/bin/diff")
        diff.arguments = ["-rq", a.path, b.path]
        try diff.run()
        diff.waitUntilExit()
        XCTAssertEqual(diff.terminationStatus, 0, "two runs over the same inputs must give byte-identical sites")

        let shots = root.appendingPathComponent(".build/screenshots")
        let browser = Process()
        browser.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        browser.arguments = ["python3", root.appendingPathComponent("Tests/SiteRendererTests/browser/browser_test.py").path,
                             a.path, "--screenshots", shots.path]
        let pipe = Pipe()
        browser.standardOutput = pipe
        browser.standardError = pipe
        try browser.run()
        let log = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        browser.waitUntilExit()
        XCTAssertEqual(browser.terminationStatus, 0, "headless browser test failed:\n\(log)")
        try? FileManager.default.removeItem(at: out)
    }
}
