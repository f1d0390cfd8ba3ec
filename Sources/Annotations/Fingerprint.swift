// Fingerprints of code text: stable across releases and machines, insensitive to whitespace.

/// Text fingerprints used by anchors: FNV-1a 64-bit over whitespace-free text, written as 16 hex digits.
///
/// Whitespace is removed entirely (not collapsed) so that re-indenting or re-wrapping spaces inside a
/// line does not change the fingerprint. No cryptographic strength is wanted or claimed.
public enum Fingerprint {
    /// FNV-1a 64 of the UTF-8 bytes of `text`.
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// `text` with every ASCII whitespace character (space, tab, CR, LF, VT, FF) removed.
    public static func normalize(_ line: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(line.utf8.count)
        for b in line.utf8 where !isSpace(b) { bytes.append(b) }
        return String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0d).contains(b) }

    /// `text` with every whitespace character removed.
    public static func normalize(_ line: String) -> String { normalize(line[...]) }

    /// The 16-hex-digit fingerprint of one line (whitespace removed).
    public static func line(_ line: Substring) -> String { hex(fnv1a(normalize(line))) }

    /// The fingerprint of a block of lines: each line normalized, blank lines dropped, joined by `\n`.
    public static func block<S: Sequence>(_ lines: S) -> String where S.Element == Substring {
        hex(fnv1a(lines.map { normalize($0) }.filter { !$0.isEmpty }.joined(separator: "\n")))
    }

    /// 16 lower-case hex digits, zero padded.
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Number of one-byte min-hashes in a line's pair sketch (`lineGrams`).
    public static let gramHashes = 32

    /// The character-pair sketch of one line: `-` when the line is trivial, else `gramHashes` one-byte
    /// min-hashes of the whitespace-free line's pairs of adjacent characters, as hex. Two sketches agree
    /// in about J of their positions, J being the Jaccard similarity of the lines' pair sets.
    public static func grams(_ line: Substring) -> String {
        let n = normalize(line)
        if isTrivial(normalized: n) { return "-" }
        let mins = pairMinHashes(n)
        var out = ""
        for m in mins {
            let b = UInt8(truncatingIfNeeded: m)
            out += String(b >> 4, radix: 16) + String(b & 15, radix: 16)
        }
        return out
    }

    /// The `gramHashes` minimum hashes of a normalized line's adjacent-character pairs.
    static func pairMinHashes(_ normalized: String) -> [UInt64] {
        let u = Array(normalized.unicodeScalars)
        var mins = [UInt64](repeating: .max, count: gramHashes)
        guard u.count >= 2 else { return mins }
        for i in 0..<(u.count - 1) {
            let pair = UInt64(u[i].value) &* 65_599 &+ UInt64(u[i + 1].value)
            for k in 0..<gramHashes {
                let h = mix(pair ^ (UInt64(k + 1) &* 0x9E37_79B9_7F4A_7C15))
                if h < mins[k] { mins[k] = h }
            }
        }
        return mins
    }

    /// The one-byte min-hashes of `pairMinHashes`, for comparing with a stored sketch.
    static func gramBytes(_ normalized: String) -> [UInt8] {
        pairMinHashes(normalized).map { UInt8(truncatingIfNeeded: $0) }
    }

    /// Parses a stored pair sketch; nil for `-` or malformed text.
    static func parseGrams(_ s: String) -> [UInt8]? {
        guard s.utf8.count == gramHashes * 2 else { return nil }
        var out: [UInt8] = []
        var it = s.makeIterator()
        while let a = it.next(), let b = it.next() {
            guard let x = UInt8(String([a, b]), radix: 16) else { return nil }
            out.append(x)
        }
        return out
    }

    /// Estimated Dice similarity of two lines from their pair sketches (one-byte collisions corrected).
    static func gramDice(_ a: [UInt8], _ b: [UInt8]) -> Double {
        let n = min(a.count, b.count)
        guard n > 0 else { return 0 }
        var same = 0
        for i in 0..<n where a[i] == b[i] { same += 1 }
        let p = Double(same) / Double(n)
        let j = max(0, (p - 1.0 / 256) / (1 - 1.0 / 256))
        return 2 * j / (1 + j)
    }

    /// SplitMix64's finaliser: a well-mixed 64-bit value.
    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True when a normalized line carries too little to identify code on its own (`}`, `else:`,
    /// `return`, `pass`, blank): such lines count little in similarity scores.
    static func isTrivial(normalized: String) -> Bool {
        var alnum = 0
        for b in normalized.utf8 where (0x30...0x39).contains(b) || (0x41...0x5a).contains(b) || (0x61...0x7a).contains(b) || b >= 0xc0 {
            alnum += 1
            if alnum >= 8 { return false }
        }
        return true
    }
}

/// A file's text split into lines, with per-line fingerprints computed once.
///
/// Lines are split on `\n`; a trailing `\r` stays part of the line's text but not of its fingerprint.
struct LineTable: Sendable {
    /// The raw lines (without `\n`), 0-based.
    let lines: [Substring]
    /// Fingerprints of the normalized lines, 0-based.
    let hashes: [UInt64]
    /// Whether each line is trivial (see `Fingerprint.isTrivial`).
    let trivial: [Bool]

    init(text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if text.hasSuffix("\n") { lines.removeLast() }
        self.lines = lines
        var hashes: [UInt64] = []
        var trivial: [Bool] = []
        hashes.reserveCapacity(lines.count)
        trivial.reserveCapacity(lines.count)
        // Byte-level: the same value as fnv1a(normalize(line)), without building strings.
        for line in lines {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            var alnum = 0
            for b in line.utf8 where !Fingerprint.isSpace(b) {
                hash ^= UInt64(b)
                hash = hash &* 0x0000_0100_0000_01b3
                if (0x30...0x39).contains(b) || (0x41...0x5a).contains(b) || (0x61...0x7a).contains(b) || b >= 0xc0 { alnum += 1 }
            }
            hashes.append(hash)
            trivial.append(alnum < 8)
        }
        self.hashes = hashes
        self.trivial = trivial
    }

    var count: Int { lines.count }

    /// The text of 1-based inclusive `range`, clamped to the file, each line ending in `\n`.
    func text(_ range: ClosedRange<Int>) -> String {
        let lo = max(1, range.lowerBound), hi = min(count, range.upperBound)
        guard lo <= hi else { return "" }
        return lines[(lo - 1)...(hi - 1)].map { $0 + "\n" }.joined()
    }

    /// Lines of 1-based inclusive `range`, clamped.
    func slice(_ range: ClosedRange<Int>) -> ArraySlice<Substring> {
        let lo = max(1, range.lowerBound), hi = min(count, range.upperBound)
        guard lo <= hi else { return [] }
        return lines[(lo - 1)...(hi - 1)]
    }
}
