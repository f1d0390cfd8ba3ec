// Bulk, parallel filling of a paged cache from a function of the element's coordinates (benchmarks
// build gigabyte caches this way; `reshapeAndCache` is the per-token path the kernels mirror).

import Dispatch

extension PagedKVCache {
    /// Sets every key element `(block, head, dim, offset)` to `key(block, head, dim, offset)` and every
    /// value element to `value(...)`, each rounded to `Element` (bfloat16 through
    /// `BFloat16.round(_:into:count:conversion:)`, so the run-time-chosen conversion is used). Blocks
    /// are filled on all cores. Results are identical whatever the conversion or core count.
    public func fill(key: @Sendable (Int, Int, Int, Int) -> Float, value: @Sendable (Int, Int, Int, Int) -> Float) {
        let s = shape, x = self.x, keys = self.keys, values = self.values
        let perHead = s.elementsPerHead
        DispatchQueue.concurrentPerform(iterations: s.numBlocks * s.numKVHeads) { item in
            let block = item / s.numKVHeads, head = item % s.numKVHeads
            let base = block * s.elementsPerBlock + head * perHead
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * perHead) { buf in
                let k = buf.baseAddress!, v = k + perHead
                for dim in 0..<s.headSize {
                    for offset in 0..<s.blockSize {
                        k[(dim / x) * s.blockSize * x + offset * x + dim % x] = key(block, head, dim, offset)
                        v[dim * s.blockSize + offset] = value(block, head, dim, offset)
                    }
                }
                if Element.self == BFloat16.self {
                    let kb = UnsafeMutableRawPointer(keys + base).assumingMemoryBound(to: BFloat16.self)
                    let vb = UnsafeMutableRawPointer(values + base).assumingMemoryBound(to: BFloat16.self)
                    BFloat16.round(k, into: kb, count: perHead)
                    BFloat16.round(v, into: vb, count: perHead)
                } else {
                    for i in 0..<perHead {
                        keys[base + i] = Element(rounding: k[i])
                        values[base + i] = Element(rounding: v[i])
                    }
                }
            }
        }
    }
}
