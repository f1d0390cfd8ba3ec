// The naive contiguous attention every kernel is checked against.

/// `softmax(q·Kᵀ·scale + alibi)·V` for one query vector over contiguous keys and values, computed in
/// Double in the most direct way. Deliberately shares no code with the kernels.
public enum ReferenceAttention {
    /// - Parameters:
    ///   - query: `headSize` elements.
    ///   - keys: `contextLength` rows of `headSize` elements.
    ///   - values: same shape as `keys`.
    ///   - alibiSlope: adds `slope * (j - contextLength + 1)` to the logit of token `j`.
    /// - Returns: `headSize` elements.
    public static func singleQuery(query: [Float], keys: [[Float]], values: [[Float]], scale: Float,
                                   alibiSlope: Float = 0) -> [Float] {
        let n = keys.count
        var logits = [Double](repeating: 0, count: n)
        for j in 0..<n {
            var dot = 0.0
            for d in query.indices { dot += Double(query[d]) * Double(keys[j][d]) }
            logits[j] = dot * Double(scale) + Double(alibiSlope) * Double(j - n + 1)
        }
        let m = logits.max() ?? 0
        let exps = logits.map { exp($0 - m) }
        let total = exps.reduce(0, +)
        var out = [Double](repeating: 0, count: query.count)
        for j in 0..<n {
            let w = exps[j] / total
            for d in out.indices { out[d] += w * Double(values[j][d]) }
        }
        return out.map { Float($0) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
