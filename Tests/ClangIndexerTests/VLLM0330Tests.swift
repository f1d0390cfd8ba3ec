import Foundation
import IndexModel
import XCTest

@testable import ClangIndexer

/// vLLM 0.33.0's registrations use the stable ABI (`STABLE_TORCH_LIBRARY_FRAGMENT(_C, ops)`,
/// `STABLE_TORCH_LIBRARY_IMPL(_C, CUDA, ops)`, `TORCH_BOX(&fn)`) and keep many ops in inactive
/// branches. Only csrc/torch_bindings.cpp is indexed (a subset run), which keeps this quick.
final class VLLM0330Tests: XCTestCase {
    func testStableRegistrationsAndSkippedBranches() throws {
        let root = try VLLMRelease.path("0.33.0")
        let indexer = ClangIndexer(checkoutRoot: root)
        let result = indexer.index(files: ["csrc/torch_bindings.cpp"])
        XCTAssertEqual(result.units.map(\.path), ["csrc/torch_bindings.cpp"])
        let registrations = result.units.flatMap(\.registrations).filter { $0.file == "csrc/torch_bindings.cpp" }

        let def = try XCTUnwrap(registrations.first { $0.opName == "cutlass_scaled_mm" && $0.kind == .def })
        XCTAssertEqual(def.namespace, "_C")
        XCTAssertEqual(def.namespaceExpression, "_C")
        XCTAssertEqual(def.condition, "!defined(USE_ROCM)")
        XCTAssertEqual(def.scope, "STABLE_TORCH_LIBRARY_FRAGMENT(_C)")
        XCTAssertTrue(def.schema.hasPrefix("cutlass_scaled_mm(Tensor! out, Tensor a,"), def.schema)

        let impl = try XCTUnwrap(registrations.first { $0.opName == "cutlass_scaled_mm" && $0.kind == .impl })
        XCTAssertEqual(impl.dispatchKey, "CUDA")
        XCTAssertEqual(impl.target, "cutlass_scaled_mm")
        XCTAssertFalse(impl.targetUSR.isEmpty)
        XCTAssertEqual(impl.scope, "STABLE_TORCH_LIBRARY_IMPL(_C, CUDA)")

        // Registered only under a macro the build does not define: found in the skipped range.
        let skipped = try XCTUnwrap(registrations.first { $0.opName == "fused_kda_decode" && $0.kind == .def })
        XCTAssertEqual(skipped.condition, "defined(VLLM_ENABLE_FUSED_KDA_DECODE)")
        XCTAssertEqual(skipped.targetUSR, "")
        XCTAssertTrue(skipped.schema.hasPrefix("fused_kda_decode("), skipped.schema)

        // Every def's op name is a plain identifier.
        for r in registrations {
            XCTAssertTrue(r.opName.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }, r.opName)
        }
    }
}
