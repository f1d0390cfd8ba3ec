// Deterministic input mutation: every case is a pure function of (target, seed, case number), so a
// crash found in a batch can be regenerated alone in a child process and saved.

/// SplitMix64: small, fast, and the same sequence on every machine.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in `0..<n` (n > 0).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    mutating func chance(_ oneIn: Int) -> Bool { below(oneIn) == 0 }
}

/// Mutates byte strings the way a corrupted checkout, a bad merge or an attacker would: byte flips,
/// deletions, duplications, truncation, bytes that are not UTF-8, NUL, syntax fragments of the
/// target's language, splices from another input, and a fragment repeated thousands of times (deep
/// nesting, long lines).
struct Mutator {
    /// Fragments of the target's syntax worth inserting (brackets, keywords, directives, quotes).
    let fragments: [[UInt8]]
    /// Fragments repeated many times in a row to build deep nesting or long flat expressions.
    let deepFragments: [[UInt8]]

    static let bytesThatAreNotUTF8: [[UInt8]] = [[0xFF], [0xFE, 0xFF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0x80], [0xED, 0xA0, 0x80], [0]]

    func mutate(_ input: [UInt8], other: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let rounds = 1 + rng.below(8)
        for _ in 0..<rounds {
            let at = rng.below(bytes.count + 1)
            switch rng.below(11) {
            case 0:  // flip a bit
                if at < bytes.count { bytes[at] ^= UInt8(1) << UInt8(rng.below(8)) }
            case 1:  // a random byte
                if at < bytes.count { bytes[at] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2:  // delete a range
                if at < bytes.count { bytes.removeSubrange(at..<min(bytes.count, at + 1 + rng.below(200))) }
            case 3:  // duplicate a range
                if at < bytes.count {
                    let chunk = bytes[at..<min(bytes.count, at + 1 + rng.below(400))]
                    bytes.insert(contentsOf: chunk, at: rng.below(bytes.count + 1))
                }
            case 4:  // truncate
                bytes = Array(bytes.prefix(at))
            case 5:  // bytes that are not UTF-8, NUL
                bytes.insert(contentsOf: Self.bytesThatAreNotUTF8[rng.below(Self.bytesThatAreNotUTF8.count)], at: at)
            case 6, 7:  // a syntax fragment
                if !fragments.isEmpty { bytes.insert(contentsOf: fragments[rng.below(fragments.count)], at: at) }
            case 8:  // splice a piece of another input
                if !other.isEmpty {
                    let from = rng.below(other.count)
                    bytes.insert(contentsOf: other[from..<min(other.count, from + 1 + rng.below(2_000))], at: at)
                }
            case 9:  // deep nesting or a long flat run (rarely: every case would be slow)
                if !deepFragments.isEmpty, rng.chance(3) {
                    let fragment = deepFragments[rng.below(deepFragments.count)]
                    let times = [50, 500, 5_000, 20_000][rng.below(4)]
                    var piece: [UInt8] = []
                    piece.reserveCapacity(fragment.count * times)
                    for _ in 0..<times { piece += fragment }
                    bytes.insert(contentsOf: piece, at: at)
                }
            default:  // swap two lines' worth of bytes
                if bytes.count > 2 {
                    let a = rng.below(bytes.count), b = rng.below(bytes.count)
                    bytes.swapAt(a, b)
                }
            }
        }
        // Keep cases bounded: 4 MB at most.
        if bytes.count > 4 << 20 { bytes = Array(bytes.prefix(4 << 20)) }
        return bytes
    }
}
