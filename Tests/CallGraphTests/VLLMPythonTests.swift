import CallGraph
import Foundation
import IndexModel
import XCTest

/// Resolution on the real vLLM 0.6.2 Python sources (C++ joins when the Clang index is available).
final class VLLMPythonTests: XCTestCase {
    nonisolated(unsafe) static var cached: (ResolvedGraph, SourceCache, GraphInput)? = nil

    static func graph() throws -> (ResolvedGraph, SourceCache, GraphInput) {
        if let c = cached { return c }
        let root = try vllmRelease("0.6.2")
        let (input, source) = try pythonGraphInput(root: root, skipping: ["tests/", "benchmarks/", "examples/", "docs/"])
        let start = Date()
        let g = resolve(input)
        let elapsed = Date().timeIntervalSince(start)
        print("resolve: \(String(format: "%.2f", elapsed)) s\n" + g.summary())
        if let dump = ProcessInfo.processInfo.environment["CALLGRAPH_DUMP"] {
            try GraphFormat.jsonLines(g.edges).write(toFile: dump + "/edges.jsonl", atomically: true, encoding: .utf8)
            let u = g.unresolved.map { "\($0.reason.rawValue)\t\($0.file):\($0.line)\t\($0.caller)\t\($0.callee)" }.joined(separator: "\n")
            try u.write(toFile: dump + "/unresolved.tsv", atomically: true, encoding: .utf8)
        }
        cached = (g, source, input)
        return (g, source, input)
    }

    func testPythonChainFromGenerateToPagedAttentionOp() throws {
        let (g, source, _) = try Self.graph()
        let store = InMemoryEdgeStore(edges: g.edges)
        let r = paths(from: "vllm.entrypoints.llm.LLM.generate", to: "torch.ops._C.paged_attention_v1", in: store,
                      maxDepth: 20, maxPaths: 1)
        print(GraphFormat.text(r, source: { source.line($0, $1) }))
        XCTAssertFalse(r.paths.isEmpty)
    }
}
