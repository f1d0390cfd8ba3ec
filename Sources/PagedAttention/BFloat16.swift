// bfloat16 storage for the paged KV cache: vLLM's CPU default dtype.
//
// A bfloat16 is the upper 16 bits of an IEEE float (sign, the same 8 exponent bits, 7 mantissa bits),
// so widening is a shift and costs the same on every CPU; only rounding a Float down to it has a
// dedicated instruction (AVX512_BF16's vcvtneps2bf16), chosen at run time by `BFloat16Conversion`.
// Keys use vLLM's 16-bit key layout, x = 8 (16 bytes per chunk), exactly as Float16.

internal import CPagedKernels

/// How Floats are rounded to bfloat16 in bulk (cache writes).
public enum BFloat16Conversion: Sendable, Hashable, CustomStringConvertible {
    /// Round to nearest even with integer arithmetic; runs everywhere.
    case portable
    /// vcvtneps2bf16 (AVX-512 F/BW/VL + AVX512_BF16), sixteen floats per instruction.
    case avx512bf16

    /// The fastest conversion this machine supports, detected once (CPUID and XCR0).
    public static let best: BFloat16Conversion = pk_avx512bf16_available() != 0 ? .avx512bf16 : .portable

    /// Whether this machine can run it.
    public var isAvailable: Bool { self == .portable || BFloat16Conversion.best == .avx512bf16 }

    /// "portable" or "avx512bf16".
    public var description: String { self == .portable ? "portable" : "avx512bf16" }
}

/// A bfloat16 value, stored as its bit pattern.
public struct BFloat16: Sendable, Hashable, CustomStringConvertible {
    /// The raw bits (the top half of the Float it widens to).
    public var bitPattern: UInt16

    /// The value with these bits.
    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// Rounds to nearest, ties to even; NaN stays a (quiet) NaN, overflow rounds to infinity.
    @inline(__always) public init(_ value: Float) {
        let bits = value.bitPattern
        if value.isNaN {
            bitPattern = UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
        } else {
            let bias: UInt32 = 0x7fff + ((bits >> 16) & 1)
            bitPattern = UInt16(truncatingIfNeeded: (bits &+ bias) >> 16)
        }
    }

    /// The exact Float value.
    @inline(__always) public var float: Float { Float(bitPattern: UInt32(bitPattern) << 16) }

    public var description: String { "\(float)" }

    /// Rounds `count` Floats from `source` into `destination` with the given conversion (it must be
    /// available on this CPU). Both conversions give identical bits.
    public static func round(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<BFloat16>, count: Int,
                             conversion: BFloat16Conversion = .best) {
        require(conversion.isAvailable, "bfloat16 conversion \(conversion) is not available on this CPU")
        if conversion == .avx512bf16 {
            let d = UnsafeMutableRawPointer(destination).assumingMemoryBound(to: UInt16.self)
            return pk_round_bf16_avx512(source, d, count)
        }
        for i in 0..<count { destination[i] = BFloat16(source[i]) }
    }
}

/// Widens eight bfloat16 bit patterns to Float: zero-extend, shift left by 16.
@inline(__always)
func widenBFloat16(_ h: SIMD8<UInt16>) -> SIMD8<Float> {
    unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: h) &<< 16, to: SIMD8<Float>.self)
}

@inline(__always)
func bf16Bits(_ p: UnsafePointer<BFloat16>) -> UnsafePointer<UInt16> {
    UnsafeRawPointer(p).assumingMemoryBound(to: UInt16.self)
}

extension BFloat16: KVCacheElement {
    public static var byteWidth: Int { 2 }
    public static var storageName: String { "bfloat16" }
    @inline(__always) public init(rounding value: Float) { self.init(value) }
    @inline(__always) public var widened: Float { float }

    public static func dotKeysInBlock(query: UnsafePointer<Float>, keys: UnsafePointer<BFloat16>, headSize: Int,
                                      blockSize: Int, tokens: Int, logits: UnsafeMutablePointer<Float>,
                                      kernels: KernelPath) {
        if kernels == .avx2F16C { return pk_dot_keys_bf16(query, bf16Bits(keys), headSize, blockSize, tokens, logits) }
        // x = 8, as for Float16: one SIMD8 of bfloat16 per (chunk, token); two tokens per pass.
        let chunks = headSize / 8
        let q = UnsafeRawPointer(query), k = UnsafeRawPointer(keys)
        let chunkStride = blockSize * 16
        var t = 0
        while t < tokens {
            let pair = t + 1 < tokens
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
            var kp = k + t * 16
            for c in 0..<chunks {
                let qc = q.loadUnaligned(fromByteOffset: c * 32, as: SIMD8<Float>.self)
                a0 += qc * widenBFloat16(kp.loadUnaligned(as: SIMD8<UInt16>.self))
                if pair { a1 += qc * widenBFloat16(kp.loadUnaligned(fromByteOffset: 16, as: SIMD8<UInt16>.self)) }
                kp += chunkStride
            }
            logits[t] = a0.sum()
            if pair { logits[t + 1] = a1.sum() }
            t += 2
        }
    }

    public static func accumulateFullValueBlock(probs: UnsafePointer<Float>, values: UnsafePointer<BFloat16>,
                                                headSize: Int, blockSize: Int, partial: UnsafeMutablePointer<Float>,
                                                kernels: KernelPath) {
        if kernels == .avx2F16C { return pk_acc_value_block_bf16(probs, bf16Bits(values), headSize, blockSize, partial) }
        let v = UnsafeRawPointer(values)
        accumulateValueRows(probs: probs, headSize: headSize, blockSize: blockSize, partial: partial) { d, lane in
            widenBFloat16(v.loadUnaligned(fromByteOffset: (d * blockSize + lane * 8) * 2, as: SIMD8<UInt16>.self))
        }
    }

    public static func accumulateRows(probs: UnsafePointer<Float>, rows: UnsafePointer<BFloat16>, tokens: Int,
                                      headSize: Int, acc: UnsafeMutablePointer<Float>, kernels: KernelPath) {
        if kernels == .avx2F16C { return pk_acc_rows_bf16(probs, bf16Bits(rows), tokens, headSize, acc) }
        let a = UnsafeMutableRawPointer(acc)
        var r = UnsafeRawPointer(rows)
        for t in 0..<tokens {
            let pt = SIMD8<Float>(repeating: probs[t])
            for i in 0..<(headSize / 8) {
                let s = a.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
                    + pt * widenBFloat16(r.loadUnaligned(fromByteOffset: i * 16, as: SIMD8<UInt16>.self))
                a.storeBytes(of: s, toByteOffset: i * 32, as: SIMD8<Float>.self)
            }
            r += headSize * 2
        }
    }

    public static func dotRows(query: UnsafePointer<Float>, rows: UnsafePointer<BFloat16>, tokens: Int, headSize: Int,
                               logits: UnsafeMutablePointer<Float>, kernels: KernelPath) {
        if kernels == .avx2F16C { return pk_dot_rows_bf16(query, bf16Bits(rows), tokens, headSize, logits) }
        let q = UnsafeRawPointer(query)
        var r = UnsafeRawPointer(rows)
        for t in 0..<tokens {
            var a = SIMD8<Float>()
            for i in 0..<(headSize / 8) {
                a += q.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
                    * widenBFloat16(r.loadUnaligned(fromByteOffset: i * 16, as: SIMD8<UInt16>.self))
            }
            logits[t] = a.sum()
            r += headSize * 2
        }
    }
}
