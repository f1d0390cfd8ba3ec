import CallGraph
import ClangIndexer
import Foundation
import IndexModel
import XCTest

/// Figures for resolution on the whole of vLLM 0.6.2 (every C++/CUDA unit indexed): index and resolve
/// times, edges, unresolved call sites by reason. Several minutes on two cores: runs when
/// MARGINALIA_CALLGRAPH_PROBE=1.
final class BenchmarkTests: XCTestCase {
    func testWholeCheckoutFigures() throws {
        guard ProcessInfo.processInfo.environment["MARGINALIA_CALLGRAPH_PROBE"] == "1" else {
            throw XCTSkip("set MARGINALIA_CALLGRAPH_PROBE=1 to index the whole of vLLM 0.6.2")
        }
        let root = try vllmRelease("0.6.2")
        var t = Date()
        let py = try indexPython(root: root, skipping: ["tests/", "benchmarks/", "examples/", "docs/"])
        let pyTime = Date().timeIntervalSince(t)
        t = Date()
        let clang = ClangIndexer(checkoutRoot: root)
        let units = clang.sourceFiles().filter { $0.rawValue.hasPrefix("csrc/") && ["cu", "cpp", "cc"].contains(($0.rawValue as NSString).pathExtension) }
        let cpp = clang.index(files: units).merged
        let cppTime = Date().timeIntervalSince(t)
        t = Date()
        let input = GraphInput(files: py + cpp, macros: NamespaceMacros.derive(buildFiles: buildFiles(root: root)))
        let inputTime = Date().timeIntervalSince(t)
        t = Date()
        let g = resolve(input)
        let resolveTime = Date().timeIntervalSince(t)
        print(String(format: "python index %.2f s, C++ index %.2f s (%d units), graph input %.2f s, resolve %.2f s",
                     pyTime, cppTime, units.count, inputTime, resolveTime))
        print(g.summary())
        var cppReasons: [UnresolvedReason: Int] = [:]
        for u in g.unresolved where !u.file.rawValue.hasSuffix(".py") { cppReasons[u.reason, default: 0] += 1 }
        print("C++ unresolved: \(cppReasons.map { "\($0.key.rawValue) \($0.value)" }.sorted())")
        var names: [String: Int] = [:]
        for u in g.unresolved where !u.file.rawValue.hasSuffix(".py") { names[u.callee, default: 0] += 1 }
        print("most frequent unresolved C++ callees: \(names.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(12).map { "\($0.key) \($0.value)" })")
        let store = InMemoryEdgeStore(edges: g.edges)
        let r = paths(from: "vllm.entrypoints.llm.LLM.generate", to: "vllm::paged_attention_v1_kernel", in: store, maxDepth: 20, maxPaths: 1)
        let source = SourceCache(root: root)
        print(GraphFormat.text(r, source: { source.line($0, $1) }))
        XCTAssertFalse(r.paths.isEmpty)
    }
}
