import XCTest
@testable import PagedAttention

/// bfloat16 storage: the rounding against an independent nearest-even oracle, both bulk conversions,
/// the widening, and attention with a bfloat16 cache against the naive float64 attention.
final class BFloat16Tests: XCTestCase {
    /// The value of a bfloat16 bit pattern as a Double, decoded field by field (no shifts into a
    /// Float); exponent 255 counts as 2^128 so that "overflow rounds to infinity" falls out of the
    /// distance comparison.
    static func oracleValue(_ bits: UInt16) -> Double {
        let sign: Double = bits & 0x8000 != 0 ? -1 : 1
        let e = Int((bits >> 7) & 0xff), m = Double(bits & 0x7f)
        if e == 0 { return sign * m * pow(2, -133) }          // subnormal: m * 2^-126 / 128
        return sign * (1 + m / 128) * pow(2, Double(e - 127))  // e == 255 gives 2^128 * (1 + m/128)
    }

    /// Nearest of the two bfloat16 patterns around x (truncated and the next one up in magnitude),
    /// ties to the even pattern.
    static func oracleRound(_ x: Float) -> UInt16 {
        let lo = UInt16(x.bitPattern >> 16), hi = lo + 1
        let dl = abs(Double(x) - oracleValue(lo)), dh = abs(Double(x) - oracleValue(hi))
        if dl != dh { return dl < dh ? lo : hi }
        return lo & 1 == 0 ? lo : hi
    }

    func samples() -> [Float] {
        var rng = SplitMix64(seed: 77)
        var xs: [Float] = [0, -0, 1, -1, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity,
                           .leastNormalMagnitude, .leastNonzeroMagnitude, 65504, 3.0e38, 3.4e38]
        // Exact ties (low half 0x8000) with odd and even upper halves, and their neighbours.
        for upper: UInt32 in [0x3f80, 0x3f81, 0x4049, 0x7f7f, 0x0001, 0x8000 | 0x3f81] {
            for low: UInt32 in [0x7fff, 0x8000, 0x8001] { xs.append(Float(bitPattern: upper << 16 | low)) }
        }
        for _ in 0..<20_000 {
            let x = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            if x.isFinite { xs.append(x) }
        }
        for _ in 0..<5_000 { xs.append(rng.nextSignedUnit() * 4) }
        return xs
    }

    func testScalarRoundingIsNearestEven() {
        for x in samples() {
            XCTAssertEqual(BFloat16(x).bitPattern, Self.oracleRound(x), "x = \(x) bits \(String(x.bitPattern, radix: 16))")
        }
        XCTAssertTrue(BFloat16(Float.nan).float.isNaN)
        XCTAssertTrue(BFloat16(Float(bitPattern: 0x7f80_0001)).float.isNaN, "a NaN whose payload sits in the low half stays NaN")
        XCTAssertEqual(BFloat16(3.4e38).float, .infinity)
    }

    func testWideningIsExactForAllBitPatterns() {
        var bits = [UInt16](repeating: 0, count: 8)
        for b in UInt16.min...UInt16.max {
            let v = BFloat16(bitPattern: b)
            bits[Int(b % 8)] = b
            XCTAssertEqual(v.float.bitPattern, UInt32(b) << 16)
            if b % 8 == 7 {
                let w = widenBFloat16(SIMD8(bits))
                for i in 0..<8 { XCTAssertEqual(w[i].bitPattern, UInt32(bits[i]) << 16) }
            }
            if !v.float.isNaN { XCTAssertEqual(BFloat16(v.float), v, "round trip \(b)") }
        }
    }

    /// The bulk conversion on both paths gives the scalar rounding's bits, except that vcvtneps2bf16
    /// flushes subnormal inputs to a signed zero (it ignores MXCSR): checked as such.
    func testBulkConversionPathsAgree() throws {
        let xs = samples() + [Float(bitPattern: 0x0000_8000), Float(bitPattern: 0x8001_0000), .nan]
        for conversion in [BFloat16Conversion.portable, .avx512bf16] where conversion.isAvailable {
            for count in [xs.count, 1, 15, 17] {
                var out = [BFloat16](repeating: BFloat16(bitPattern: 0xdead), count: count + 1)
                BFloat16.round(xs, into: &out, count: count, conversion: conversion)
                for i in 0..<count {
                    let x = xs[i], want = BFloat16(x)
                    if x.isNaN { XCTAssertTrue(out[i].float.isNaN); continue }
                    if conversion == .avx512bf16 && x.isSubnormal {
                        XCTAssertEqual(out[i].bitPattern & 0x7fff, 0, "subnormal \(x) flushed")
                        continue
                    }
                    XCTAssertEqual(out[i], want, "\(conversion) x = \(x)")
                }
                XCTAssertEqual(out[count].bitPattern, 0xdead, "\(conversion) wrote past count \(count)")
            }
        }
        if !BFloat16Conversion.avx512bf16.isAvailable { print("note: this CPU lacks AVX512_BF16; only the portable conversion ran") }
    }

    /// Attention over a bfloat16 cache (block sizes 8...128, both kernel paths, v1 and v2) against the
    /// naive float64 attention: on the bfloat16-rounded inputs only Float accumulation error remains;
    /// on the unrounded inputs the error is bounded by bfloat16's rounding (8 significant bits: each
    /// K/V element off by at most 2^-9 relative, values in [-1, 1)).
    func testBFloat16AttentionMatchesFloat64Reference() {
        for seed: UInt64 in 1...10 {
            let c = AttentionCase(seed: seed &+ 900, blockSizes: [8, 16, 32, 64, 128])
            let cache = c.makeCache(BFloat16.self)
            let what = "seed \(seed) heads \(c.numHeads)/\(c.numKVHeads) hs \(c.headSize) bs \(c.blockSize) lens \(c.seqLens)"
            let rounded = c.reference { BFloat16($0).float }, exact = c.reference()
            for path in [KernelPath.portable, .avx2F16C] where path.isAvailable {
                let v1 = PagedAttention.decodeV1(c.batch, cache: cache, kernels: path)
                let v2 = PagedAttention.decodeV2(c.batch, cache: cache, partitionSize: 256, kernels: path)
                assertClose(v1, rounded, atol: 1e-5, rtol: 1e-5, "bf16 v1 rounded \(path) " + what)
                assertClose(v2, rounded, atol: 1e-5, rtol: 1e-5, "bf16 v2 rounded \(path) " + what)
                assertClose(v1, exact, atol: 1.6e-2, rtol: 1.6e-2, "bf16 v1 exact \(path) " + what)
            }
            // The cache holds exactly the rounded inputs.
            let slot = c.slot(seq: 0, token: c.seqLens[0] - 1)
            XCTAssertEqual(cache.key(slot: slot, head: 0), c.keys[0][c.seqLens[0] - 1][0..<c.headSize].map { BFloat16($0).float })
        }
    }

    /// The bulk fill (parallel, run-time conversion) writes what reshapeAndCache writes.
    func testFillMatchesReshapeAndCache() {
        let shape = KVCacheShape(numBlocks: 3, numKVHeads: 2, headSize: 64, blockSize: 128)
        let a = PagedKVCache<BFloat16>(shape: shape), b = PagedKVCache<BFloat16>(shape: shape)
        let f: @Sendable (Int, Int, Int, Int, Int) -> Float = { kind, blk, h, d, o in
            Float(kind * 7 + blk * 131 + h * 17 + d * 3 + o) * 0.001 - 1
        }
        a.fill(key: { f(0, $0, $1, $2, $3) }, value: { f(1, $0, $1, $2, $3) })
        for blk in 0..<3 {
            for o in 0..<128 {
                var k: [Float] = [], v: [Float] = []
                for h in 0..<2 { for d in 0..<64 { k.append(f(0, blk, h, d, o)); v.append(f(1, blk, h, d, o)) } }
                b.reshapeAndCache(key: k, value: v, slotMapping: [blk * 128 + o])
            }
        }
        for blk in 0..<3 { XCTAssertEqual(a.blockContents(blk), b.blockContents(blk)) }
    }

    /// The SIMD loops of all three storage types at the block sizes vLLM's CPU backend uses
    /// (the value pass's general multiple-of-32 case included) against scalar sums.
    func testLoopsAtLargeBlockSizes() {
        func check<E: KVCacheElement>(_: E.Type) {
            for (hs, bs) in [(64, 64), (128, 128), (80, 128)] {
                var rng = SplitMix64(seed: UInt64(hs * bs + 1))
                let v = (0..<(hs * bs)).map { _ in E(rounding: rng.nextSignedUnit()) }
                let probs = (0..<bs).map { _ in rng.nextSignedUnit() }
                let query = (0..<hs).map { _ in rng.nextSignedUnit() }
                var expected = [Float](repeating: 0.5, count: hs * 8)
                for d in 0..<hs { for t in 0..<bs { expected[d * 8 + t % 8] += probs[t] * v[d * bs + t].widened } }
                let cache = PagedKVCache<E>(shape: KVCacheShape(numBlocks: 1, numKVHeads: 1, headSize: hs, blockSize: bs))
                let rows = (0..<bs).map { _ in (0..<hs).map { _ in rng.nextSignedUnit() } }
                cache.reshapeAndCache(key: rows.flatMap { $0 }, value: rows.flatMap { $0 }, slotMapping: Array(0..<bs))
                for path in [KernelPath.portable, .avx2F16C] where path.isAvailable {
                    var partial = [Float](repeating: 0.5, count: hs * 8)
                    E.accumulateFullValueBlock(probs: probs, values: v, headSize: hs, blockSize: bs, partial: &partial, kernels: path)
                    assertClose(partial, expected, atol: 1e-4, rtol: 1e-5, "\(E.storageName) \(path) value hs \(hs) bs \(bs)")
                    for tokens in [1, 9, bs - 1, bs] {
                        let want = (0..<tokens).map { t in zip(query, cache.key(slot: t, head: 0)).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
                        var logits = [Float](repeating: -7, count: bs)
                        query.withUnsafeBufferPointer { q in
                            logits.withUnsafeMutableBufferPointer { l in
                                E.dotKeysInBlock(query: q.baseAddress!, keys: cache.keys, headSize: hs, blockSize: bs,
                                                 tokens: tokens, logits: l.baseAddress!, kernels: path)
                            }
                        }
                        assertClose(Array(logits[..<tokens]), want, atol: 1e-4, rtol: 1e-5, "\(E.storageName) \(path) keys bs \(bs) tokens \(tokens)")
                        XCTAssertEqual(Array(logits[tokens...]), [Float](repeating: -7, count: bs - tokens))
                    }
                }
            }
        }
        check(Float.self)
        check(Float16.self)
        check(BFloat16.self)
    }
}
