import Foundation
import MarginaliaKit
import XCTest

/// The default request path on vLLM 0.33.0 (V1 engine) through the command line, under the release's
/// profile and without `--via`. The Python half only (`--python-only`): the route ends at the torch op the
/// cache write calls; the C++ half is the same as on 0.6.2 and checked there.
final class RealVLLM0330Tests: XCTestCase {
    static var shared: (cache: URL, db: String)?

    func setUpIndex() throws -> (cache: URL, db: String) { try Self.sharedIndex() }

    /// The Python-only index of 0.33.0, built once per test process (V1NotesTests reads it too). A developer
    /// re-running these tests may point `MARGINALIA_VLLM_0_33_0_PY_INDEX` at such an index built before.
    static func sharedIndex() throws -> (cache: URL, db: String) {
        if let s = Self.shared { return s }
        if let db = ProcessInfo.processInfo.environment["MARGINALIA_VLLM_0_33_0_PY_INDEX"], FileManager.default.fileExists(atPath: db) {
            Self.shared = (try temporaryDirectory("real-0330"), db)
            return Self.shared!
        }
        let checkout = try vllmRelease("0.33.0")
        let cache = try temporaryDirectory("real-0330")
        let db = cache.appendingPathComponent("vllm-0.33.0.sqlite").path
        let r = try CLI.run(["index", checkout.path, "--python-only", "--db", db], cache: cache)
        XCTAssertEqual(r.status, 0, r.stderr)
        Self.shared = (cache, db)
        return (cache, db)
    }

    func path(_ from: String, _ to: String) throws -> (callees: [String], obj: [String: Any], text: String) {
        let (cache, db) = try setUpIndex()
        let r = try CLI.run(["path", from, to, "--json", "--db", db], cache: cache)
        XCTAssertEqual(r.status, 0, "\(from) -> \(to): \(r.stderr)")
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        let hops = (((obj["paths"] as? [[String: Any]])?.first)?["hops"] as? [[String: Any]]) ?? []
        let text = try CLI.run(["path", from, to, "--db", db], cache: cache).stdout
        return (hops.map { $0["callee"] as! String }, obj, text)
    }

    func testEngineCoreRunsItsOwnLoopTheDefaultRunnerAndFlashAttention() throws {
        let (callees, obj, text) = try path("vllm.v1.engine.core.EngineCoreProc.run_engine_core",
                                            "torch.ops._C_cache_ops.reshape_and_cache_flash")
        XCTAssertEqual(obj["profile"] as? String, "cuda")
        XCTAssertEqual(obj["reached_as_asked"] as? Bool, true, text)
        XCTAssertEqual(obj["through_unknown_module"] as? Bool, false, text)
        XCTAssertTrue(text.hasPrefix("profile: cuda (vLLM 0.33.0"), text)
        let expected = ["vllm.v1.engine.core.EngineCoreProc.run_busy_loop",
                        "vllm.v1.engine.core.EngineCoreProc._process_engine_step",
                        "vllm.v1.engine.core.EngineCore.step_with_batch_queue",
                        "vllm.v1.executor.uniproc_executor.UniProcExecutor.execute_model",
                        "vllm.v1.worker.gpu_worker.Worker.execute_model",
                        "vllm.v1.worker.gpu.model_runner.GPUModelRunner.execute_model",
                        "vllm.model_executor.models.llama.LlamaForCausalLM.forward",
                        "vllm.model_executor.models.llama.LlamaModel.forward",
                        "vllm.model_executor.models.llama.LlamaDecoderLayer.forward",
                        "vllm.model_executor.models.llama.LlamaAttention.forward",
                        "vllm.model_executor.layers.attention.attention.Attention.forward"]
        XCTAssertEqual(Array(callees.prefix(expected.count)), expected, "\(callees)")
        XCTAssertTrue(callees.contains("vllm.v1.attention.backends.flash_attn.FlashAttentionImpl.do_kv_cache_update"), "\(callees)")
        XCTAssertEqual(callees.last, "torch.ops._C_cache_ops.reshape_and_cache_flash")
        for hop in callees {
            XCTAssertFalse(hop.contains("DPEngineCoreProc") || hop.contains("_dummy_run") || hop.contains("execute_dummy_batch")
                           || hop.contains("torch.nn.Module"), "\(hop) in \(callees)")
        }
    }

    func testTheFrontendSaysWhereTheRequestCrossesToTheEngineCore() throws {
        // By default the engine core runs in another process behind ZMQ: LLM.generate does not reach the
        // model, and the output names the assumption (in-process engine core) under which it does.
        let (callees, obj, text) = try path("vllm.entrypoints.llm.LLM.generate", "torch.ops._C_cache_ops.reshape_and_cache_flash")
        XCTAssertEqual(obj["reached_as_asked"] as? Bool, false, text)
        XCTAssertEqual((obj["reached_with"] as? [String])?.first, "engine_core_client=InprocClient", text)
        XCTAssertTrue(text.contains("ZMQ"), text)
        XCTAssertTrue(callees.contains("vllm.v1.worker.gpu.model_runner.GPUModelRunner.execute_model"), "\(callees)")
    }

    func testTheProfileNamesCodeThatExists() throws {
        let (cache, db) = try setUpIndex()
        try checkShippedProfile(release: "0.33.0", db: db, cache: cache, checkout: try vllmRelease("0.33.0"))
    }

    func testWarmUpRoutesOnlyWhenAsked() throws {
        let (cache, db) = try setUpIndex()
        let r = try CLI.run(["callees", "vllm.v1.worker.gpu_worker.Worker.compile_or_warm_up_model", "--depth", "1", "--db", db], cache: cache)
        XCTAssertEqual(r.status, 0, r.stderr)
        let callers = try CLI.run(["callers", "vllm.v1.worker.gpu.model_runner.GPUModelRunner.execute_model", "--depth", "1",
                                   "--db", db], cache: cache)
        XCTAssertFalse(callers.stdout.contains("_dummy_run") || callers.stdout.contains("execute_dummy_batch"), callers.stdout)
        let all = try CLI.run(["callers", "vllm.v1.worker.gpu.model_runner.GPUModelRunner.execute_model", "--depth", "1",
                               "--include-warmup", "--profile", "none", "--db", db], cache: cache)
        XCTAssertTrue(all.stdout.hasPrefix("profile: none"), all.stdout)
    }
}

/// Every shipped profile is true to its release: each class or function it names is a symbol of the
/// release's index, and each source it cites is a line of the release.
func checkShippedProfile(release: String, db: String, cache: URL, checkout: URL, file: StaticString = #filePath,
                         line: UInt = #line) throws {
    let profile = try XCTUnwrap(try Profiles.defaultProfile(release: release), "no profile for \(release)")
    XCTAssertEqual(profile.release, release, file: file, line: line)
    XCTAssertEqual(profile.problems(), [], file: file, line: line)
    var names = Set<String>()
    for c in profile.choices {
        names.formUnion(c.among)
        for o in c.options {
            names.formUnion(o.selects)
            let parts = o.source.split(separator: ":")
            let path = checkout.appendingPathComponent(String(parts[0]))
            XCTAssertTrue(FileManager.default.fileExists(atPath: path.path), "\(c.key)=\(o.value): \(o.source)", file: file, line: line)
            if parts.count == 2, let n = Int(parts[1]) {
                let text = (try? String(contentsOf: path, encoding: .utf8)) ?? ""
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                let cited = n >= 1 && n <= lines.count ? String(lines[n - 1]) : ""
                // The line names the value or a selected class, or shows the setting the option cites.
                let words = o.sourceText.isEmpty ? [o.value] + o.selects.map { String($0.split(separator: ".").last ?? "") } : [o.sourceText]
                XCTAssertTrue(words.contains { !$0.isEmpty && cited.contains($0) },
                              "\(c.key)=\(o.value): \(o.source) reads '\(cited)', not \(words)", file: file, line: line)
            }
        }
        for b in c.bind { names.insert(b.scope) }
    }
    for n in names.sorted() {
        let r = try CLI.run(["def", n, "--json", "--db", db], cache: cache)
        XCTAssertEqual(r.status, 0, "\(release): the profile names \(n), which the index does not have: \(r.stderr)", file: file, line: line)
    }
}
