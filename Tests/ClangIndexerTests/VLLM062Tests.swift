import Foundation
import IndexModel
import MarginaliaTestSupport
import XCTest

@testable import ClangIndexer

/// The real vLLM 0.6.2 release: MARGINALIA_VLLM_0_6_2, else fetched with scripts/fetch-vllm.
enum VLLMRelease {
    static func path(_ version: String) throws -> URL { try vllmRelease(version) }
}

/// Indexed once for all tests of the class.
private let release062: (indexer: ClangIndexer, files: [RepoPath], result: ClangIndexResult, merged: [FileIndex])? = {
    guard let root = try? VLLMRelease.path("0.6.2") else { return nil }
    let indexer = ClangIndexer(checkoutRoot: root)
    let files = indexer.sourceFiles()
    let start = Date()
    let result = indexer.index(files: files)
    let seconds = Date().timeIntervalSince(start)
    let merged = ClangIndexer.merge(result.units)
    let symbols = merged.flatMap(\.symbols)
    let calls = merged.flatMap(\.calls)
    let definitions = symbols.filter { $0.kind.isCallable }
    print("""
        vLLM 0.6.2 C++/CUDA: \(files.count) files, \(result.units.count) TUs in \(String(format: "%.1f", seconds)) s; \
        \(definitions.count) function definitions, \(symbols.filter { $0.kind == .kernel }.count) kernels, \
        \(symbols.filter { $0.kind == .deviceFunction }.count) device functions; \
        calls \(calls.filter { $0.kind == .call || $0.kind == .macro }.count) \
        (resolved \(calls.filter { ($0.kind == .call || $0.kind == .macro) && !$0.targetUSR.isEmpty }.count)), \
        launches \(calls.filter { $0.kind == .launch }.count), references \(calls.filter { $0.kind == .reference }.count), \
        registrations \(merged.flatMap(\.registrations).count); \
        TUs with errors \(result.units.filter { $0.diagnostics.contains { $0.severity >= .error } }.count), failed \(result.failedUnits.count)
        """)
    return (indexer, files, result, merged)
}()

final class VLLM062Tests: XCTestCase {
    private func release() throws -> (indexer: ClangIndexer, files: [RepoPath], result: ClangIndexResult, merged: [FileIndex]) {
        guard let r = release062 else {
            XCTFail("vLLM 0.6.2 is not available (MARGINALIA_VLLM_0_6_2 unset and scripts/fetch-vllm failed)")
            throw XCTSkip("no release")
        }
        return r
    }

    func testKernelsAndDeviceFunctions() throws {
        let merged = try release().merged
        let symbols = merged.flatMap(\.symbols)
        func kinds(_ name: String) -> Set<SymbolKind> { Set(symbols.filter { $0.qualifiedName == name }.map(\.kind)) }
        XCTAssertEqual(kinds("vllm::paged_attention_v1_kernel"), [.kernel])
        XCTAssertEqual(kinds("vllm::paged_attention_v2_kernel"), [.kernel])
        XCTAssertEqual(kinds("vllm::paged_attention_v2_reduce_kernel"), [.kernel])
        XCTAssertEqual(kinds("vllm::paged_attention_kernel"), [.deviceFunction])
        XCTAssertEqual(kinds("vllm::reshape_and_cache_kernel"), [.kernel])

        let v1 = try XCTUnwrap(symbols.first { $0.qualifiedName == "vllm::paged_attention_v1_kernel" })
        XCTAssertEqual(v1.file, "csrc/attention/attention_kernels.cu")
        XCTAssertTrue(v1.attributes.contains("__global__"))
        XCTAssertTrue(v1.attributes.contains("template"))
        XCTAssertTrue(v1.signature.hasPrefix("template <typename scalar_t, typename cache_t, int HEAD_SIZE, int BLOCK_SIZE,"),
                      v1.signature)
        let inner = try XCTUnwrap(symbols.first { $0.qualifiedName == "vllm::paged_attention_kernel" })
        XCTAssertTrue(inner.attributes.contains { $0.hasPrefix("shared: float red_smem[") }, "\(inner.attributes)")

        // The launcher is a template in the global namespace (outside `namespace vllm`).
        let launcher = try XCTUnwrap(symbols.first { $0.qualifiedName == "paged_attention_v1_launcher" })
        XCTAssertEqual(launcher.kind, .function)
        XCTAssertTrue(launcher.attributes.contains("template"))
        XCTAssertEqual(launcher.file, "csrc/attention/attention_kernels.cu")
    }

    func testLaunchesThroughMacros() throws {
        let calls = try release().merged.flatMap(\.calls)
        let v1 = calls.filter { $0.kind == .launch && $0.targetName == "vllm::paged_attention_v1_kernel" }
        XCTAssertFalse(v1.isEmpty)
        for launch in v1 {
            XCTAssertEqual(launch.caller, "paged_attention_v1_launcher")
            XCTAssertEqual(launch.viaMacro, "LAUNCH_PAGED_ATTENTION_V1")
            XCTAssertEqual(launch.launchConfig, "grid, block, shared_mem_size, stream")
            XCTAssertEqual(launch.file, "csrc/attention/attention_kernels.cu")
        }
        // One launch per head size case, each on the line of its LAUNCH_PAGED_ATTENTION_V1(...).
        XCTAssertEqual(Set(v1.map(\.range.start.line)).count, 8)
        let reduce = calls.filter { $0.kind == .launch && $0.targetName == "vllm::paged_attention_v2_reduce_kernel" }
        XCTAssertFalse(reduce.isEmpty)
        XCTAssertTrue(reduce.allSatisfy { $0.caller == "paged_attention_v2_launcher" && $0.viaMacro == "LAUNCH_PAGED_ATTENTION_V2" })
        XCTAssertTrue(reduce.allSatisfy { $0.launchConfig == "reduce_grid, block, reduce_shared_mem_size, stream" })

        let reshape = calls.filter { $0.kind == .launch && $0.targetName == "vllm::reshape_and_cache_kernel" }
        XCTAssertEqual(reshape.count, 1)
        XCTAssertEqual(reshape.first?.caller, "reshape_and_cache")
        XCTAssertEqual(reshape.first?.file, "csrc/cache_kernels.cu")
        XCTAssertEqual(reshape.first?.launchConfig, "grid, block, 0, stream")

        // The launchers are called from the dispatching op through the CALL_V1_LAUNCHER macros.
        let toLauncher = calls.filter { $0.targetName == "paged_attention_v1_launcher" }
        XCTAssertFalse(toLauncher.isEmpty)
        XCTAssertTrue(toLauncher.allSatisfy { $0.caller == "paged_attention_v1" && !$0.viaMacro.isEmpty })
    }

    func testRegistrations() throws {
        let (_, _, _, merged) = try release()
        let registrations = merged.flatMap(\.registrations)
        let impl = registrations.filter { $0.opName == "paged_attention_v1" && $0.kind == .impl && $0.file == "csrc/torch_bindings.cpp" }
        XCTAssertEqual(impl.count, 1)
        let r = try XCTUnwrap(impl.first)
        XCTAssertEqual(r.namespace, "_C")
        XCTAssertEqual(r.namespaceExpression, "TORCH_EXTENSION_NAME")
        XCTAssertEqual(r.dispatchKey, "CUDA")
        XCTAssertEqual(r.target, "paged_attention_v1")
        // The target's USR is the USR of the definition in attention_kernels.cu.
        let definition = merged.flatMap(\.symbols).filter {
            $0.qualifiedName == "paged_attention_v1" && $0.file == "csrc/attention/attention_kernels.cu"
        }
        XCTAssertEqual(definition.map(\.usr), [r.targetUSR])
        let def = registrations.first { $0.opName == "paged_attention_v1" && $0.kind == .def && $0.file == "csrc/torch_bindings.cpp" }
        XCTAssertTrue(def?.schema.hasPrefix("paged_attention_v1(    Tensor! out, Tensor query") ?? false, def?.schema ?? "none")
        let cache = registrations.first { $0.opName == "reshape_and_cache" && $0.kind == .impl && $0.file == "csrc/torch_bindings.cpp" }
        XCTAssertEqual(cache?.namespace, "_C_cache_ops")
        XCTAssertEqual(cache?.namespaceExpression, "CONCAT(TORCH_EXTENSION_NAME, _cache_ops)")
    }

    /// Differential: every function definition libclang itself reports (an independent plain walk)
    /// is in the index, by file, line and USR.
    func testEveryDefinitionLibclangReportsIsIndexed() throws {
        let (indexer, files, _, merged) = try release()
        let oracle = indexer.oracleDefinitions(files: files)
        XCTAssertGreaterThan(oracle.count, 1000)
        var indexed = Set<OracleDefinition>()
        for s in merged.flatMap(\.symbols) where s.kind.isCallable {
            indexed.insert(OracleDefinition(file: s.file, line: s.nameRange?.start.line ?? s.range.start.line, usr: s.usr))
        }
        let missing = oracle.subtracting(indexed).sorted { ($0.file, $0.line) < ($1.file, $1.line) }
        XCTAssertEqual(missing.count, 0, "missing: \(missing.prefix(20))")
    }
}
