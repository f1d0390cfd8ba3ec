import CallGraph
import Foundation
import IndexModel
import XCTest

/// vLLM 0.33.0 (V1 engine): what the 0.6.2 path becomes, and where it stops. A probe that prints its
/// findings (about a minute and a half in a debug build): it runs when MARGINALIA_CALLGRAPH_PROBE=1.
final class VLLM0330Tests: XCTestCase {
    func testGeneratePathOnV1Engine() throws {
        guard ProcessInfo.processInfo.environment["MARGINALIA_CALLGRAPH_PROBE"] == "1" else {
            throw XCTSkip("set MARGINALIA_CALLGRAPH_PROBE=1 to run the vLLM 0.33.0 probe")
        }
        let root = try vllmRelease("0.33.0")
        let cpp = indexCpp(root: root, units: ["csrc/torch_bindings.cpp", "csrc/cache_kernels.cu"])
        let macros = NamespaceMacros.derive(buildFiles: buildFiles(root: root))
        let (input, source) = try pythonGraphInput(root: root, skipping: ["tests/", "benchmarks/", "examples/", "docs/"],
                                                   extra: cpp, macros: macros)
        let start = Date()
        let g = resolve(input)
        print("0.33.0 resolve: \(String(format: "%.2f", Date().timeIntervalSince(start))) s\n" + g.resolved.summary())
        let store = InMemoryEdgeStore(edges: g.edges)
        let generate = "vllm.entrypoints.llm.LLM.generate"
        let reach = callTree(generate, direction: .callees, in: store, depth: 14, maxChildren: 100_000, maxNodes: 2_000_000).allNodes
        print("reachable from LLM.generate within 14 hops: \(reach.count)")
        for n in ["vllm.v1.engine.llm_engine.LLMEngine.step", "vllm.v1.engine.core_client.SyncMPClient.get_output",
                  "vllm.v1.engine.core.EngineCore.step", "vllm.v1.worker.gpu_model_runner.GPUModelRunner.execute_model",
                  "vllm.model_executor.layers.attention.attention.Attention.forward",
                  "torch.ops.vllm.unified_attention", "torch.ops._C_cache_ops.reshape_and_cache_flash",
                  "vllm::reshape_and_cache_flash_kernel"]
        {
            print("  \(reach.contains(n) ? "reached" : "NOT reached"): \(n)")
        }
        for target in ["vllm::reshape_and_cache_flash_kernel", "torch.ops._C_cache_ops.reshape_and_cache_flash"] {
            let r = paths(from: generate, to: target, in: store, maxDepth: 24, maxPaths: 1)
            print("path to \(target): " + (r.paths.isEmpty ? "none" : "\(r.paths[0].hops.count) hops"))
            if let p = r.paths.first { print(GraphFormat.text(PathResult(paths: [p], truncated: false, limitNote: ""), source: { source.line($0, $1) })) }
        }
        for r in input.registrations where r.opName.hasPrefix("reshape_and_cache") { print("  registration: \(r)") }
        let py = input.calls.filter { $0.callee.contains("reshape_and_cache_flash") && $0.file.rawValue.hasSuffix(".py") }
        for c in py.prefix(6) { print("  python call: \(c.caller) -> \(c.callee) at \(c.file):\(c.range.start.line)") }
        let bindings = g.edges.filter { $0.kind == .opBinding }
        print("op-binding edges: \(bindings.count); registrations in input: \(input.registrations.count)")
        // In-process engine core (InprocClient) is followed; the multiprocess client talks over ZMQ.
        XCTAssertTrue(reach.contains("vllm.v1.engine.llm_engine.LLMEngine.step"))
        XCTAssertTrue(reach.contains("vllm.v1.engine.core.EngineCore.step"))
        // The executor calls the worker by method name (`collective_rpc("execute_model")`): candidate edges.
        XCTAssertTrue(g.edges.contains {
            $0.caller == "vllm.v1.executor.abstract.Executor.execute_model" && $0.callee == "vllm.v1.worker.gpu_worker.Worker.execute_model"
                && $0.confidence == .candidate
        })
        XCTAssertFalse(paths(from: generate, to: "vllm::reshape_and_cache_flash_kernel", in: store, maxDepth: 24, maxPaths: 1).paths.isEmpty)
    }
}

private extension ResolvedGraph {
    var resolved: ResolvedGraph { self }
}
