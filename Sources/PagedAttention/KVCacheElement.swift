// Storage element types of the KV cache and the SIMD inner loops that read them.
//
// vLLM 0.6.2 instantiates its kernels for `cache_t` in {float, half, bfloat16, uint8 (fp8)}; here the
// cache stores `Float` or `Float16` and every product is accumulated in `Float`, as vLLM does
// ("We use FP32 for the accumulator for better accuracy", attention_kernels.cu).
//
// The Swift loops are written against the portable x86-64 baseline (SSE2, no F16C), so Float16 is
// widened with integer SIMD operations (`widenHalf`) instead of a per-element library call. Where the
// CPU has AVX2, F16C and FMA, the same loops run from CPagedKernels (one vcvtph2ps per eight halves);
// `KernelPath` picks, once per call.

internal import CPagedKernels

/// Which implementation runs the attention inner loops (q·k over a block's keys, the value sums).
public enum KernelPath: Sendable, Hashable, CustomStringConvertible {
    /// The Swift SIMD loops below: the x86-64 baseline (or any other architecture), runs everywhere.
    case portable
    /// The C loops of CPagedKernels, compiled for AVX2 + F16C + FMA: hardware half widening and fused
    /// multiply-add. Only on a CPU (and OS) that supports all three.
    case avx2F16C

    /// The fastest path this machine supports, detected once (CPUID) at first use.
    public static let best: KernelPath = pk_avx2_f16c_fma_available() != 0 ? .avx2F16C : .portable

    /// Whether this machine can run the path.
    public var isAvailable: Bool { self == .portable || KernelPath.best == .avx2F16C }

    /// "portable" or "avx2+f16c+fma".
    public var description: String { self == .portable ? "portable" : "avx2+f16c+fma" }
}

/// A scalar type the paged KV cache can store. Reads always widen to `Float`.
///
/// The three conformances (`Float`, `Float16`, `BFloat16` in BFloat16.swift) carry the hot loops as static requirements, so generic
/// code pays one dynamic dispatch per cache block, never per element. Each loop takes the
/// `KernelPath` to run: `.avx2F16C` hands the block to the C loops in CPagedKernels, `.portable` runs
/// the Swift SIMD code below.
public protocol KVCacheElement: Sendable {
    /// Size of one element in bytes; vLLM's key layout packs `x = 16 / byteWidth` elements together.
    static var byteWidth: Int { get }
    /// A short name for reports ("float32", "float16").
    static var storageName: String { get }
    /// Rounds a `Float` to this storage type (round to nearest even for `Float16`).
    init(rounding value: Float)
    /// The stored value widened to `Float`.
    var widened: Float { get }

    /// q·k for the first `tokens` keys of one block of one KV head in vLLM's key layout
    /// `[headSize / x][blockSize][x]`; writes `tokens` raw dot products (no scale) to `logits`.
    static func dotKeysInBlock(query: UnsafePointer<Float>, keys: UnsafePointer<Self>, headSize: Int,
                               blockSize: Int, tokens: Int, logits: UnsafeMutablePointer<Float>, kernels: KernelPath)

    /// For one block of one KV head in vLLM's value layout `[headSize][blockSize]`, adds
    /// `probs[t] * V[d][t]` into `partial[d * 8 + t % 8]` for all `blockSize` tokens (eight lanes per
    /// dimension, reduced over lanes later). Only for full blocks (all slots hold real tokens).
    static func accumulateFullValueBlock(probs: UnsafePointer<Float>, values: UnsafePointer<Self>,
                                         headSize: Int, blockSize: Int, partial: UnsafeMutablePointer<Float>,
                                         kernels: KernelPath)

    /// `acc[d] += sum_t probs[t] * rows[t * headSize + d]` for `tokens` contiguous rows
    /// (the contiguous `[token][headSize]` layout used as the non-paged baseline).
    static func accumulateRows(probs: UnsafePointer<Float>, rows: UnsafePointer<Self>, tokens: Int,
                               headSize: Int, acc: UnsafeMutablePointer<Float>, kernels: KernelPath)

    /// `logits[t] = q · rows[t]` for `tokens` contiguous rows of `headSize` elements.
    static func dotRows(query: UnsafePointer<Float>, rows: UnsafePointer<Self>, tokens: Int, headSize: Int,
                        logits: UnsafeMutablePointer<Float>, kernels: KernelPath)
}

// MARK: - Float

extension Float: KVCacheElement {
    public static var byteWidth: Int { 4 }
    public static var storageName: String { "float32" }
    @inline(__always) public init(rounding value: Float) { self = value }
    @inline(__always) public var widened: Float { self }

    public static func dotKeysInBlock(query: UnsafePointer<Float>, keys: UnsafePointer<Float>, headSize: Int,
                                      blockSize: Int, tokens: Int, logits: UnsafeMutablePointer<Float>,
                                      kernels: KernelPath) {
        if kernels == .avx2F16C { return pk_dot_keys_f32(query, keys, headSize, blockSize, tokens, logits) }
        // x = 4: one SIMD4 per (chunk, token). Four tokens at a time keep four accumulators in registers;
        // each chunk c of the query is reused for those four keys.
        let chunks = headSize / 4
        let q = UnsafeRawPointer(query)
        let k = UnsafeRawPointer(keys)
        let chunkStride = blockSize * 16  // bytes between chunk c and c+1 of the same token
        var t = 0
        while t + 4 <= tokens {
            var a0 = SIMD4<Float>(), a1 = SIMD4<Float>(), a2 = SIMD4<Float>(), a3 = SIMD4<Float>()
            var kp = k + t * 16
            for c in 0..<chunks {
                let qc = q.loadUnaligned(fromByteOffset: c * 16, as: SIMD4<Float>.self)
                a0 += qc * kp.loadUnaligned(as: SIMD4<Float>.self)
                a1 += qc * kp.loadUnaligned(fromByteOffset: 16, as: SIMD4<Float>.self)
                a2 += qc * kp.loadUnaligned(fromByteOffset: 32, as: SIMD4<Float>.self)
                a3 += qc * kp.loadUnaligned(fromByteOffset: 48, as: SIMD4<Float>.self)
                kp += chunkStride
            }
            logits[t] = a0.sum(); logits[t + 1] = a1.sum(); logits[t + 2] = a2.sum(); logits[t + 3] = a3.sum()
            t += 4
        }
        while t < tokens {
            var a = SIMD4<Float>()
            var kp = k + t * 16
            for c in 0..<chunks {
                a += q.loadUnaligned(fromByteOffset: c * 16, as: SIMD4<Float>.self) * kp.loadUnaligned(as: SIMD4<Float>.self)
                kp += chunkStride
            }
            logits[t] = a.sum()
            t += 1
        }
    }

    public static func accumulateFullValueBlock(probs: UnsafePointer<Float>, values: UnsafePointer<Float>,
                                                headSize: Int, blockSize: Int, partial: UnsafeMutablePointer<Float>,
                                                kernels: KernelPath) {
        if kernels == .avx2F16C { return pk_acc_value_block_f32(probs, values, headSize, blockSize, partial) }
        let v = UnsafeRawPointer(values)
        accumulateValueRows(probs: probs, headSize: headSize, blockSize: blockSize, partial: partial) { d, lane in
            v.loadUnaligned(fromByteOffset: (d * blockSize + lane * 8) * 4, as: SIMD8<Float>.self)
        }
    }

    public static func accumulateRows(probs: UnsafePointer<Float>, rows: UnsafePointer<Float>, tokens: Int,
                                      headSize: Int, acc: UnsafeMutablePointer<Float>, kernels: KernelPath) {
        if kernels == .avx2F16C { return pk_acc_rows_f32(probs, rows, tokens, headSize, acc) }
        let a = UnsafeMutableRawPointer(acc)
        let vecs = headSize / 8
        var r = UnsafeRawPointer(rows)
        for t in 0..<tokens {
            let pt = SIMD8<Float>(repeating: probs[t])
            for i in 0..<vecs {
                let s = a.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
                    + pt * r.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
                a.storeBytes(of: s, toByteOffset: i * 32, as: SIMD8<Float>.self)
            }
            r += headSize * 4
        }
    }

    public static func dotRows(query: UnsafePointer<Float>, rows: UnsafePointer<Float>, tokens: Int, headSize: Int,
                               logits: UnsafeMutablePointer<Float>, kernels: KernelPath) {
        if kernels == .avx2F16C { return pk_dot_rows_f32(query, rows, tokens, headSize, logits) }
        let q = UnsafeRawPointer(query)
        var r = UnsafeRawPointer(rows)
        let vecs = headSize / 8
        for t in 0..<tokens {
            var a = SIMD8<Float>()
            for i in 0..<vecs {
                a += q.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
                    * r.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
            }
            logits[t] = a.sum()
            r += headSize * 4
        }
    }
}

/// The value-pass loop shared by both storage types: for each dimension `d`, eight Float lanes of
/// `partial` gain `sum over lane groups l of probs[l*8 ..< l*8+8] * row(d, l)`. The probabilities stay
/// in registers for the whole block; `row` loads (and widens) eight values.
@inline(__always)
func accumulateValueRows(probs: UnsafePointer<Float>, headSize: Int, blockSize: Int, partial: UnsafeMutablePointer<Float>,
                         row: (Int, Int) -> SIMD8<Float>) {
    let p = UnsafeRawPointer(probs)
    let acc = UnsafeMutableRawPointer(partial)
    let p0 = p.loadUnaligned(as: SIMD8<Float>.self)
    switch blockSize {
    case 8:
        for d in 0..<headSize {
            let s = acc.loadUnaligned(fromByteOffset: d * 32, as: SIMD8<Float>.self) + p0 * row(d, 0)
            acc.storeBytes(of: s, toByteOffset: d * 32, as: SIMD8<Float>.self)
        }
    case 16:
        let p1 = p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        for d in 0..<headSize {
            let s = acc.loadUnaligned(fromByteOffset: d * 32, as: SIMD8<Float>.self) + p0 * row(d, 0) + p1 * row(d, 1)
            acc.storeBytes(of: s, toByteOffset: d * 32, as: SIMD8<Float>.self)
        }
    default:  // a multiple of 32 (32, 64, 128): groups of 32 tokens, probabilities reloaded from L1
        for d in 0..<headSize {
            var s = acc.loadUnaligned(fromByteOffset: d * 32, as: SIMD8<Float>.self)
            for g in stride(from: 0, to: blockSize / 8, by: 4) {
                let q = { p.loadUnaligned(fromByteOffset: ($0 + g) * 32, as: SIMD8<Float>.self) }
                s += (q(0) * row(d, g) + q(1) * row(d, g + 1)) + (q(2) * row(d, g + 2) + q(3) * row(d, g + 3))
            }
            acc.storeBytes(of: s, toByteOffset: d * 32, as: SIMD8<Float>.self)
        }
    }
}

// MARK: - Float16

/// Widens eight IEEE half-precision bit patterns to `Float`, exactly (normals, subnormals, ±0, ±inf,
/// NaN), using only integer and float SIMD operations the x86-64 baseline vectorizes.
@inline(__always)
func widenHalf(_ h: SIMD8<UInt16>) -> SIMD8<Float> {
    let w = SIMD8<UInt32>(truncatingIfNeeded: h)
    // Sign and magnitude moved to Float's bit positions; the exponent is then 112 too small, and one
    // multiply by 2^112 fixes normals and subnormals alike.
    let magnitude = (w & 0x7fff) &<< 13
    let shifted = magnitude | ((w & 0x8000) &<< 16)
    let scaled = unsafeBitCast(shifted, to: SIMD8<Float>.self) * Float(bitPattern: 0x7780_0000)
    // Exponent 31 (inf, NaN) became 2^16 * (1.m): setting every exponent bit restores inf / NaN with
    // its payload. `special` is all-ones exactly there: the subtraction wraps into bit 31.
    let special = SIMD8<UInt32>(repeating: 0) &- ((SIMD8<UInt32>(repeating: 0x0f7f_ffff) &- magnitude) &>> 31)
    return unsafeBitCast(unsafeBitCast(scaled, to: SIMD8<UInt32>.self) | (special & 0x7f80_0000), to: SIMD8<Float>.self)
}

/// The IEEE bit patterns of halves, as the C loops take them.
@inline(__always)
func halfBits(_ p: UnsafePointer<Float16>) -> UnsafePointer<UInt16> {
    UnsafeRawPointer(p).assumingMemoryBound(to: UInt16.self)
}

extension Float16: KVCacheElement {
    public static var byteWidth: Int { 2 }
    public static var storageName: String { "float16" }
    @inline(__always) public init(rounding value: Float) { self = Float16(value) }
    @inline(__always) public var widened: Float {
        widenHalf(SIMD8<UInt16>(repeating: bitPattern))[0]
    }

    public static func dotKeysInBlock(query: UnsafePointer<Float>, keys: UnsafePointer<Float16>, headSize: Int,
                                      blockSize: Int, tokens: Int, logits: UnsafeMutablePointer<Float>,
                                      kernels: KernelPath) {
        if kernels == .avx2F16C { return pk_dot_keys_f16(query, halfBits(keys), headSize, blockSize, tokens, logits) }
        // x = 8: one SIMD8 of halves per (chunk, token).
        let chunks = headSize / 8
        let q = UnsafeRawPointer(query)
        let k = UnsafeRawPointer(keys)
        let chunkStride = blockSize * 16
        var t = 0
        while t + 2 <= tokens {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
            var kp = k + t * 16
            for c in 0..<chunks {
                let qc = q.loadUnaligned(fromByteOffset: c * 32, as: SIMD8<Float>.self)
                a0 += qc * widenHalf(kp.loadUnaligned(as: SIMD8<UInt16>.self))
                a1 += qc * widenHalf(kp.loadUnaligned(fromByteOffset: 16, as: SIMD8<UInt16>.self))
                kp += chunkStride
            }
            logits[t] = a0.sum(); logits[t + 1] = a1.sum()
            t += 2
        }
        while t < tokens {
            var a = SIMD8<Float>()
            var kp = k + t * 16
            for c in 0..<chunks {
                a += q.loadUnaligned(fromByteOffset: c * 32, as: SIMD8<Float>.self)
                    * widenHalf(kp.loadUnaligned(as: SIMD8<UInt16>.self))
                kp += chunkStride
            }
            logits[t] = a.sum()
            t += 1
        }
    }

    public static func accumulateFullValueBlock(probs: UnsafePointer<Float>, values: UnsafePointer<Float16>,
                                                headSize: Int, blockSize: Int, partial: UnsafeMutablePointer<Float>,
                                                kernels: KernelPath) {
        if kernels == .avx2F16C { return pk_acc_value_block_f16(probs, halfBits(values), headSize, blockSize, partial) }
        let v = UnsafeRawPointer(values)
        accumulateValueRows(probs: probs, headSize: headSize, blockSize: blockSize, partial: partial) { d, lane in
            widenHalf(v.loadUnaligned(fromByteOffset: (d * blockSize + lane * 8) * 2, as: SIMD8<UInt16>.self))
        }
    }

    public static func accumulateRows(probs: UnsafePointer<Float>, rows: UnsafePointer<Float16>, tokens: Int,
                                      headSize: Int, acc: UnsafeMutablePointer<Float>, kernels: KernelPath) {
        if kernels == .avx2F16C { return pk_acc_rows_f16(probs, halfBits(rows), tokens, headSize, acc) }
        let a = UnsafeMutableRawPointer(acc)
        let vecs = headSize / 8
        var r = UnsafeRawPointer(rows)
        for t in 0..<tokens {
            let pt = SIMD8<Float>(repeating: probs[t])
            for i in 0..<vecs {
                let s = a.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
                    + pt * widenHalf(r.loadUnaligned(fromByteOffset: i * 16, as: SIMD8<UInt16>.self))
                a.storeBytes(of: s, toByteOffset: i * 32, as: SIMD8<Float>.self)
            }
            r += headSize * 2
        }
    }

    public static func dotRows(query: UnsafePointer<Float>, rows: UnsafePointer<Float16>, tokens: Int, headSize: Int,
                               logits: UnsafeMutablePointer<Float>, kernels: KernelPath) {
        if kernels == .avx2F16C { return pk_dot_rows_f16(query, halfBits(rows), tokens, headSize, logits) }
        let q = UnsafeRawPointer(query)
        var r = UnsafeRawPointer(rows)
        let vecs = headSize / 8
        for t in 0..<tokens {
            var a = SIMD8<Float>()
            for i in 0..<vecs {
                a += q.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
                    * widenHalf(r.loadUnaligned(fromByteOffset: i * 16, as: SIMD8<UInt16>.self))
            }
            logits[t] = a.sum()
            r += headSize * 2
        }
    }
}
