import CallGraph
import Foundation
import IndexModel
import XCTest

private func range(_ line: Int) -> SourceRange { SourceRange(line: line, column: 1, endLine: line, endColumn: 10) }

private func cpp(_ qn: String, usr: String, file: RepoPath, kind: SymbolKind = .function, line: Int = 1) -> Symbol {
    Symbol(qualifiedName: qn, name: String(qn.split(separator: ":").last ?? ""), kind: kind, language: .cuda, file: file,
           range: SourceRange(line: line, column: 1, endLine: line + 20, endColumn: 1), usr: usr)
}

final class CppResolutionTests: XCTestCase {
    func graph() -> ResolvedGraph {
        // paged_attention_v1 is defined twice (CPU and CUDA files) with one USR; the CUDA one calls a
        // launcher template through a macro; the launcher launches the kernel; a dependent call has no USR.
        let symbols = [
            cpp("paged_attention_v1", usr: "c:@F@paged_attention_v1", file: "csrc/attention/attention_kernels.cu", line: 800),
            cpp("paged_attention_v1", usr: "c:@F@paged_attention_v1", file: "csrc/cpu/attention.cpp", line: 700),
            cpp("paged_attention_v1_launcher", usr: "c:@FT@>3#T#T#NIpaged_attention_v1_launcher", file: "csrc/attention/attention_kernels.cu", line: 690),
            cpp("vllm::paged_attention_v1_kernel", usr: "c:@N@vllm@FT@>1#Tpaged_attention_v1_kernel", file: "csrc/attention/attention_kernels.cu", kind: .kernel, line: 500),
            cpp("vllm::cpu_kernel", usr: "c:@N@vllm@F@cpu_kernel", file: "csrc/cpu/attention.cpp", line: 100),
            cpp("vllm::helper", usr: "c:@N@vllm@FT@>1#Thelper", file: "csrc/attention/attention_kernels.cu", kind: .deviceFunction, line: 50),
        ]
        let calls = [
            CallSite(caller: "paged_attention_v1", callee: "paged_attention_v1_launcher<T, CACHE_T, BLOCK_SIZE>", kind: .macro,
                     file: "csrc/attention/attention_kernels.cu", range: range(828),
                     targetUSR: "c:@FT@>3#T#T#NIpaged_attention_v1_launcher", viaMacro: "CALL_V1_LAUNCHER_BLOCK_SIZE"),
            CallSite(caller: "paged_attention_v1", callee: "vllm::cpu_kernel", file: "csrc/cpu/attention.cpp", range: range(720),
                     targetUSR: "c:@N@vllm@F@cpu_kernel"),
            CallSite(caller: "paged_attention_v1_launcher", callee: "vllm::paged_attention_v1_kernel<T, 64>", kind: .launch,
                     file: "csrc/attention/attention_kernels.cu", range: range(743),
                     targetUSR: "c:@N@vllm@FT@>1#Tpaged_attention_v1_kernel", launchConfig: "grid, block, shared_mem_size, stream"),
            CallSite(caller: "vllm::paged_attention_v1_kernel", callee: "helper<T>", file: "csrc/attention/attention_kernels.cu",
                     range: range(520)),
            CallSite(caller: "vllm::paged_attention_v1_kernel", callee: "at::empty", file: "csrc/attention/attention_kernels.cu",
                     range: range(521), targetUSR: "c:@N@at@F@empty", targetName: "at::empty"),
            CallSite(caller: "vllm::paged_attention_v1_kernel", callee: "mystery", file: "csrc/attention/attention_kernels.cu",
                     range: range(522)),
        ]
        let regs = [
            Registration(kind: .def, namespaceExpression: "TORCH_EXTENSION_NAME", namespace: "", opName: "paged_attention_v1",
                         schema: "paged_attention_v1(Tensor! out, ...) -> ()", file: "csrc/torch_bindings.cpp", line: 24),
            Registration(kind: .impl, namespaceExpression: "TORCH_EXTENSION_NAME", namespace: "", opName: "paged_attention_v1",
                         dispatchKey: "CUDA", target: "paged_attention_v1", targetUSR: "c:@F@paged_attention_v1",
                         file: "csrc/torch_bindings.cpp", line: 34),
            Registration(kind: .impl, namespaceExpression: "TORCH_EXTENSION_NAME", namespace: "", opName: "paged_attention_v1",
                         dispatchKey: "CPU", target: "paged_attention_v1", targetUSR: "c:@F@paged_attention_v1",
                         file: "csrc/cpu/torch_bindings.cpp", line: 30),
            Registration(kind: .impl, namespaceExpression: "CONCAT(TORCH_EXTENSION_NAME, _cache_ops)", namespace: "",
                         opName: "swap", dispatchKey: "CUDA", target: "vllm::cpu_kernel", file: "csrc/torch_bindings.cpp", line: 60),
        ]
        let macros = NamespaceMacros(extensionNameByFile: ["csrc/cpu/torch_bindings.cpp": "_C"], fallback: "_C")
        return resolve(GraphInput(symbols: symbols, calls: calls, registrations: regs, macros: macros))
    }

    func testUSRLinksBothDefinitionsAndKinds() {
        let g = graph()
        let e = g.edges
        XCTAssertTrue(e.contains { $0.caller == "paged_attention_v1" && $0.callee == "paged_attention_v1_launcher" && $0.kind == .macro && $0.confidence == .exact && $0.note.contains("CALL_V1_LAUNCHER_BLOCK_SIZE") })
        XCTAssertTrue(e.contains { $0.caller == "paged_attention_v1" && $0.callee == "vllm::cpu_kernel" && $0.file == "csrc/cpu/attention.cpp" })
        XCTAssertTrue(e.contains { $0.callee == "vllm::paged_attention_v1_kernel" && $0.kind == .launch && $0.note.contains("<<<grid") })
        XCTAssertTrue(e.contains { $0.callee == "vllm::helper" && $0.confidence == .inferred }, "dependent call falls back to its name")
        XCTAssertTrue(e.contains { $0.callee == "at::empty" && $0.confidence == .exact })
        XCTAssertTrue(g.nodes.contains { $0.name == "at::empty" && $0.kind == .external })
        XCTAssertEqual(g.unresolved.map(\.callee), ["mystery"])
        XCTAssertEqual(g.unresolved.first?.reason, .noCppTarget)
    }

    func testOpBindingsKeepEveryDispatchKey() {
        let g = graph()
        let bindings = g.edges.filter { $0.caller == "torch.ops._C.paged_attention_v1" }
        XCTAssertEqual(bindings.map(\.file), ["csrc/cpu/torch_bindings.cpp", "csrc/torch_bindings.cpp"])
        XCTAssertEqual(Set(bindings.map(\.callee)), ["paged_attention_v1"])
        XCTAssertTrue(bindings.allSatisfy { $0.kind == .opBinding && $0.confidence == .exact })
        XCTAssertEqual(bindings.map { String($0.note.prefix(4)) }, ["CPU;", "CUDA"])
        XCTAssertTrue(g.edges.contains { $0.caller == "torch.ops._C_cache_ops.swap" && $0.callee == "vllm::cpu_kernel" })
        XCTAssertEqual(g.nodes.first { $0.name == "torch.ops._C.paged_attention_v1" }?.detail, "paged_attention_v1(Tensor! out, ...) -> ()")
    }
}

final class NamespaceMacroTests: XCTestCase {
    func testDeriveFromCMake() {
        let cmake = """
        set(VLLM_EXT_SRC
          "csrc/cache_kernels.cu"   # the cache
          "csrc/torch_bindings.cpp")
        if(VLLM_GPU_LANG STREQUAL "CUDA")
          list(APPEND VLLM_EXT_SRC "csrc/quantization/aqlm/gemm_kernels.cu")
        endif()
        define_gpu_extension_target(
          _C
          DESTINATION vllm
          LANGUAGE ${VLLM_GPU_LANG}
          SOURCES ${VLLM_EXT_SRC}
          WITH_SOABI)
        set(VLLM_MOE_EXT_SRC "csrc/moe/torch_bindings.cpp")
        define_gpu_extension_target(_moe_C DESTINATION vllm SOURCES ${VLLM_MOE_EXT_SRC} USE_SABI 3)
        define_extension_target(fs_io_C DESTINATION vllm LANGUAGE CXX SOURCES csrc/fs_io.cpp WITH_SOABI)
        """
        let m = NamespaceMacros.derive(buildFiles: ["CMakeLists.txt": cmake, "setup.py": "CMakeExtension(name=\"vllm._C\")"])
        XCTAssertEqual(m.extensionName(for: "csrc/torch_bindings.cpp"), "_C")
        XCTAssertEqual(m.extensionName(for: "csrc/quantization/aqlm/gemm_kernels.cu"), "_C")
        XCTAssertEqual(m.extensionName(for: "csrc/moe/torch_bindings.cpp"), "_moe_C")
        XCTAssertEqual(m.expand("CONCAT(TORCH_EXTENSION_NAME, _cache_ops)", in: "csrc/torch_bindings.cpp"), "_C_cache_ops")
        XCTAssertEqual(m.expand("TORCH_EXTENSION_NAME", in: "csrc/moe/torch_bindings.cpp"), "_moe_C")
        XCTAssertEqual(m.expand("vllm", in: "x.cpp"), "vllm")
        XCTAssertEqual(m.extensionName(for: "csrc/unlisted.h"), "_C")
        XCTAssertEqual(m.extensionName(for: "csrc/fs_io.cpp"), "fs_io_C")
    }
}

final class QueryTests: XCTestCase {
    func e(_ a: String, _ b: String, _ c: Confidence = .exact, line: Int = 1) -> Edge {
        Edge(caller: a, callee: b, kind: .call, confidence: c, file: "f.py", line: line)
    }

    func testPathsShortestFirstWithoutLoops() {
        // a -> b -> d, a -> c -> x -> d, cycle b <-> a, c -> c.
        let store = InMemoryEdgeStore(edges: [e("a", "b"), e("b", "d"), e("a", "c"), e("c", "x"), e("x", "d"), e("b", "a"),
                                              e("c", "c"), e("a", "d", .nameOnly)])
        let r = paths(from: "a", to: "d", in: store, maxDepth: 5, maxPaths: 10)
        XCTAssertEqual(r.paths.map { $0.hops.map(\.callee) }, [["b", "d"], ["c", "x", "d"]])
        XCTAssertFalse(r.truncated)
        let withNameOnly = paths(from: "a", to: "d", in: store, maxDepth: 5, maxPaths: 10, minConfidence: .nameOnly)
        XCTAssertEqual(withNameOnly.paths.first?.hops.map(\.callee), ["d"])
        let limited = paths(from: "a", to: "d", in: store, maxDepth: 5, maxPaths: 1)
        XCTAssertEqual(limited.paths.count, 1)
        XCTAssertTrue(limited.truncated)
        XCTAssertEqual(paths(from: "d", to: "a", in: store).paths, [])
        let via = paths(from: "a", to: "d", via: ["x"], in: store)
        XCTAssertEqual(via.paths.first?.hops.map(\.callee), ["c", "x", "d"])
    }

    func testPathsStopAtVisitLimitOnFanOut() {
        var edges: [Edge] = []
        for i in 0..<300 { edges.append(e("root", "m\(i)")); edges.append(e("m\(i)", "sink")) }
        let store = InMemoryEdgeStore(edges: edges)
        let r = paths(from: "root", to: "sink", in: store, maxDepth: 4, maxPaths: 1000, maxVisits: 50)
        XCTAssertTrue(r.truncated)
        XCTAssertFalse(r.limitNote.isEmpty)
    }

    func testTreesBreadthFirstMarkRepeats() {
        let store = InMemoryEdgeStore(edges: [e("a", "b"), e("a", "c"), e("b", "c"), e("c", "a"), e("c", "d", .candidate)])
        let t = callTree("a", direction: .callees, in: store, depth: 3)
        XCTAssertEqual(t.children.map(\.node), ["b", "c"])
        XCTAssertEqual(t.children[0].children.map(\.node), ["c"])
        XCTAssertTrue(t.children[0].children[0].seen)
        XCTAssertEqual(t.children[1].children.map(\.node), ["a", "d"])
        XCTAssertTrue(t.children[1].children[0].seen)
        let sure = callTree("a", direction: .callees, in: store, depth: 3, minConfidence: .inferred)
        XCTAssertFalse(sure.allNodes.contains("d"))
        let callers = callTree("d", direction: .callers, in: store, depth: 2)
        XCTAssertEqual(callers.children.map(\.node), ["c"])
        XCTAssertEqual(callers.children[0].children.map(\.node), ["a", "b"])
        let text = GraphFormat.text(t, source: { _, line in "source line \(line)" })
        XCTAssertTrue(text.contains("├─ b\n"), text)
        XCTAssertTrue(text.contains("| source line 1"), text)
    }

    func testLookupSuffixAmbiguityAndNearMisses() {
        let l = SymbolLookup(names: ["vllm.entrypoints.llm.LLM.generate", "vllm.engine.llm_engine.LLMEngine.step",
                                     "vllm::paged_attention_v1_kernel", "vllm::paged_attention_v2_kernel",
                                     "vllm.a.Worker.execute_model", "vllm.b.Runner.execute_model"])
        XCTAssertEqual(l.find("LLM.generate"), .found("vllm.entrypoints.llm.LLM.generate"))
        XCTAssertEqual(l.find("paged_attention_v1_kernel"), .found("vllm::paged_attention_v1_kernel"))
        XCTAssertEqual(l.find("vllm::paged_attention_v2_kernel"), .found("vllm::paged_attention_v2_kernel"))
        XCTAssertEqual(l.find("execute_model"), .ambiguous(["vllm.a.Worker.execute_model", "vllm.b.Runner.execute_model"]))
        guard case .notFound(let s) = l.find("paged_atention_v1_kernel") else { return XCTFail() }
        XCTAssertEqual(s.first, "vllm::paged_attention_v1_kernel")
        guard case .notFound(let none) = l.find("LLM.generat") else { return XCTFail() }
        XCTAssertTrue(none.contains("vllm.entrypoints.llm.LLM.generate"))
    }

    func testFormatters() {
        let store = InMemoryEdgeStore(edges: [e("a", "b"), e("b", "c\"q")])
        let r = paths(from: "a", to: "c\"q", in: store)
        XCTAssertEqual(GraphFormat.json(r),
                       #"{"paths": [{"hops": [{"caller": "a", "callee": "b", "file": "f.py", "line": 1, "kind": "call", "confidence": "exact"}, {"caller": "b", "callee": "c\"q", "file": "f.py", "line": 1, "kind": "call", "confidence": "exact"}]}], "truncated": false}"#)
        let data = Data(GraphFormat.jsonLines([e("a", "b")]).utf8)
        let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        XCTAssertEqual(obj?["callee"] as? String, "b")
        let dot = GraphFormat.dot(GraphFormat.edges(of: r))
        XCTAssertTrue(dot.contains(#""a" -> "b" [label="call/exact"];"#), dot)
        XCTAssertTrue(GraphFormat.text(r).contains("path 1: 2 hops"))
    }
}
