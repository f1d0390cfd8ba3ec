// Decode attention over the paged KV cache: one query token per sequence, as vLLM 0.6.2's
// paged_attention_v1 / paged_attention_v2 kernels compute it (csrc/attention/attention_kernels.cu).
// Sources/PagedAttention/EXPLAINER.md walks through this file next to the CUDA kernel.

import Dispatch
internal import CPagedKernels

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
    /// Work items are (sequence, group of KV heads) pairs spread over all cores; each item serves every
    /// query head of its KV heads. Returns `[numSeqs, numHeads, headSize]`.
    ///
    /// `kvHeadsPerWorkItem` overrides how many KV heads one work item serves (it must divide the KV
    /// head count); `nil` picks by the cache geometry and the number of cores' worth of work.
    /// `kernels` picks the inner loops (it must be available on this machine); the default is the
    /// fastest this CPU runs.
    public static func decodeV1<E>(_ batch: DecodeBatch, cache: PagedKVCache<E>, parallel: Bool = true,
                                   kvHeadsPerWorkItem: Int? = nil, kernels: KernelPath = .best) -> [Float] {
        let plan = Plan(batch: batch, cache: cache, partitions: 1, kvHeadsPerGroup: kvHeadsPerWorkItem,
                        kernels: kernels)
        var out = [Float](repeating: 0, count: batch.numSeqs * batch.numHeads * plan.headSize)
        plan.withTables(batch) { tables in
            batch.query.withUnsafeBufferPointer { q in
                out.withUnsafeMutableBufferPointer { o in
                    let op = o.baseAddress!, qp = q.baseAddress!
                    forEach(count: batch.numSeqs * plan.groupsPerSeq, parallel: parallel) { item in
                        let seq = item / plan.groupsPerSeq, group = item % plan.groupsPerSeq
                        let seqLen = batch.seqLens[seq]
                        let numBlocks = (seqLen + plan.blockSize - 1) / plan.blockSize
                        let firstHead = seq * batch.numHeads + group * plan.headsPerGroup
                        attendGroup(plan: plan, cache: cache, queries: qp + firstHead * plan.headSize,
                                    kvHeads: plan.kvHeads(group: group), blockTable: tables + seq * plan.maxBlocks,
                                    seqLen: seqLen, blocks: 0..<numBlocks,
                                    alibiSlopes: batch.alibiSlopes.map { Array($0[plan.heads(group: group)]) },
                                    out: op + firstHead * plan.headSize, outHeadStride: plan.headSize, stats: nil)
                    }
                }
            }
        }
        return out
    }

    /// Attention split into partitions of `partitionSize` tokens (vLLM's `paged_attention_v2`): each
    /// (sequence, head group, partition) produces per head its max logit, exp sum and normalized
    /// partial output on any core; a reduce step then rescales and combines the partitions of each
    /// (sequence, head). `kvHeadsPerWorkItem` and `kernels` as in `decodeV1`.
    public static func decodeV2<E>(_ batch: DecodeBatch, cache: PagedKVCache<E>,
                                   partitionSize: Int = defaultPartitionSize, parallel: Bool = true,
                                   kvHeadsPerWorkItem: Int? = nil, kernels: KernelPath = .best) -> [Float] {
        require(partitionSize % cache.shape.blockSize == 0, "partition size must be a multiple of the block size")
        let maxPartitions = ((batch.seqLens.max() ?? 1) + partitionSize - 1) / partitionSize
        let plan = Plan(batch: batch, cache: cache, partitions: maxPartitions, kvHeadsPerGroup: kvHeadsPerWorkItem,
                        kernels: kernels)
        let pairs = batch.numSeqs * batch.numHeads
        // Per (sequence, head, partition): [max logit, exp sum] and headSize partial outputs.
        var stats = [Float](repeating: 0, count: pairs * maxPartitions * 2)
        var partial = [Float](repeating: 0, count: pairs * maxPartitions * plan.headSize)
        var out = [Float](repeating: 0, count: pairs * plan.headSize)
        let blocksPerPartition = partitionSize / plan.blockSize
        plan.withTables(batch) { tables in
            batch.query.withUnsafeBufferPointer { q in
                stats.withUnsafeMutableBufferPointer { st in
                    partial.withUnsafeMutableBufferPointer { pt in
                        let qp = q.baseAddress!, stp = st.baseAddress!, ptp = pt.baseAddress!
                        let itemsPerSeq = plan.groupsPerSeq * maxPartitions
                        forEach(count: batch.numSeqs * itemsPerSeq, parallel: parallel) { item in
                            let seq = item / itemsPerSeq
                            let group = item % itemsPerSeq / maxPartitions, partition = item % maxPartitions
                            let seqLen = batch.seqLens[seq]
                            let numBlocks = (seqLen + plan.blockSize - 1) / plan.blockSize
                            let start = partition * blocksPerPartition
                            guard start < numBlocks else { return }  // no work: beyond the context
                            let firstHead = seq * batch.numHeads + group * plan.headsPerGroup
                            let slot = firstHead * maxPartitions + partition
                            attendGroup(plan: plan, cache: cache, queries: qp + firstHead * plan.headSize,
                                        kvHeads: plan.kvHeads(group: group), blockTable: tables + seq * plan.maxBlocks,
                                        seqLen: seqLen, blocks: start..<min(start + blocksPerPartition, numBlocks),
                                        alibiSlopes: batch.alibiSlopes.map { Array($0[plan.heads(group: group)]) },
                                        out: ptp + slot * plan.headSize, outHeadStride: maxPartitions * plan.headSize,
                                        stats: (stp + slot * 2, maxPartitions * 2))
                        }
                        out.withUnsafeMutableBufferPointer { o in
                            for pair in 0..<pairs {
                                let seq = pair / batch.numHeads
                                let used = (batch.seqLens[seq] + partitionSize - 1) / partitionSize
                                reducePartitions(count: used, stats: stp + pair * maxPartitions * 2,
                                                 partial: ptp + pair * maxPartitions * plan.headSize,
                                                 headSize: plan.headSize, out: o.baseAddress! + pair * plan.headSize)
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
    /// `kernels` as in `decodeV1`.
    public static func decodeContiguous<E: KVCacheElement>(
        numHeads: Int, numKVHeads: Int, headSize: Int, query: [Float], keys: UnsafePointer<E>,
        values: UnsafePointer<E>, maxContext: Int, seqLens: [Int], scale: Float, alibiSlopes: [Float]? = nil,
        parallel: Bool = true, kernels: KernelPath = .best
    ) -> [Float] {
        require(kernels.isAvailable, "kernel path \(kernels) is not available on this CPU")
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
                                  logits: logits, kernels: kernels)
                        var m = -Float.greatestFiniteMagnitude
                        for t in 0..<seqLen {
                            logits[t] = logits[t] * scale + (slope != 0 ? slope * Float(t - seqLen + 1) : 0)
                            m = max(m, logits[t])
                        }
                        _ = softmaxInPlace(logits, count: seqLen, maxLogit: m, kernels: kernels)
                        acc.initialize(repeating: 0, count: headSize)
                        E.accumulateRows(probs: logits, rows: values + base, tokens: seqLen, headSize: headSize, acc: acc,
                                         kernels: kernels)
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
        let headStride: Int, blockStride: Int
        let kernels: KernelPath
        /// KV heads per work item and the resulting query heads per item and items per sequence.
        let kvHeadsPerGroup: Int, headsPerGroup: Int, groupsPerSeq: Int

        init<E>(batch: DecodeBatch, cache: PagedKVCache<E>, partitions: Int, kvHeadsPerGroup requested: Int?,
                kernels: KernelPath) {
            let s = cache.shape
            require(kernels.isAvailable, "kernel path \(kernels) is not available on this CPU")
            self.kernels = kernels
            require(batch.numHeads % s.numKVHeads == 0, "num_kv_heads must divide num_heads")
            require(batch.query.count == batch.numSeqs * batch.numHeads * s.headSize, "query shape mismatch")
            require(batch.blockTables.count == batch.numSeqs, "one block table per sequence")
            require(batch.alibiSlopes == nil || batch.alibiSlopes!.count == batch.numHeads)
            for (i, len) in batch.seqLens.enumerated() {
                require(len >= 1 && batch.blockTables[i].count * s.blockSize >= len, "block table too short")
            }
            headSize = s.headSize
            blockSize = s.blockSize
            queriesPerKV = batch.numHeads / s.numKVHeads
            maxBlocks = batch.blockTables.map(\.count).max() ?? 0
            scale = batch.scale
            headStride = s.elementsPerHead
            blockStride = s.elementsPerBlock
            // A CPU reads a block's KV heads best as one run: vLLM's layout puts a block's heads side by
            // side, so grouping KV heads turns 8 KB runs into up to 256 KB ones (measured: 8 KB runs
            // ran at about half the speed). Keep at least eight work items in flight for the cores.
            let headBytes = s.elementsPerHead * E.byteWidth
            var g = 1
            for candidate in 1...s.numKVHeads where s.numKVHeads % candidate == 0 {
                if candidate * headBytes <= 256 << 10
                    && batch.numSeqs * partitions * (s.numKVHeads / candidate) >= 8 { g = candidate }
            }
            if let requested {
                require(requested >= 1 && s.numKVHeads % requested == 0, "KV heads per work item must divide num_kv_heads")
                g = requested
            }
            kvHeadsPerGroup = g
            headsPerGroup = g * queriesPerKV
            groupsPerSeq = s.numKVHeads / g
        }

        func kvHeads(group: Int) -> Range<Int> { (group * kvHeadsPerGroup)..<((group + 1) * kvHeadsPerGroup) }
        func heads(group: Int) -> Range<Int> { (group * headsPerGroup)..<((group + 1) * headsPerGroup) }

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

    /// One work item: for one sequence, a group of KV heads (and all their query heads) and a range of
    /// logical blocks: block table walk with q·k, softmax over the range, then the
    /// probability-weighted sum of values. Head `j` of the group writes its output (normalized by
    /// the range's own exp sum) at `out + j * outHeadStride`, and with `stats` its max logit and exp
    /// sum at `stats.base + j * stats.headStride` (+0, +1) for the v2 reduce.
    static func attendGroup<E>(plan: Plan, cache: PagedKVCache<E>, queries: UnsafePointer<Float>, kvHeads: Range<Int>,
                               blockTable: UnsafePointer<Int32>, seqLen: Int, blocks: Range<Int>, alibiSlopes: [Float]?,
                               out: UnsafeMutablePointer<Float>, outHeadStride: Int,
                               stats: (base: UnsafeMutablePointer<Float>, headStride: Int)?) {
        let bs = plan.blockSize, heads = kvHeads.count * plan.queriesPerKV
        let stride = blocks.count * bs  // logits per head
        let numTokens = min(blocks.upperBound * bs, seqLen) - blocks.lowerBound * bs
        withUnsafeTemporaryAllocation(of: Float.self, capacity: heads * (stride + plan.headSize * 8 + 1)) { scratch in
            let logits = scratch.baseAddress!
            let partial = logits + heads * stride
            let maxima = partial + heads * plan.headSize * 8
            scoreKeys(plan: plan, cache: cache, queries: queries, kvHeads: kvHeads, blockTable: blockTable, seqLen: seqLen,
                      blocks: blocks, alibiSlopes: alibiSlopes, logits: logits, maxima: maxima)
            for j in 0..<heads {
                let expSum = softmaxInPlace(logits + j * stride, count: numTokens, maxLogit: maxima[j], kernels: plan.kernels)
                if let stats {
                    stats.base[j * stats.headStride] = maxima[j]
                    stats.base[j * stats.headStride + 1] = expSum
                }
            }
            accumulateValues(plan: plan, cache: cache, kvHeads: kvHeads, blockTable: blockTable, seqLen: seqLen,
                             blocks: blocks, probs: logits, partial: partial, out: out, outHeadStride: outHeadStride)
        }
    }

    /// Block table walk and q·k: for each logical block in `blocks`, looks up its physical block and,
    /// for each KV head of the group and each query head sharing it, computes `scale * q·k + alibi`
    /// for the block's tokens that lie inside the context. Logits of head `j` go to
    /// `logits + j * blocks.count * blockSize` (relative to the range's first token), their maximum to
    /// `maxima[j]`.
    static func scoreKeys<E>(plan: Plan, cache: PagedKVCache<E>, queries: UnsafePointer<Float>, kvHeads: Range<Int>,
                             blockTable: UnsafePointer<Int32>, seqLen: Int, blocks: Range<Int>, alibiSlopes: [Float]?,
                             logits: UnsafeMutablePointer<Float>, maxima: UnsafeMutablePointer<Float>) {
        let bs = plan.blockSize, heads = kvHeads.count * plan.queriesPerKV
        let stride = blocks.count * bs
        maxima.initialize(repeating: -.greatestFiniteMagnitude, count: heads)
        for logical in blocks {
            let physical = Int(blockTable[logical])  // the block table walk
            let firstToken = logical * bs
            let tokens = min(bs, seqLen - firstToken)  // the last block may be partly filled
            let next = logical + 1 < blocks.upperBound ? Int(blockTable[logical + 1]) : -1
            for kv in kvHeads {
                let keys = UnsafePointer(cache.keys) + physical * plan.blockStride + kv * plan.headStride
                // The next block is elsewhere in the pool: fetch it a block ahead, since the hardware
                // prefetcher only follows sequential runs.
                if next >= 0 {
                    pk_prefetch(cache.keys + next * plan.blockStride + kv * plan.headStride, plan.headStride * E.byteWidth)
                }
                for j in ((kv - kvHeads.lowerBound) * plan.queriesPerKV)..<((kv - kvHeads.lowerBound + 1) * plan.queriesPerKV) {
                    let dst = logits + j * stride + (logical - blocks.lowerBound) * bs
                    E.dotKeysInBlock(query: queries + j * plan.headSize, keys: keys, headSize: plan.headSize,
                                     blockSize: bs, tokens: tokens, logits: dst, kernels: plan.kernels)
                    let slope = alibiSlopes?[j] ?? 0
                    var m = maxima[j]
                    for t in 0..<tokens {
                        var qk = plan.scale * dst[t]
                        if slope != 0 { qk += slope * Float(firstToken + t - seqLen + 1) }
                        dst[t] = qk
                        m = max(m, qk)
                    }
                    maxima[j] = m
                }
            }
        }
    }

    /// Softmax over `count` logits in place: `exp(l - max)`, their sum, then multiplication by
    /// `1 / (sum + 1e-6)` (vLLM's guard against a zero sum). Returns the exp sum.
    static func softmaxInPlace(_ logits: UnsafeMutablePointer<Float>, count: Int, maxLogit: Float, kernels: KernelPath) -> Float {
        if kernels == .avx2F16C { return pk_softmax_f32(logits, count, maxLogit) }  // vectorized exp, same steps
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

    /// Value accumulation: `out[d] = sum_t probs[t] * V[t][d]` over the range's tokens, per query head.
    /// Full blocks go through the SIMD loop into eight partial lanes per dimension (`partial`,
    /// `[head][headSize][8]`), reduced over lanes at the end; the partly filled last block reads only
    /// its valid slots, so whatever the unused slots hold (even NaN) never reaches the output.
    static func accumulateValues<E>(plan: Plan, cache: PagedKVCache<E>, kvHeads: Range<Int>,
                                    blockTable: UnsafePointer<Int32>, seqLen: Int, blocks: Range<Int>,
                                    probs: UnsafePointer<Float>, partial: UnsafeMutablePointer<Float>,
                                    out: UnsafeMutablePointer<Float>, outHeadStride: Int) {
        let bs = plan.blockSize, hs = plan.headSize, heads = kvHeads.count * plan.queriesPerKV
        let stride = blocks.count * bs
        partial.initialize(repeating: 0, count: heads * hs * 8)
        for j in 0..<heads { (out + j * outHeadStride).initialize(repeating: 0, count: hs) }
        for logical in blocks {
            let physical = Int(blockTable[logical])
            let tokens = min(bs, seqLen - logical * bs)
            let next = logical + 1 < blocks.upperBound ? Int(blockTable[logical + 1]) : -1
            for kv in kvHeads {
                let values = UnsafePointer(cache.values) + physical * plan.blockStride + kv * plan.headStride
                if next >= 0 {
                    pk_prefetch(cache.values + next * plan.blockStride + kv * plan.headStride, plan.headStride * E.byteWidth)
                }
                for j in ((kv - kvHeads.lowerBound) * plan.queriesPerKV)..<((kv - kvHeads.lowerBound + 1) * plan.queriesPerKV) {
                    let p = probs + j * stride + (logical - blocks.lowerBound) * bs
                    if tokens == bs {
                        E.accumulateFullValueBlock(probs: p, values: values, headSize: hs, blockSize: bs,
                                                   partial: partial + j * hs * 8, kernels: plan.kernels)
                    } else {
                        let o = out + j * outHeadStride
                        for d in 0..<hs {
                            var s: Float = 0
                            for t in 0..<tokens { s += p[t] * values[d * bs + t].widened }
                            o[d] += s
                        }
                    }
                }
            }
        }
        for j in 0..<heads {
            let o = out + j * outHeadStride, pj = UnsafeRawPointer(partial + j * hs * 8)
            for d in 0..<hs { o[d] += pj.loadUnaligned(fromByteOffset: d * 32, as: SIMD8<Float>.self).sum() }
        }
    }

    /// The v2 reduce: rescales each partition's exp sum by `exp(max_i - globalMax)`, and combines the
    /// partitions' normalized outputs weighted by their share of the global exp sum. One partition
    /// is copied through. `stats` holds `[max logit, exp sum]` per partition.
    static func reducePartitions(count: Int, stats: UnsafePointer<Float>, partial: UnsafePointer<Float>,
                                 headSize: Int, out: UnsafeMutablePointer<Float>) {
        if count == 1 {
            out.update(from: partial, count: headSize)
            return
        }
        var globalMax = -Float.greatestFiniteMagnitude
        for i in 0..<count { globalMax = max(globalMax, stats[2 * i]) }
        var weights = [Float](repeating: 0, count: count)
        var globalSum: Float = 0
        for i in 0..<count {
            weights[i] = stats[2 * i + 1] * expf(stats[2 * i] - globalMax)
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
