import IndexModel
import XCTest
@testable import MarginaliaKit

/// The kernel inventory's columns, from index values.
final class SiteBuilderTests: XCTestCase {
    func testTemplateParametersOfASignature() {
        XCTAssertEqual(SiteBuilder.templateParameters(
            "template <typename scalar_t, int HEAD_SIZE, vllm::Fp8KVCacheDataType KV_DTYPE, typename = std::enable_if_t<(N > 0), int>> void k(int)"),
            ["typename scalar_t", "int HEAD_SIZE", "vllm::Fp8KVCacheDataType KV_DTYPE", "typename = std::enable_if_t<(N > 0), int>"])
        XCTAssertEqual(SiteBuilder.templateParameters("void k(int)"), [])
    }

    func testSharedMemoryIncludesTheDeviceFunctionsAKernelWraps() {
        let r = SourceRange(line: 1, column: 1, endLine: 2, endColumn: 1)
        let kernel = Symbol(qualifiedName: "ns::k", name: "k", kind: .kernel, language: .cuda, file: "a.cu", range: r,
                            attributes: ["__global__", "shared: float own[4]"])
        let body = Symbol(qualifiedName: "ns::body", name: "body", kind: .deviceFunction, language: .cuda, file: "a.cu",
                          range: r, attributes: ["__device__", "shared: float red_smem[2 * NUM_WARPS]"])
        let host = Symbol(qualifiedName: "ns::host", name: "host", kind: .function, language: .cuda, file: "a.cu", range: r,
                          attributes: ["shared: not a kernel's"])
        let shared = SiteBuilder.sharedMemory(of: kernel, symbols: ["ns::k": kernel, "ns::body": body, "ns::host": host],
                                              calls: ["ns::k": ["ns::body", "ns::host"], "ns::body": ["ns::k"]])
        XCTAssertEqual(shared, ["float own[4]", "float red_smem[2 * NUM_WARPS]  (in body)"])
    }

    func testCalleeNameInsideACall() {
        let text = Array("    out = self.scheduler[ve].schedule(x)\n".utf8)
        let call = CallSite(caller: "m.f", callee: "self.scheduler[ve].schedule", file: "m.py",
                            range: SourceRange(line: 1, column: 11, endLine: 1, endColumn: 41))
        let ref = SiteBuilder.calleeReference(call, bytes: text, lineStarts: [0], target: "m.S.schedule")
        XCTAssertEqual(ref.map { String(decoding: text[$0.start..<$0.end], as: UTF8.self) }, "schedule")
    }
}
