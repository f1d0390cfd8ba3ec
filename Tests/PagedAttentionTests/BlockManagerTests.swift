import XCTest
@testable import PagedAttention

final class BlockManagerTests: XCTestCase {
    func tokens(_ n: Int, seed: Int) -> [Int] { (0..<n).map { ($0 * 31 + seed * 1009) % 5000 } }

    /// Random allocate / append / fork / free / swap sequences never leak or double-free a block and
    /// keep reference counts equal to the number of table entries.
    func testRandomOperationsKeepInvariants() {
        for seed in UInt64(1)...20 {
            var rng = SplitMix64(seed: seed)
            var m = BlockSpaceManager(blockSize: [8, 16].randomElement(using: &rng)!, numGPUBlocks: 40, numCPUBlocks: 40,
                                      enablePrefixCaching: Bool.random(using: &rng))
            var live: [SequenceID] = []
            var next = 0
            var swaps = 0
            for op in 0..<300 {
                switch Int.random(in: 0..<6, using: &rng) {
                case 0:  // allocate, sometimes with a prompt shared with earlier ones (prefix cache hits)
                    let n = Int.random(in: 1...60, using: &rng)
                    if m.canAllocate(numTokens: n) == .ok {
                        m.allocate(next, tokens: tokens(n, seed: Int.random(in: 0..<3, using: &rng)))
                        live.append(next); next += 1
                    }
                case 1:
                    if let s = live.randomElement(using: &rng), m.tables[s]?.device == .gpu {
                        let n = Int.random(in: 1...20, using: &rng)
                        if m.canAppendSlots([s], newTokens: [n]) { _ = m.appendTokens(s, tokens(n, seed: op)) }
                    }
                case 2:
                    if let s = live.randomElement(using: &rng) { m.fork(parent: s, child: next); live.append(next); next += 1 }
                case 3:
                    if let i = live.indices.randomElement(using: &rng) { m.free(live.remove(at: i), now: op) }
                case 4:
                    if let s = live.randomElement(using: &rng), m.tables[s]?.device == .gpu, m.canSwapOut([s]) {
                        _ = m.swapOut([s], now: op)
                        swaps += 1
                    }
                default:
                    if let s = live.randomElement(using: &rng), m.tables[s]?.device == .cpu, m.canSwapIn([s]) == .ok {
                        _ = m.swapIn([s])
                    }
                }
                let problems = m.invariantViolations()
                XCTAssertEqual(problems, [], "seed \(seed) op \(op)")
                if !problems.isEmpty { return }
            }
            XCTAssertGreaterThan(swaps, 0, "seed \(seed): the sequence should exercise swapping")
            XCTAssertGreaterThan(m.stats.copyOnWrites, 0, "seed \(seed): the sequence should exercise copy-on-write")
            for s in live { m.free(s) }
            XCTAssertEqual(m.numFreeBlocks(.gpu), 40, "seed \(seed): leaked device blocks")
            XCTAssertEqual(m.numFreeBlocks(.cpu), 40, "seed \(seed): leaked host blocks")
            XCTAssertEqual(m.invariantViolations(), [])
        }
    }

    func testForkSharesBlocksAndCopyOnWriteSeparatesLastBlock() {
        let bs = 16
        var m = BlockSpaceManager(blockSize: bs, numGPUBlocks: 16, numCPUBlocks: 0)
        let prompt = tokens(40, seed: 1)  // 2 full blocks + 8 tokens
        m.allocate(0, tokens: prompt)
        m.fork(parent: 0, child: 1)
        XCTAssertEqual(m.blockTable(0), m.blockTable(1))
        for id in m.blockTable(0) { XCTAssertEqual(m.refCount(.gpu, id), 2) }

        // A real cache: write the prompt's KV, then let each sample append its own token.
        let shape = KVCacheShape(numBlocks: 16, numKVHeads: 1, headSize: 64, blockSize: bs)
        let cache = PagedKVCache<Float>(shape: shape)
        func write(_ seq: SequenceID, positions: Range<Int>, value: (Int) -> Float) {
            let table = m.blockTable(seq)
            let slots = positions.map { table[$0 / bs] * bs + $0 % bs }
            let kv = positions.flatMap { p in [Float](repeating: value(p), count: 64) }
            cache.reshapeAndCache(key: kv, value: kv, slotMapping: slots)
        }
        write(0, positions: 0..<40) { Float($0) }
        let lastShared = m.blockTable(0)[2]

        let copies0 = m.appendTokens(0, [7])
        XCTAssertEqual(copies0.count, 1, "the first writer copies the shared last block")
        cache.copyBlocks(copies0.map { ($0.source, $0.destination) })
        write(0, positions: 40..<41) { _ in 1000 }
        let copies1 = m.appendTokens(1, [9])
        XCTAssertEqual(copies1, [], "the last holder writes in place")
        write(1, positions: 40..<41) { _ in 2000 }

        let t0 = m.blockTable(0), t1 = m.blockTable(1)
        XCTAssertEqual(Array(t0.prefix(2)), Array(t1.prefix(2)), "full blocks stay shared")
        XCTAssertNotEqual(t0[2], t1[2], "forked sequences get separate last blocks")
        XCTAssertEqual(t1[2], lastShared)
        XCTAssertEqual(m.refCount(.gpu, t0[2]), 1)
        XCTAssertEqual(m.refCount(.gpu, t1[2]), 1)
        // Identical contents for the shared prefix of the block, their own token after it.
        for p in 32..<40 {
            XCTAssertEqual(cache.key(slot: t0[2] * bs + p % bs, head: 0), cache.key(slot: t1[2] * bs + p % bs, head: 0))
        }
        XCTAssertEqual(cache.key(slot: t0[2] * bs + 8, head: 0)[0], 1000)
        XCTAssertEqual(cache.key(slot: t1[2] * bs + 8, head: 0)[0], 2000)
        XCTAssertEqual(m.stats.copyOnWrites, 1)
        XCTAssertEqual(m.invariantViolations(), [])
    }

    func testPrefixCacheSharesFullBlocksAndEvictsLeastRecentlyUsed() {
        var m = BlockSpaceManager(blockSize: 4, numGPUBlocks: 6, numCPUBlocks: 0, watermark: 0, enablePrefixCaching: true)
        let shared = [1, 2, 3, 4, 5, 6, 7, 8]
        m.allocate(0, tokens: shared + [9])
        m.allocate(1, tokens: shared + [10, 11])
        XCTAssertEqual(Array(m.blockTable(0).prefix(2)), Array(m.blockTable(1).prefix(2)), "shared prompt blocks are reused")
        XCTAssertNotEqual(m.blockTable(0)[2], m.blockTable(1)[2], "partial blocks are never shared")
        XCTAssertEqual(m.stats.prefixCacheHits, 2)
        XCTAssertEqual(m.refCount(.gpu, m.blockTable(0)[0]), 2)
        // Same tokens at a different position (different prefix) do not hit.
        m.allocate(2, tokens: [5, 6, 7, 8])
        XCTAssertNotEqual(m.blockTable(2)[0], m.blockTable(0)[1])

        let a = m.blockTable(0), c = m.blockTable(2)
        m.free(0, now: 1)
        m.free(1, now: 1)   // shared blocks now unreferenced but cached (evictable)
        m.free(2, now: 5)   // more recently used
        XCTAssertEqual(m.numFreeBlocks(.gpu), 6)
        // A new prompt with the same prefix revives the cached blocks instead of recomputing.
        m.allocate(3, tokens: shared)
        XCTAssertEqual(m.blockTable(3), Array(a.prefix(2)))
        m.free(3, now: 2)
        // Fill the pool: eviction takes the least recently used cached blocks first (a's, at time 2,
        // the deeper block first), and keeps c's block (time 5) longest.
        m.allocate(4, tokens: [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119])
        XCTAssertEqual(m.stats.evictions, 2)
        XCTAssertFalse(m.blockTable(4).contains(c[0]), "the most recently used cached block survives")
        XCTAssertTrue(m.blockTable(4).contains(a[0]) && m.blockTable(4).contains(a[1]))
        m.allocate(5, tokens: [5, 6, 7, 8])
        XCTAssertEqual(m.blockTable(5), c, "still cached")
        XCTAssertEqual(m.invariantViolations(), [])
    }

    func testWatermarkAndAllocStatus() {
        let m = BlockSpaceManager(blockSize: 16, numGPUBlocks: 100, numCPUBlocks: 0, watermark: 0.1)
        XCTAssertEqual(m.watermarkBlocks, 10)
        XCTAssertEqual(m.canAllocate(numTokens: 90 * 16), .ok)
        XCTAssertEqual(m.canAllocate(numTokens: 91 * 16), .never)
        var n = m
        n.allocate(0, tokens: tokens(50 * 16, seed: 0))
        XCTAssertEqual(n.canAllocate(numTokens: 40 * 16), .ok)
        XCTAssertEqual(n.canAllocate(numTokens: 41 * 16), .later)
    }

    func testSwapOutThenInRestoresContentsExactly() {
        let bs = 8
        var m = BlockSpaceManager(blockSize: bs, numGPUBlocks: 12, numCPUBlocks: 12, watermark: 0)
        let shape = KVCacheShape(numBlocks: 12, numKVHeads: 2, headSize: 64, blockSize: bs)
        let device = PagedKVCache<Float16>(shape: shape), host = PagedKVCache<Float16>(shape: shape)
        var rng = SplitMix64(seed: 9)
        m.allocate(0, tokens: tokens(21, seed: 0))
        m.fork(parent: 0, child: 1)
        _ = m.appendTokens(1, [1])  // CoW target only recorded; contents written below
        for s in [0, 1] {
            let n = m.tables[s]!.numTokens, table = m.blockTable(s)
            let kv = (0..<(n * 128)).map { _ in rng.nextSignedUnit() }
            device.reshapeAndCache(key: kv, value: kv.reversed(), slotMapping: (0..<n).map { table[$0 / bs] * bs + $0 % bs })
        }
        let before = [0, 1].map { s in m.blockTable(s).map { device.blockContents($0) } }
        let out = m.swapOut([0, 1])
        XCTAssertEqual(out.count, Set(m.blockTable(0) + m.blockTable(1)).count, "each distinct block moves once")
        host.swapIn(from: device, mapping: out.map { ($0.source, $0.destination) })
        XCTAssertEqual(m.numFreeBlocks(.gpu), 12)
        // Someone else overwrites the device pool meanwhile.
        m.allocate(7, tokens: tokens(12 * bs, seed: 3))
        device.fillRandom(seed: 77)
        m.free(7)
        let back = m.swapIn([0, 1])
        device.swapIn(from: host, mapping: back.map { ($0.source, $0.destination) })
        let after = [0, 1].map { s in m.blockTable(s).map { device.blockContents($0) } }
        XCTAssertEqual(after, before)
        XCTAssertEqual(Array(m.blockTable(0).prefix(2)), Array(m.blockTable(1).prefix(2)), "sharing survives the round trip")
        XCTAssertEqual(m.numFreeBlocks(.cpu), 12)
        XCTAssertEqual(m.invariantViolations(), [])
    }

    func testBlocksTouchedByAppendFollowsVLLM() {
        var m = BlockSpaceManager(blockSize: 16, numGPUBlocks: 10, numCPUBlocks: 0)
        m.allocate(0, tokens: tokens(16, seed: 0))   // exactly one full block
        XCTAssertEqual(m.blocksTouchedByAppend(0, count: 1), 1)
        XCTAssertEqual(m.blocksTouchedByAppend(0, count: 17), 2)
        m.allocate(1, tokens: tokens(10, seed: 0))
        XCTAssertEqual(m.blocksTouchedByAppend(1, count: 6), 1)
        XCTAssertEqual(m.blocksTouchedByAppend(1, count: 7), 2)
    }
}
