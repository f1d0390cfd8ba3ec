import Foundation
import XCTest
@testable import PagedAttention

/// Cross-checks the Swift kernels against a NumPy port of vLLM's own test reference
/// (`ref_single_query_cached_kv_attention`), fed the very bytes of the paged cache.
final class NumPyOracleTests: XCTestCase {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Oracle/ref_single_query_cached_kv_attention.py")

    func runOracle<E: KVCacheElement>(_ c: AttentionCase, _ cache: PagedKVCache<E>) throws -> [Float] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paged-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let meta: [String: Any] = [
            "dtype": E.storageName, "num_blocks": c.numBlocks, "num_kv_heads": c.numKVHeads, "num_heads": c.numHeads,
            "head_size": c.headSize, "block_size": c.blockSize, "scale": Double(c.scale),
            "alibi_slopes": c.alibi.map { $0.map(Double.init) as Any } ?? NSNull(),
            "seq_lens": c.seqLens, "block_tables": c.blockTables.map { $0.map(Int.init) },
        ]
        try JSONSerialization.data(withJSONObject: meta).write(to: dir.appendingPathComponent("meta.json"))
        let bytes = cache.count * E.byteWidth
        try Data(bytes: cache.keys, count: bytes).write(to: dir.appendingPathComponent("key_cache.bin"))
        try Data(bytes: cache.values, count: bytes).write(to: dir.appendingPathComponent("value_cache.bin"))
        try c.query.withUnsafeBytes { try Data($0).write(to: dir.appendingPathComponent("query.bin")) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script.path, dir.path]
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch {
            XCTFail("python3 could not be started (\(error)); the NumPy cross-check needs python3 with numpy")
            throw error
        }
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            XCTFail("NumPy oracle failed (python3 and numpy are required for this cross-check):\n\(stderr)")
            throw CocoaError(.executableLoad)
        }
        let data = try Data(contentsOf: dir.appendingPathComponent("output.bin"))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    func testKernelsMatchNumPyPortOfVLLMReference() throws {
        // NaN must not be in unused slots here: the oracle reads whole blocks only through valid slots,
        // but keep the cache clean so any disagreement is about arithmetic.
        for seed in UInt64(1)...6 {
            let c = AttentionCase(seed: seed &+ 500, maxContext: 600)
            let f32 = c.makeCache(Float.self)
            f32.fill(with: 0)
            for s in 0..<c.numSeqs {
                f32.reshapeAndCache(key: c.keys[s].flatMap { $0 }, value: c.values[s].flatMap { $0 },
                                    slotMapping: (0..<c.seqLens[s]).map { c.slot(seq: s, token: $0) })
            }
            let expected = try runOracle(c, f32)
            let what = "seed \(seed) heads \(c.numHeads)/\(c.numKVHeads) hs \(c.headSize) bs \(c.blockSize) alibi \(c.alibi != nil)"
            assertClose(PagedAttention.decodeV1(c.batch, cache: f32), expected, atol: 1e-5, rtol: 1e-5, "v1 " + what)
            assertClose(PagedAttention.decodeV2(c.batch, cache: f32), expected, atol: 1e-5, rtol: 1e-5, "v2 " + what)

            let f16 = c.makeCache(Float16.self)
            f16.fill(with: 0)
            for s in 0..<c.numSeqs {
                f16.reshapeAndCache(key: c.keys[s].flatMap { $0 }, value: c.values[s].flatMap { $0 },
                                    slotMapping: (0..<c.seqLens[s]).map { c.slot(seq: s, token: $0) })
            }
            let expected16 = try runOracle(c, f16)
            assertClose(PagedAttention.decodeV1(c.batch, cache: f16), expected16, atol: 1e-5, rtol: 1e-5, "f16 v1 " + what)
            assertClose(PagedAttention.decodeV2(c.batch, cache: f16), expected16, atol: 1e-5, rtol: 1e-5, "f16 v2 " + what)
        }
    }
}
