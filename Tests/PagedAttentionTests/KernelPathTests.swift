import XCTest
@testable import PagedAttention

/// The AVX2 + F16C + FMA loops (CPagedKernels) against the portable Swift loops and the naive
/// reference: both paths are forced explicitly, so neither hides behind `KernelPath.best`.
final class KernelPathTests: XCTestCase {
    /// The fast path, or a skip naming why (a CPU without AVX2/F16C/FMA runs only the portable path).
    func fastPath() throws -> KernelPath {
        try XCTSkipUnless(KernelPath.avx2F16C.isAvailable, "this CPU lacks AVX2, F16C or FMA")
        return .avx2F16C
    }

    func testPortableIsAlwaysAvailableAndBestIsTheFastPathWhereSupported() {
        XCTAssertTrue(KernelPath.portable.isAvailable)
        XCTAssertEqual(KernelPath.best == .avx2F16C, KernelPath.avx2F16C.isAvailable)
    }

    func testBothPathsMatchNaiveAttentionAndEachOther() throws {
        let fast = try fastPath()
        for seed: UInt64 in 1...8 {
            let c = AttentionCase(seed: seed &+ 500)
            let what = "seed \(seed) heads \(c.numHeads)/\(c.numKVHeads) hs \(c.headSize) bs \(c.blockSize) lens \(c.seqLens)"
            let f32 = c.makeCache(Float.self), f16 = c.makeCache(Float16.self)
            let exact = c.reference(), rounded = c.reference { Float(Float16($0)) }
            for path in [KernelPath.portable, fast] {
                assertClose(PagedAttention.decodeV1(c.batch, cache: f32, kernels: path), exact, atol: 1e-5, rtol: 1e-5,
                            "f32 v1 \(path) " + what)
                assertClose(PagedAttention.decodeV2(c.batch, cache: f32, partitionSize: 64, kernels: path), exact,
                            atol: 1e-5, rtol: 1e-5, "f32 v2 \(path) " + what)
                assertClose(PagedAttention.decodeV1(c.batch, cache: f16, kvHeadsPerWorkItem: c.numKVHeads, kernels: path),
                            rounded, atol: 1e-5, rtol: 1e-5, "f16 v1 \(path) " + what)
                assertClose(PagedAttention.decodeV2(c.batch, cache: f16, partitionSize: 128, kernels: path), rounded,
                            atol: 1e-5, rtol: 1e-5, "f16 v2 \(path) " + what)
            }
            assertClose(PagedAttention.decodeV1(c.batch, cache: f16, kernels: fast),
                        PagedAttention.decodeV1(c.batch, cache: f16, kernels: .portable), atol: 1e-6, rtol: 1e-5,
                        "f16 fast vs portable " + what)
        }
    }

    /// q·k over one block for every token count 1...blockSize (the fast loop runs eight tokens at a
    /// time and must write exactly `tokens` logits), unused slots NaN.
    func testDotKeysInBlockAllTokenCounts() throws {
        let fast = try fastPath()
        func check<E: KVCacheElement>(_: E.Type) {
            for (hs, bs) in [(64, 8), (80, 16), (128, 16), (120, 32), (256, 32)] {
                var rng = SplitMix64(seed: UInt64(hs * bs))
                let cache = PagedKVCache<E>(shape: KVCacheShape(numBlocks: 1, numKVHeads: 1, headSize: hs, blockSize: bs))
                cache.fill(with: .nan)
                let query = (0..<hs).map { _ in rng.nextSignedUnit() }
                for tokens in 1...bs {
                    let rows = (0..<tokens).map { _ in (0..<hs).map { _ in rng.nextSignedUnit() } }
                    cache.fill(with: .nan)
                    cache.reshapeAndCache(key: rows.flatMap { $0 }, value: rows.flatMap { $0 }, slotMapping: Array(0..<tokens))
                    let expected = (0..<tokens).map { t in
                        zip(query, cache.key(slot: t, head: 0)).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                    }
                    for path in [KernelPath.portable, fast] {
                        var logits = [Float](repeating: -7, count: bs)
                        query.withUnsafeBufferPointer { q in
                            logits.withUnsafeMutableBufferPointer { l in
                                E.dotKeysInBlock(query: q.baseAddress!, keys: cache.keys, headSize: hs, blockSize: bs,
                                                 tokens: tokens, logits: l.baseAddress!, kernels: path)
                            }
                        }
                        let what = "\(E.storageName) \(path) hs \(hs) bs \(bs) tokens \(tokens)"
                        assertClose(Array(logits[..<tokens]), expected, atol: 1e-5, rtol: 1e-5, what)
                        XCTAssertEqual(Array(logits[tokens...]), [Float](repeating: -7, count: bs - tokens), what)
                    }
                }
            }
        }
        check(Float.self)
        check(Float16.self)
    }

    /// The value pass of a full block and the contiguous-row loops, on both paths, against scalar sums.
    func testValueAndRowLoopsMatchScalarSums() throws {
        let fast = try fastPath()
        func check<E: KVCacheElement>(_: E.Type) {
            for (hs, bs) in [(64, 8), (96, 16), (128, 32)] {
                var rng = SplitMix64(seed: UInt64(hs + bs))
                let v = (0..<(hs * bs)).map { _ in E(rounding: rng.nextSignedUnit()) }
                let probs = (0..<bs).map { _ in rng.nextSignedUnit() }
                let start = (0..<(hs * 8)).map { _ in rng.nextSignedUnit() }
                // partial[d * 8 + t % 8] += probs[t] * v[d * bs + t]
                var expected = start
                for d in 0..<hs { for t in 0..<bs { expected[d * 8 + t % 8] += probs[t] * v[d * bs + t].widened } }
                for path in [KernelPath.portable, fast] {
                    var partial = start
                    E.accumulateFullValueBlock(probs: probs, values: v, headSize: hs, blockSize: bs, partial: &partial,
                                               kernels: path)
                    assertClose(partial, expected, atol: 1e-5, rtol: 1e-5, "\(E.storageName) \(path) value block hs \(hs) bs \(bs)")
                }
                // Rows: tokens not a multiple of four exercise the single-row tail.
                for tokens in [1, 3, 4, 7, 13] {
                    let rows = (0..<(tokens * hs)).map { _ in E(rounding: rng.nextSignedUnit()) }
                    let q = (0..<hs).map { _ in rng.nextSignedUnit() }
                    let p = (0..<tokens).map { _ in rng.nextSignedUnit() }
                    let dots = (0..<tokens).map { t in (0..<hs).reduce(Float(0)) { $0 + q[$1] * rows[t * hs + $1].widened } }
                    let sums = (0..<hs).map { d in (0..<tokens).reduce(Float(1)) { $0 + p[$1] * rows[$1 * hs + d].widened } }
                    for path in [KernelPath.portable, fast] {
                        var logits = [Float](repeating: 0, count: tokens)
                        E.dotRows(query: q, rows: rows, tokens: tokens, headSize: hs, logits: &logits, kernels: path)
                        var acc = [Float](repeating: 1, count: hs)
                        E.accumulateRows(probs: p, rows: rows, tokens: tokens, headSize: hs, acc: &acc, kernels: path)
                        let what = "\(E.storageName) \(path) rows hs \(hs) tokens \(tokens)"
                        assertClose(logits, dots, atol: 1e-5, rtol: 1e-5, "dot " + what)
                        assertClose(acc, sums, atol: 1e-5, rtol: 1e-5, "acc " + what)
                    }
                }
            }
        }
        check(Float.self)
        check(Float16.self)
    }
}
