/// "Did you mean": the names closest to one that was not found. Shared by every look-up that can miss
/// (command-line symbols, note links, note ids, file paths), so all of them suggest alike.
public enum NearMiss {
    /// The last component of a qualified name (`vllm.core.Scheduler.schedule` -> `schedule`,
    /// `vllm::paged_attention_v1_kernel` -> `paged_attention_v1_kernel`, `a/b.py` -> `a/b.py`).
    public static func lastComponent(_ name: String) -> String {
        let u = Array(name.utf8)
        var start = 0
        var i = u.count - 1
        while i > 0 {
            if u[i] == UInt8(ascii: ":") && u[i - 1] == UInt8(ascii: ":") { start = i + 1; break }
            i -= 1
        }
        if let dot = u[start...].lastIndex(of: UInt8(ascii: ".")) { start = dot + 1 }
        guard start < u.count else { return name }
        return String(decoding: u[start...], as: UTF8.self)
    }

    /// Up to `limit` candidates closest to `query`, best first: names whose last component is within
    /// a third of its length (at least 2) by edit distance, ranked by that distance and then by the
    /// distance of the whole names; when fewer are that close, names whose last component contains the
    /// query's (or is contained in it) follow. Case is ignored; ties go by name.
    public static func best(for query: String, among candidates: [String], limit: Int = 5) -> [String] {
        let q = Array(lastComponent(query).lowercased().unicodeScalars)
        guard !q.isEmpty else { return [] }
        let whole = Array(query.lowercased().unicodeScalars)
        let threshold = max(2, q.count / 3)
        var close: [(Int, String)] = []
        var containing: [(Int, String)] = []
        for c in candidates {
            let last = Array(lastComponent(c).lowercased().unicodeScalars)
            if abs(last.count - q.count) <= threshold {
                let d = distance(q, last, bound: threshold)
                if d <= threshold {
                    close.append((d * 100 + min(distance(whole, Array(c.lowercased().unicodeScalars), bound: 99), 99), c))
                    continue
                }
            }
            if q.count >= 4, last.count >= 4, contains(last, q) || contains(q, last) {
                containing.append((abs(last.count - q.count), c))
            }
        }
        close.sort { $0 < $1 }
        containing.sort { $0 < $1 }
        var seen = Set<String>()
        return (close + containing).map(\.1).filter { seen.insert($0).inserted }.prefix(limit).map { $0 }
    }

    /// Levenshtein distance of two names (case-sensitive), over Unicode scalars.
    public static func distance(_ a: String, _ b: String) -> Int {
        distance(Array(a.unicodeScalars), Array(b.unicodeScalars), bound: Int.max - 1)
    }

    /// Levenshtein distance, giving up with `bound + 1` as soon as it must exceed `bound`.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], bound: Int) -> Int {
        var prev: [Int] = [], cur: [Int] = []
        return boundedDistance(a, b, bound: bound, &prev, &cur)
    }

    /// Levenshtein distance of two sequences, `bound + 1` as soon as it must exceed `bound`; `prev` and `cur`
    /// are scratch rows a caller comparing many pairs can reuse.
    @inlinable
    public static func boundedDistance<T: Equatable>(_ a: [T], _ b: [T], bound: Int, _ prev: inout [Int], _ cur: inout [Int]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        prev.removeAll(keepingCapacity: true)
        prev.append(contentsOf: 0...b.count)
        cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            var rowMin = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                rowMin = min(rowMin, cur[j])
            }
            if rowMin > bound { return bound + 1 }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    static func contains(_ hay: [Unicode.Scalar], _ needle: [Unicode.Scalar]) -> Bool {
        guard !needle.isEmpty, needle.count <= hay.count else { return false }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] {
            if hay[i..<(i + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
