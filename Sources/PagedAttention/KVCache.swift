// The paged KV cache in vLLM 0.6.2's layouts and the operations csrc/cache_kernels.cu provides on it:
// reshape_and_cache (write new keys/values through a slot mapping), copy_blocks (copy-on-write) and
// swap_blocks (device <-> host).

/// Geometry of one layer's paged KV cache.
public struct KVCacheShape: Sendable, Hashable, Codable {
    /// Number of physical blocks in the pool.
    public var numBlocks: Int
    /// Key/value heads (≤ query heads; grouped-query attention shares one KV head among several).
    public var numKVHeads: Int
    /// Elements per head vector (vLLM supports 64, 80, 96, 112, 120, 128, 192, 256).
    public var headSize: Int
    /// Tokens per block: 8, 16 or 32 (vLLM's CUDA build), or 128 (vLLM's CPU default with AVX-512).
    public var blockSize: Int

    /// Creates a shape; `headSize` must be a multiple of 8 and `blockSize` one of 8, 16, 32, 64, 128.
    public init(numBlocks: Int, numKVHeads: Int, headSize: Int, blockSize: Int) {
        require(headSize > 0 && headSize % 8 == 0, "head size must be a multiple of 8")
        require([8, 16, 32, 64, 128].contains(blockSize), "block size must be 8, 16, 32, 64 or 128")
        self.numBlocks = numBlocks
        self.numKVHeads = numKVHeads
        self.headSize = headSize
        self.blockSize = blockSize
    }

    /// Elements in one block of one layer's key (or value) cache: `numKVHeads * headSize * blockSize`.
    public var elementsPerBlock: Int { numKVHeads * headSize * blockSize }
    /// Elements of one KV head inside a block: `headSize * blockSize`.
    public var elementsPerHead: Int { headSize * blockSize }
}

/// One layer's paged KV cache.
///
/// Key cache layout `[numBlocks, numKVHeads, headSize / x, blockSize, x]` with `x = 16 / byteWidth`
/// (4 for Float, 8 for Float16): the `x` elements a GPU thread loads with one 16-byte access are
/// contiguous, and the same chunk of consecutive tokens sits side by side. Value cache layout
/// `[numBlocks, numKVHeads, headSize, blockSize]`: for a fixed dimension, the block's tokens are
/// contiguous. A reference type because the storage is large and shared by the attention calls;
/// memory is released in `deinit`.
public final class PagedKVCache<Element: KVCacheElement>: @unchecked Sendable {
    /// The cache geometry.
    public let shape: KVCacheShape
    /// Elements per 16-byte key chunk (`16 / Element.byteWidth`).
    public let x: Int
    let keys: UnsafeMutablePointer<Element>
    let values: UnsafeMutablePointer<Element>
    let count: Int

    /// Allocates a cache whose every element is zero.
    public init(shape: KVCacheShape) {
        self.shape = shape
        self.x = 16 / Element.byteWidth
        require(shape.headSize % x == 0)
        count = shape.numBlocks * shape.elementsPerBlock
        keys = .allocate(capacity: count)
        values = .allocate(capacity: count)
        keys.initialize(repeating: Element(rounding: 0), count: count)
        values.initialize(repeating: Element(rounding: 0), count: count)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Total bytes of keys plus values.
    public var byteCount: Int { 2 * count * Element.byteWidth }

    /// Index of key element `(block, head, dim, offset)` in the key layout.
    @inline(__always)
    public func keyIndex(block: Int, head: Int, dim: Int, offset: Int) -> Int {
        block * shape.elementsPerBlock + head * shape.elementsPerHead
            + (dim / x) * shape.blockSize * x + offset * x + dim % x
    }

    /// Index of value element `(block, head, dim, offset)` in the value layout.
    @inline(__always)
    public func valueIndex(block: Int, head: Int, dim: Int, offset: Int) -> Int {
        block * shape.elementsPerBlock + head * shape.elementsPerHead + dim * shape.blockSize + offset
    }

    /// Writes the keys and values of `slotMapping.count` new tokens into their slots, as vLLM's
    /// `reshape_and_cache` does: token `i` goes to block `slot / blockSize`, offset `slot % blockSize`;
    /// a negative slot marks a padding token and is skipped.
    ///
    /// - Parameters:
    ///   - key: `[numTokens, numKVHeads, headSize]`, row-major.
    ///   - value: same shape as `key`.
    public func reshapeAndCache(key: [Float], value: [Float], slotMapping: [Int]) {
        let n = shape.numKVHeads * shape.headSize
        require(key.count == slotMapping.count * n && value.count == key.count, "key/value shape mismatch")
        for (token, slot) in slotMapping.enumerated() where slot >= 0 {
            let block = slot / shape.blockSize, offset = slot % shape.blockSize
            require(block < shape.numBlocks, "slot \(slot) is outside the cache")
            for i in 0..<n {
                let head = i / shape.headSize, dim = i % shape.headSize
                keys[keyIndex(block: block, head: head, dim: dim, offset: offset)] = Element(rounding: key[token * n + i])
                values[valueIndex(block: block, head: head, dim: dim, offset: offset)] = Element(rounding: value[token * n + i])
            }
        }
    }

    /// The key vector stored in `slot` for `head`, widened to Float.
    public func key(slot: Int, head: Int) -> [Float] {
        let block = slot / shape.blockSize, offset = slot % shape.blockSize
        return (0..<shape.headSize).map { keys[keyIndex(block: block, head: head, dim: $0, offset: offset)].widened }
    }

    /// The value vector stored in `slot` for `head`, widened to Float.
    public func value(slot: Int, head: Int) -> [Float] {
        let block = slot / shape.blockSize, offset = slot % shape.blockSize
        return (0..<shape.headSize).map { values[valueIndex(block: block, head: head, dim: $0, offset: offset)].widened }
    }

    /// The raw contents of one block (keys then values) for exact comparisons.
    public func blockContents(_ block: Int) -> [Element] {
        let e = shape.elementsPerBlock
        return Array(UnsafeBufferPointer(start: keys + block * e, count: e))
            + Array(UnsafeBufferPointer(start: values + block * e, count: e))
    }

    /// Copies whole blocks inside this cache (vLLM's `copy_blocks`, used for copy-on-write).
    public func copyBlocks(_ mapping: [(source: Int, destination: Int)]) {
        let e = shape.elementsPerBlock
        for (s, d) in mapping {
            (keys + d * e).update(from: keys + s * e, count: e)
            (values + d * e).update(from: values + s * e, count: e)
        }
    }

    /// Copies whole blocks from `source` into this cache (vLLM's `swap_blocks` between the device pool
    /// and the host pool). Both caches must have the same per-block geometry.
    public func swapIn(from source: PagedKVCache<Element>, mapping: [(source: Int, destination: Int)]) {
        require(source.shape.elementsPerBlock == shape.elementsPerBlock)
        let e = shape.elementsPerBlock
        for (s, d) in mapping {
            (keys + d * e).update(from: source.keys + s * e, count: e)
            (values + d * e).update(from: source.values + s * e, count: e)
        }
    }

    /// Sets every key and value element to `value` (tests use NaN to prove unused slots are never read).
    public func fill(with value: Float) {
        keys.update(repeating: Element(rounding: value), count: count)
        values.update(repeating: Element(rounding: value), count: count)
    }

    /// Fills every slot with a deterministic pseudo-random value in [-1, 1) (benchmarks, tests).
    public func fillRandom(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for i in 0..<count {
            keys[i] = Element(rounding: rng.nextSignedUnit())
            values[i] = Element(rounding: rng.nextSignedUnit())
        }
    }
}

/// A small deterministic generator (SplitMix64) so tests and benchmarks are reproducible from a seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A Float uniformly drawn from [-1, 1).
    public mutating func nextSignedUnit() -> Float {
        Float(next() >> 40) / Float(1 << 23) - 1
    }
}

/// Like `precondition`, but kept under -Ounchecked (this target's optimization mode, which removes
/// preconditions): for API misuse that would otherwise corrupt memory or block accounting. Never
/// used inside the kernels' inner loops.
@inline(__always)
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = "",
             file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
