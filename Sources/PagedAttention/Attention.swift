// Decode attention over the paged KV cache: one query token per sequence, as vLLM 0.6.2's
// paged_attention_v1 / paged_attention_v2 kernels compute it (csrc/attention/attention_kernels.cu).
// Sources/PagedAttention/EXPLAINER.md walks through this file next to the CUDA kernel.

import Dispatch

/// The inputs of one decode step: one query token per sequence, and where each sequence's context
/// lives in the paged cache.
public struct DecodeBatch: Sendable {
    /// Query heads (a multiple of the cache's KV heads).
    public var numHeads: Int
    /// `[numSeqs, numHeads, headSize]`, row-major.
    public var query: [Float]
    /// Per sequence, the physical block number of each logical block (vLLM's `block_tables` rows).
    public var blockTables: [[Int32]]
    /// Per sequence, the context length in tokens (vLLM's `seq_lens`); each must be ≥ 1.
    public var seqLens: [Int]
    /// Multiplier applied to q·k (usually `1 / sqrt(headSize)`).
    public var scale: Float
    /// Optional ALiBi slope per query head: adds `slope * (tokenIndex - seqLen + 1)` to each logit.
    public var alibiSlopes: [Float]?

    /// Creates a batch.
    public init(numHeads: Int, query: [Float], blockTables: [[Int32]], seqLens: [Int], scale: Float,
                alibiSlopes: [Float]? = nil) {
        self.numHeads = numHeads
        self.query = query
        self.blockTables = blockTables
        self.seqLens = seqLens
        self.scale = scale
        self.alibiSlopes = alibiSlopes
    }

    /// Number of sequences.
    public var numSeqs: Int { seqLens.count }
}

/// Decode attention kernels over a `PagedKVCache`.
public enum PagedAttention {
    /// vLLM's partition size for the v2 kernel (`PARTITION_SIZE = 512`).
    public static let defaultPartitionSize = 512

    /// Attention with one pass over each sequence's whole context (vLLM's `paged_attention_v1`).
    /// Work items are (sequence, head) pairs spread over all cores. Returns `[numSeqs, numHeads, headSize]`.
    public static func decodeV1<E>(_ batch: DecodeBatch, cache: PagedKVCache<E>, parallel: Bool = true) -> [Float] {
        let plan = Plan(batch: batch, cache: cache)
        var out = [Float](repeating: 0, count: batch.numSeqs * batch.numHeads * plan.headSize)
        plan.withTables(batch) { tables in
            batch.query.withUnsafeBufferPointer { q in
                out.withUnsafeMutableBufferPointer { o in
                    let op = o.baseAddress!, qp = q.baseAddress!
                    forEach(count: batch.numSeqs * batch.numHeads, parallel: parallel) { item in
                        let seq = item / batch.numHeads, head = item % batch.numHeads
                        let seqLen = batch.seqLens[seq]
                        let numBlocks = (seqLen + plan.blockSize - 1) / plan.blockSize
                        let slope = batch.alibiSlopes?[head] ?? 0
                        _ = attendPartition(plan: plan, cache: cache, query: qp + item * plan.headSize,
                                            kvHead: head / plan.queriesPerKV, blockTable: tables + seq * plan.maxBlocks,
                                            seqLen: seqLen, blocks: 0..<numBlocks, alibiSlope: slope,
                                            out: op + item * plan.headSize)
                    }
                }
            }
        }
        return out
    }

    /// Attention split into partitions of `partitionSize` tokens (vLLM's `paged_attention_v2`): each
    /// (sequence, head, partition) produces its max logit, exp sum and normalized partial output on
    /// any core; a reduce step then rescales and combines the partitions of each (sequence, head).
    public static func decodeV2<E>(_ batch: DecodeBatch, cache: PagedKVCache<E>,
                                   partitionSize: Int = defaultPartitionSize, parallel: Bool = true) -> [Float] {
        let plan = Plan(batch: batch, cache: cache)
        precondition(partitionSize % plan.blockSize == 0, "partition size must be a multiple of the block size")
        let maxPartitions = ((batch.seqLens.max() ?? 1) + partitionSize - 1) / partitionSize
        let pairs = batch.numSeqs * batch.numHeads
        var maxLogits = [Float](repeating: -.greatestFiniteMagnitude, count: pairs * maxPartitions)
        var expSums = [Float](repeating: 0, count: pairs * maxPartitions)
        var partial = [Float](repeating: 0, count: pairs * maxPartitions * plan.headSize)
        var out = [Float](repeating: 0, count: pairs * plan.headSize)
        let blocksPerPartition = partitionSize / plan.blockSize
        plan.withTables(batch) { tables in
            batch.query.withUnsafeBufferPointer { q in
                maxLogits.withUnsafeMutableBufferPointer { ml in
                    expSums.withUnsafeMutableBufferPointer { es in
                        partial.withUnsafeMutableBufferPointer { pt in
                            let qp = q.baseAddress!, mlp = ml.baseAddress!, esp = es.baseAddress!, ptp = pt.baseAddress!
                            forEach(count: pairs * maxPartitions, parallel: parallel) { item in
                                let pair = item / maxPartitions, partition = item % maxPartitions
                                let seq = pair / batch.numHeads, head = pair % batch.numHeads
                                let seqLen = batch.seqLens[seq]
                                let numBlocks = (seqLen + plan.blockSize - 1) / plan.blockSize
                                let start = partition * blocksPerPartition
                                guard start < numBlocks else { return }  // no work: beyond the context
                                let end = min(start + blocksPerPartition, numBlocks)
                                let stats = attendPartition(
                                    plan: plan, cache: cache, query: qp + pair * plan.headSize,
                                    kvHead: head / plan.queriesPerKV, blockTable: tables + seq * plan.maxBlocks,
                                    seqLen: seqLen, blocks: start..<end, alibiSlope: batch.alibiSlopes?[head] ?? 0,
                                    out: ptp + item * plan.headSize)
                                mlp[item] = stats.maxLogit
                                esp[item] = stats.expSum
                            }
                            out.withUnsafeMutableBufferPointer { o in
                                for pair in 0..<pairs {
                                    let seq = pair / batch.numHeads
                                    let used = (batch.seqLens[seq] + partitionSize - 1) / partitionSize
                                    reducePartitions(count: used, maxLogits: mlp + pair * maxPartitions,
                                                     expSums: esp + pair * maxPartitions,
                                                     partial: ptp + pair * maxPartitions * plan.headSize,
                                                     headSize: plan.headSize, out: o.baseAddress! + pair * plan.headSize)
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The same computation on contiguous K/V (no paging), the baseline paged attention is measured
    /// against. `keys` and `values` are `[numSeqs][numKVHeads][maxContext][headSize]` row-major.
    public static func decodeContiguous<E: KVCacheElement>(
        numHeads: Int, numKVHeads: Int, headSize: Int, query: [Float], keys: UnsafePointer<E>,
        values: UnsafePointer<E>, maxContext: Int, seqLens: [Int], scale: Float, alibiSlopes: [Float]? = nil,
        parallel: Bool = true
    ) -> [Float] {
        let numSeqs = seqLens.count
        var out = [Float](repeating: 0, count: numSeqs * numHeads * headSize)
        let perKV = numHeads / numKVHeads
        query.withUnsafeBufferPointer { q in
            out.withUnsafeMutableBufferPointer { o in
                let qp = q.baseAddress!, op = o.baseAddress!
                forEach(count: numSeqs * numHeads, parallel: parallel) { item in
                    let seq = item / numHeads, head = item % numHeads
                    let seqLen = seqLens[seq]
                    let base = (seq * numKVHeads + head / perKV) * maxContext * headSize
                    let slope = alibiSlopes?[head] ?? 0
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: seqLen + headSize) { scratch in
                        let logits = scratch.baseAddress!, acc = logits + seqLen
                        E.dotRows(query: qp + item * headSize, rows: keys + base, tokens: seqLen, headSize: headSize,
                                  logits: logits)
                        var m = -Float.greatestFiniteMagnitude
                        for t in 0..<seqLen {
                            logits[t] = logits[t] * scale + (slope != 0 ? slope * Float(t - seqLen + 1) : 0)
                            m = max(m, logits[t])
                        }
                        _ = softmaxInPlace(logits, count: seqLen, maxLogit: m)
                        acc.initialize(repeating: 0, count: headSize)
                        E.accumulateRows(probs: logits, rows: values + base, tokens: seqLen, headSize: headSize, acc: acc)
                        (op + item * headSize).update(from: acc, count: headSize)
                    }
                }
            }
        }
        return out
    }

    // MARK: - Internals

    /// Shape facts shared by every work item of one call.
    struct Plan {
        let headSize: Int, blockSize: Int, queriesPerKV: Int, maxBlocks: Int, scale: Float
        let keyHeadStride: Int, keyBlockStride: Int

        init<E>(batch: DecodeBatch, cache: PagedKVCache<E>) {
            let s = cache.shape
            precondition(batch.numHeads % s.numKVHeads == 0, "num_kv_heads must divide num_heads")
            precondition(batch.query.count == batch.numSeqs * batch.numHeads * s.headSize, "query shape mismatch")
            precondition(batch.blockTables.count == batch.numSeqs, "one block table per sequence")
            precondition(batch.alibiSlopes == nil || batch.alibiSlopes!.count == batch.numHeads)
            for (i, len) in batch.seqLens.enumerated() {
                precondition(len >= 1 && batch.blockTables[i].count * s.blockSize >= len, "block table too short")
            }
            headSize = s.headSize
            blockSize = s.blockSize
            queriesPerKV = batch.numHeads / s.numKVHeads
            maxBlocks = batch.blockTables.map(\.count).max() ?? 0
            scale = batch.scale
            keyHeadStride = s.elementsPerHead
            keyBlockStride = s.elementsPerBlock
        }

        /// Flattens the block tables into one padded `[numSeqs, maxBlocks]` Int32 array, like vLLM's tensor.
        func withTables<R>(_ batch: DecodeBatch, _ body: (UnsafePointer<Int32>) -> R) -> R {
            var flat = [Int32](repeating: 0, count: max(1, batch.numSeqs * maxBlocks))
            for (i, row) in batch.blockTables.enumerated() {
                for (j, b) in row.enumerated() { flat[i * maxBlocks + j] = b }
            }
            return flat.withUnsafeBufferPointer { body($0.baseAddress!) }
        }
    }

    /// Runs `body` for `0..<count`, on all cores when `parallel`.
    static func forEach(count: Int, parallel: Bool, _ body: (Int) -> Void) {
        if parallel && count > 1 {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        } else {
            for i in 0..<count { body(i) }
        }
    }

    /// One (sequence, head, block range) of attention: block table walk with q·k, softmax over the
    /// range, then the probability-weighted sum of values, written (normalized by the range's own exp
    /// sum) to `out`. Returns the range's max logit and exp sum for the v2 reduce.
    static func attendPartition<E>(plan: Plan, cache: PagedKVCache<E>, query: UnsafePointer<Float>, kvHead: Int,
                                   blockTable: UnsafePointer<Int32>, seqLen: Int, blocks: Range<Int>,
                                   alibiSlope: Float, out: UnsafeMutablePointer<Float>) -> (maxLogit: Float, expSum: Float) {
        let bs = plan.blockSize
        let firstToken = blocks.lowerBound * bs
        let numTokens = min(blocks.upperBound * bs, seqLen) - firstToken
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: blocks.count * bs + plan.headSize * bs) { scratch in
            let logits = scratch.baseAddress!
            let partial = logits + blocks.count * bs
            let maxLogit = scoreKeys(plan: plan, cache: cache, query: query, kvHead: kvHead, blockTable: blockTable,
                                     seqLen: seqLen, blocks: blocks, alibiSlope: alibiSlope, logits: logits)
            let expSum = softmaxInPlace(logits, count: numTokens, maxLogit: maxLogit)
            accumulateValues(plan: plan, cache: cache, kvHead: kvHead, blockTable: blockTable, seqLen: seqLen,
                             blocks: blocks, probs: logits, partial: partial, out: out)
            return (maxLogit, expSum)
        }
    }

    /// Block table walk and q·k: for each logical block in `blocks`, looks up its physical block,
    /// computes `scale * q·k + alibi` for each of its tokens that lies inside the context, stores the
    /// logits (relative to the range's first token) and returns their maximum.
    static func scoreKeys<E>(plan: Plan, cache: PagedKVCache<E>, query: UnsafePointer<Float>, kvHead: Int,
                             blockTable: UnsafePointer<Int32>, seqLen: Int, blocks: Range<Int>, alibiSlope: Float,
                             logits: UnsafeMutablePointer<Float>) -> Float {
        let bs = plan.blockSize
        var qkMax = -Float.greatestFiniteMagnitude
        for logical in blocks {
            let physical = Int(blockTable[logical])
            let keys = UnsafePointer(cache.keys) + physical * plan.keyBlockStride + kvHead * plan.keyHeadStride
            let firstToken = logical * bs
            let tokens = min(bs, seqLen - firstToken)  // the last block may be partly filled
            let dst = logits + (logical - blocks.lowerBound) * bs
            E.dotKeysInBlock(query: query, keys: keys, headSize: plan.headSize, blockSize: bs, tokens: tokens, logits: dst)
            for t in 0..<tokens {
                var qk = plan.scale * dst[t]
                if alibiSlope != 0 { qk += alibiSlope * Float(firstToken + t - seqLen + 1) }
                dst[t] = qk
                qkMax = max(qkMax, qk)
            }
        }
        return qkMax
    }

    /// Softmax over `count` logits in place: `exp(l - max)`, their sum, then multiplication by
    /// `1 / (sum + 1e-6)` (vLLM's guard against a zero sum). Returns the exp sum.
    static func softmaxInPlace(_ logits: UnsafeMutablePointer<Float>, count: Int, maxLogit: Float) -> Float {
        var sum: Float = 0
        for i in 0..<count {
            let e = expf(logits[i] - maxLogit)
            logits[i] = e
            sum += e
        }
        let inv = 1 / (sum + 1e-6)
        for i in 0..<count { logits[i] *= inv }
        return sum
    }

    /// Value accumulation: `out[d] = sum_t probs[t] * V[t][d]` over the range's tokens. Full blocks go
    /// through the SIMD loop into per-lane partial sums (`partial`, `[headSize][blockSize]`), reduced
    /// over lanes at the end; the partly filled last block reads only its valid slots, so whatever the
    /// unused slots hold (even NaN) never reaches the output.
    static func accumulateValues<E>(plan: Plan, cache: PagedKVCache<E>, kvHead: Int, blockTable: UnsafePointer<Int32>,
                                    seqLen: Int, blocks: Range<Int>, probs: UnsafePointer<Float>,
                                    partial: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let bs = plan.blockSize, hs = plan.headSize
        partial.initialize(repeating: 0, count: hs * bs)
        out.initialize(repeating: 0, count: hs)
        for logical in blocks {
            let physical = Int(blockTable[logical])
            let values = UnsafePointer(cache.values) + physical * plan.keyBlockStride + kvHead * plan.keyHeadStride
            let p = probs + (logical - blocks.lowerBound) * bs
            let tokens = min(bs, seqLen - logical * bs)
            if tokens == bs {
                E.accumulateFullValueBlock(probs: p, values: values, headSize: hs, blockSize: bs, partial: partial)
            } else {
                for d in 0..<hs {
                    var s: Float = 0
                    for t in 0..<tokens { s += p[t] * values[d * bs + t].widened }
                    out[d] += s
                }
            }
        }
        for d in 0..<hs {
            var s: Float = 0
            for t in 0..<bs { s += partial[d * bs + t] }
            out[d] += s
        }
    }

    /// The v2 reduce: rescales each partition's exp sum by `exp(max_i - globalMax)`, and combines the
    /// partitions' normalized outputs weighted by their share of the global exp sum. One partition
    /// is copied through.
    static func reducePartitions(count: Int, maxLogits: UnsafePointer<Float>, expSums: UnsafePointer<Float>,
                                 partial: UnsafePointer<Float>, headSize: Int, out: UnsafeMutablePointer<Float>) {
        if count == 1 {
            out.update(from: partial, count: headSize)
            return
        }
        var globalMax = -Float.greatestFiniteMagnitude
        for i in 0..<count { globalMax = max(globalMax, maxLogits[i]) }
        var weights = [Float](repeating: 0, count: count)
        var globalSum: Float = 0
        for i in 0..<count {
            weights[i] = expSums[i] * expf(maxLogits[i] - globalMax)
            globalSum += weights[i]
        }
        let inv = 1 / (globalSum + 1e-6)
        for d in 0..<headSize {
            var acc: Float = 0
            for i in 0..<count { acc += partial[i * headSize + d] * weights[i] * inv }
            out[d] = acc
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
