import CallGraph
import Foundation
import IndexModel
import XCTest

/// The graph of real vLLM 0.6.2: all Python files of the package plus the C++/CUDA units on the
/// PagedAttention path, indexed by the real indexers. Built once per test process.
enum VLLM062 {
    struct Graph {
        var resolved: ResolvedGraph
        var store: InMemoryEdgeStore
        var source: SourceCache
        var input: GraphInput
        var seconds: Double
    }
    nonisolated(unsafe) private static var cached: Graph? = nil

    static func graph() throws -> Graph {
        if let c = cached { return c }
        let root = try vllmRelease("0.6.2")
        let cpp = indexCpp(root: root, units: pagedAttentionUnits)
        let macros = NamespaceMacros.derive(buildFiles: buildFiles(root: root))
        let (input, source) = try pythonGraphInput(root: root, skipping: ["tests/", "benchmarks/", "examples/", "docs/"],
                                                   extra: cpp, macros: macros)
        let start = Date()
        let g = resolve(input)
        let seconds = Date().timeIntervalSince(start)
        if let dump = ProcessInfo.processInfo.environment["CALLGRAPH_DUMP"] {
            try GraphFormat.jsonLines(g.edges).write(toFile: dump + "/edges.jsonl", atomically: true, encoding: .utf8)
            let u = g.unresolved.map { "\($0.reason.rawValue)\t\($0.file):\($0.line)\t\($0.caller)\t\($0.callee)" }
            try u.joined(separator: "\n").write(toFile: dump + "/unresolved.tsv", atomically: true, encoding: .utf8)
            let syms = input.symbols.map { "\($0.qualifiedName)\t\($0.file):\($0.range.start.line)" }
            try syms.joined(separator: "\n").write(toFile: dump + "/symbols.tsv", atomically: true, encoding: .utf8)
        }
        let graph = Graph(resolved: g, store: InMemoryEdgeStore(edges: g.edges), source: source, input: input, seconds: seconds)
        cached = graph
        return graph
    }
}

final class VLLM062PathTests: XCTestCase {
    let generate = "vllm.entrypoints.llm.LLM.generate"

    func testSummaryFigures() throws {
        let g = try VLLM062.graph()
        print("resolve: \(String(format: "%.2f", g.seconds)) s\n" + g.resolved.summary())
        XCTAssertGreaterThan(g.resolved.edges.count, 10_000)
    }

    /// The issue's path: LLM.generate down to the CUDA kernel, through the Llama forward chain and the
    /// xFormers backend, across torch.ops._C and the registration in csrc/torch_bindings.cpp.
    func testGenerateReachesPagedAttentionV1KernelThroughLlamaAndXFormers() throws {
        let g = try VLLM062.graph()
        let via = ["vllm.engine.llm_engine.LLMEngine.step",
                   "vllm.worker.model_runner.ModelRunner.execute_model",
                   "vllm.model_executor.models.llama.LlamaForCausalLM.forward",
                   "vllm.model_executor.models.llama.LlamaDecoderLayer.forward",
                   "vllm.attention.layer.Attention.forward",
                   "vllm.attention.backends.xformers.XFormersImpl.forward",
                   "vllm.attention.ops.paged_attn.PagedAttention.forward_decode",
                   "torch.ops._C.paged_attention_v1",
                   "paged_attention_v1_launcher"]
        let r = paths(from: generate, to: "vllm::paged_attention_v1_kernel", via: via, in: g.store, maxDepth: 12)
        let text = GraphFormat.text(r, source: { g.source.line($0, $1) })
        print(text)
        guard let p = r.paths.first else { return XCTFail("no path: \(r.limitNote)") }
        let callees = p.hops.map(\.callee)
        for stop in via { XCTAssertTrue(callees.contains(stop), stop) }
        XCTAssertTrue(callees.contains("vllm._custom_ops.paged_attention_v1"))
        XCTAssertTrue(callees.contains("vllm.model_executor.models.llama.LlamaModel.forward"))
        let binding = p.hops.first { $0.kind == .opBinding }
        XCTAssertEqual(binding?.callee, "paged_attention_v1")
        XCTAssertEqual(p.hops.last?.kind, .launch)
        // The CUDA registration is one of the bindings of the op.
        let bindings = g.store.outgoing("torch.ops._C.paged_attention_v1")
        XCTAssertTrue(bindings.contains { $0.file == "csrc/torch_bindings.cpp" && $0.note.hasPrefix("CUDA") }, "\(bindings)")
        XCTAssertTrue(bindings.contains { $0.file == "csrc/cpu/torch_bindings.cpp" && $0.note.hasPrefix("CPU") }, "\(bindings)")
    }

    func testGenerateReachesTheOtherKernels() throws {
        let g = try VLLM062.graph()
        for kernel in ["vllm::paged_attention_v2_kernel", "vllm::paged_attention_v2_reduce_kernel",
                       "vllm::reshape_and_cache_kernel", "vllm::reshape_and_cache_flash_kernel"]
        {
            let r = paths(from: generate, to: kernel, in: g.store, maxDepth: 20, maxPaths: 1)
            XCTAssertFalse(r.paths.isEmpty, "\(kernel): \(r.limitNote)")
            XCTAssertEqual(r.paths.first?.hops.last?.kind, .launch, kernel)
        }
    }

    func testCallersOfKernelReachGenerate() throws {
        let g = try VLLM062.graph()
        let shortest = paths(from: generate, to: "vllm::paged_attention_v1_kernel", in: g.store, maxDepth: 20, maxPaths: 1)
        let length = try XCTUnwrap(shortest.paths.first).hops.count
        print("shortest generate -> paged_attention_v1_kernel: \(length) hops")
        let tree = callTree("vllm::paged_attention_v1_kernel", direction: .callers, in: g.store, depth: length,
                            maxChildren: 10_000, maxNodes: 200_000)
        XCTAssertTrue(tree.allNodes.contains(generate))
        let shallow = callTree("vllm::paged_attention_v1_kernel", direction: .callers, in: g.store, depth: length - 1,
                               maxChildren: 10_000, maxNodes: 200_000)
        XCTAssertFalse(shallow.allNodes.contains(generate))
    }

    func testStepReachesBlockManagerV2AndAllocators() throws {
        let g = try VLLM062.graph()
        let step = "vllm.engine.llm_engine.LLMEngine.step"
        for target in ["vllm.core.block_manager_v2.BlockSpaceManagerV2.allocate",
                       "vllm.core.block_manager_v2.BlockSpaceManagerV2.append_slots",
                       "vllm.core.block.cpu_gpu_block_allocator.CpuGpuBlockAllocator.allocate_mutable_block",
                       "vllm.core.block.cpu_gpu_block_allocator.CpuGpuBlockAllocator.allocate_immutable_blocks",
                       "vllm.core.block.naive_block.NaiveBlockAllocator.allocate_mutable_block",
                       "vllm.core.block.prefix_caching_block.PrefixCachingBlockAllocator.allocate_immutable_blocks"]
        {
            let r = paths(from: step, to: target, in: g.store, maxDepth: 16, maxPaths: 1)
            XCTAssertFalse(r.paths.isEmpty, target)
            if let p = r.paths.first { print("\(target): \(p.hops.count) hops, weakest \(p.confidence.rawValue)") }
        }
    }
}
