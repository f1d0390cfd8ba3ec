import XCTest
@testable import PagedAttention

/// A random decode problem: contiguous source K/V per sequence plus the same data scattered into a
/// paged cache through random block tables.
struct AttentionCase {
    var numSeqs: Int, numHeads: Int, numKVHeads: Int, headSize: Int, blockSize: Int
    var seqLens: [Int]
    var query: [Float]
    var keys: [[[Float]]]    // [seq][token][kvHead * headSize]
    var values: [[[Float]]]
    var blockTables: [[Int32]]
    var numBlocks: Int
    var alibi: [Float]?
    var scale: Float

    static let headSizes = [64, 80, 96, 112, 120, 128, 192, 256]

    init(seed: UInt64, maxContext: Int = 700, blockSizes: [Int] = [8, 16, 32]) {
        var rng = SplitMix64(seed: seed)
        let kvHeads = [1, 2, 3].randomElement(using: &rng)!
        let heads = kvHeads * [1, 2, 4].randomElement(using: &rng)!   // MHA, GQA and MQA (kvHeads == 1)
        let hs = Self.headSizes.randomElement(using: &rng)!
        let bs = blockSizes.randomElement(using: &rng)!
        let n = Int.random(in: 1...3, using: &rng)
        let lens = (0..<n).map { _ in Int.random(in: 1...maxContext, using: &rng) }
        let needed = lens.map { ($0 + bs - 1) / bs }
        let total = needed.reduce(0, +) + Int.random(in: 0...5, using: &rng)
        var physical = Array(0..<total).shuffled(using: &rng)
        var tables: [[Int32]] = []
        for count in needed {
            tables.append(physical.prefix(count).map { Int32($0) })
            physical.removeFirst(count)
        }
        let width = kvHeads * hs
        func matrix(_ len: Int) -> [[Float]] {
            (0..<len).map { _ in (0..<width).map { _ in rng.nextSignedUnit() } }
        }
        var ks: [[[Float]]] = [], vs: [[[Float]]] = []
        for len in lens { ks.append(matrix(len)); vs.append(matrix(len)) }
        query = (0..<(n * heads * hs)).map { _ in rng.nextSignedUnit() }
        alibi = Bool.random(using: &rng) ? (0..<heads).map { _ in Float.random(in: 0.01...0.5, using: &rng) } : nil
        numKVHeads = kvHeads; numHeads = heads; headSize = hs; blockSize = bs; numSeqs = n; seqLens = lens
        numBlocks = total; blockTables = tables; keys = ks; values = vs
        scale = 1 / Float(headSize).squareRoot()
    }

    var batch: DecodeBatch {
        DecodeBatch(numHeads: numHeads, query: query, blockTables: blockTables, seqLens: seqLens, scale: scale,
                    alibiSlopes: alibi)
    }

    func slot(seq: Int, token: Int) -> Int {
        Int(blockTables[seq][token / blockSize]) * blockSize + token % blockSize
    }

    /// Builds the paged cache, unused slots set to NaN so any read of them would poison the output.
    func makeCache<E: KVCacheElement>(_: E.Type) -> PagedKVCache<E> {
        let cache = PagedKVCache<E>(shape: KVCacheShape(numBlocks: numBlocks, numKVHeads: numKVHeads,
                                                        headSize: headSize, blockSize: blockSize))
        cache.fill(with: .nan)
        for s in 0..<numSeqs {
            cache.reshapeAndCache(key: keys[s].flatMap { $0 }, value: values[s].flatMap { $0 },
                                  slotMapping: (0..<seqLens[s]).map { slot(seq: s, token: $0) })
        }
        return cache
    }

    /// The naive reference, optionally on K/V rounded through a storage type first.
    func reference(round: (Float) -> Float = { $0 }) -> [Float] {
        var out: [Float] = []
        for s in 0..<numSeqs {
            for h in 0..<numHeads {
                let kv = h / (numHeads / numKVHeads)
                let span = (kv * headSize)..<((kv + 1) * headSize)
                let q = Array(query[((s * numHeads + h) * headSize)..<((s * numHeads + h + 1) * headSize)])
                out += ReferenceAttention.singleQuery(
                    query: q, keys: keys[s].map { $0[span].map(round) }, values: values[s].map { $0[span].map(round) },
                    scale: scale, alibiSlope: alibi?[h] ?? 0)
            }
        }
        return out
    }
}

func assertClose(_ a: [Float], _ b: [Float], atol: Float, rtol: Float, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, what, file: file, line: line)
    var worst: Float = 0, worstIndex = -1
    for i in 0..<min(a.count, b.count) {
        let excess = abs(a[i] - b[i]) - (atol + rtol * abs(b[i]))
        if !(excess <= 0) && (worstIndex < 0 || !(excess <= worst)) { worst = excess; worstIndex = i }
    }
    if worstIndex >= 0 {
        XCTFail("\(what): element \(worstIndex) got \(a[worstIndex]) expected \(b[worstIndex])", file: file, line: line)
    }
}

final class AttentionPropertyTests: XCTestCase {
    let seeds: [UInt64] = Array(1...12)

    func testFloatV1AndV2MatchNaiveAttention() {
        for seed in seeds {
            let c = AttentionCase(seed: seed)
            let cache = c.makeCache(Float.self)
            let expected = c.reference()
            let what = "seed \(seed) heads \(c.numHeads)/\(c.numKVHeads) hs \(c.headSize) bs \(c.blockSize) lens \(c.seqLens)"
            assertClose(PagedAttention.decodeV1(c.batch, cache: cache), expected, atol: 1e-5, rtol: 1e-5, "v1 " + what)
            assertClose(PagedAttention.decodeV2(c.batch, cache: cache), expected, atol: 1e-5, rtol: 1e-5, "v2 " + what)
            // Small partitions force many partitions per sequence through the reduce.
            assertClose(PagedAttention.decodeV2(c.batch, cache: cache, partitionSize: 64, parallel: false), expected,
                        atol: 1e-5, rtol: 1e-5, "v2/64 " + what)
            // All KV heads in one work item (the grouping the benchmark shape uses).
            assertClose(PagedAttention.decodeV1(c.batch, cache: cache, kvHeadsPerWorkItem: c.numKVHeads), expected,
                        atol: 1e-5, rtol: 1e-5, "v1 grouped " + what)
            assertClose(PagedAttention.decodeV2(c.batch, cache: cache, partitionSize: 128, kvHeadsPerWorkItem: c.numKVHeads),
                        expected, atol: 1e-5, rtol: 1e-5, "v2/128 grouped " + what)
        }
    }

    func testFloat16StorageMatchesNaiveAttention() {
        for seed in seeds {
            let c = AttentionCase(seed: seed &+ 100)
            let cache = c.makeCache(Float16.self)
            let what = "seed \(seed) heads \(c.numHeads)/\(c.numKVHeads) hs \(c.headSize) bs \(c.blockSize) lens \(c.seqLens)"
            let v1 = PagedAttention.decodeV1(c.batch, cache: cache)
            let v2 = PagedAttention.decodeV2(c.batch, cache: cache, kvHeadsPerWorkItem: c.numKVHeads)
            // Against the unrounded inputs: the storage's rounding error, within 2e-3.
            let exact = c.reference()
            assertClose(v1, exact, atol: 2e-3, rtol: 2e-3, "f16 v1 " + what)
            assertClose(v2, exact, atol: 2e-3, rtol: 2e-3, "f16 v2 " + what)
            // Against the same rounded inputs: only Float accumulation error remains.
            let rounded = c.reference { Float(Float16($0)) }
            assertClose(v1, rounded, atol: 1e-5, rtol: 1e-5, "f16 v1 rounded " + what)
            assertClose(v2, rounded, atol: 1e-5, rtol: 1e-5, "f16 v2 rounded " + what)
        }
    }

    func testContiguousBaselineMatchesNaiveAttention() {
        for seed in seeds.prefix(4) {
            let c = AttentionCase(seed: seed &+ 200, maxContext: 300)
            let maxContext = c.seqLens.max()!
            var k = [Float](repeating: 0, count: c.numSeqs * c.numKVHeads * maxContext * c.headSize)
            var v = k
            for s in 0..<c.numSeqs {
                for t in 0..<c.seqLens[s] {
                    for h in 0..<c.numKVHeads {
                        for d in 0..<c.headSize {
                            let i = ((s * c.numKVHeads + h) * maxContext + t) * c.headSize + d
                            k[i] = c.keys[s][t][h * c.headSize + d]
                            v[i] = c.values[s][t][h * c.headSize + d]
                        }
                    }
                }
            }
            let out = k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    PagedAttention.decodeContiguous(
                        numHeads: c.numHeads, numKVHeads: c.numKVHeads, headSize: c.headSize, query: c.query,
                        keys: kp.baseAddress!, values: vp.baseAddress!, maxContext: maxContext, seqLens: c.seqLens,
                        scale: c.scale, alibiSlopes: c.alibi)
                }
            }
            assertClose(out, c.reference(), atol: 1e-5, rtol: 1e-5, "contiguous seed \(seed)")
        }
    }

    func testReshapeAndCacheReadBackReturnsWhatWasWritten() {
        for seed in seeds {
            let c = AttentionCase(seed: seed &+ 300, maxContext: 100)
            let f32 = c.makeCache(Float.self)
            let f16 = c.makeCache(Float16.self)
            for s in 0..<c.numSeqs {
                for t in 0..<c.seqLens[s] {
                    for h in 0..<c.numKVHeads {
                        let span = (h * c.headSize)..<((h + 1) * c.headSize)
                        let slot = c.slot(seq: s, token: t)
                        XCTAssertEqual(f32.key(slot: slot, head: h), Array(c.keys[s][t][span]))
                        XCTAssertEqual(f32.value(slot: slot, head: h), Array(c.values[s][t][span]))
                        XCTAssertEqual(f16.key(slot: slot, head: h), c.keys[s][t][span].map { Float(Float16($0)) })
                        XCTAssertEqual(f16.value(slot: slot, head: h), c.values[s][t][span].map { Float(Float16($0)) })
                    }
                }
            }
        }
    }

    func testKeyLayoutIsVLLMs() {
        // x = 16 bytes / element: 4 floats or 8 halves side by side, then the next token.
        let shape = KVCacheShape(numBlocks: 2, numKVHeads: 2, headSize: 64, blockSize: 16)
        let c32 = PagedKVCache<Float>(shape: shape), c16 = PagedKVCache<Float16>(shape: shape)
        XCTAssertEqual(c32.x, 4)
        XCTAssertEqual(c16.x, 8)
        // [block][head][dim / x][offset][dim % x]
        XCTAssertEqual(c32.keyIndex(block: 1, head: 1, dim: 9, offset: 3), 1 * 2048 + 1 * 1024 + 2 * 64 + 3 * 4 + 1)
        XCTAssertEqual(c16.keyIndex(block: 1, head: 0, dim: 9, offset: 3), 1 * 2048 + 1 * 128 + 3 * 8 + 1)
        // [block][head][dim][offset]
        XCTAssertEqual(c32.valueIndex(block: 1, head: 1, dim: 9, offset: 3), 2048 + 1024 + 9 * 16 + 3)
        // A negative slot is padding and writes nothing.
        c32.reshapeAndCache(key: [Float](repeating: 1, count: 128), value: [Float](repeating: 1, count: 128), slotMapping: [-1])
        XCTAssertEqual(c32.blockContents(0), [Float](repeating: 0, count: 4096))
    }

    func testHalfWideningIsExactForAllBitPatterns() {
        for bits in UInt16.min...UInt16.max {
            let h = Float16(bitPattern: bits)
            let got = h.widened
            XCTAssertTrue(got.bitPattern == Float(h).bitPattern || (got.isNaN && h.isNaN), "bits \(bits)")
        }
    }
}
