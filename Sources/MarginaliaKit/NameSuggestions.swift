// "Did you mean" and "ambiguous" lists for names given on the command line, ranked the way a reader
// of vLLM expects: closest last component first, then the closest enclosing components, vLLM's own
// code before tests, benchmarks and examples, shorter names before longer ones.
import Foundation
import IndexDatabase
import IndexModel

public enum NameRanking {
    /// Components of a dotted or `::` qualified name.
    static func components(_ name: String) -> [String] {
        name.replacingOccurrences(of: "::", with: ".").split(separator: ".", omittingEmptySubsequences: true).map(String.init)
    }

    /// 0 for vLLM's own code (`vllm.`, `vllm::`, `csrc`), 2 for tests, benchmarks and examples, 1 otherwise.
    static func origin(_ name: String) -> Int {
        let first = components(name).first ?? name
        switch first {
        case "vllm", "_C", "torch": return 0
        case "tests", "test", "benchmarks", "examples", "tools", "docs": return 2
        default: return 1
        }
    }

    /// The largest edit distance of a last component still offered as a near miss.
    static func budget(_ last: String) -> Int { max(2, last.count / 3) }

    /// The order of names that all match a query (ambiguous look-ups): vLLM's first, then fewer
    /// components, then by name.
    public static func ambiguousOrder(_ names: [String]) -> [String] {
        names.map { (origin($0), components($0).count, $0) }.sorted { $0 < $1 }.map(\.2)
    }

    /// Up to `limit` names close to `query`: ranked by the edit distance of the last component, then of
    /// the query's enclosing components against the name's (`LLM.genrate` prefers `...LLM.generate`),
    /// then origin, then length. `names` is (short name, qualified names with that short name).
    public static func suggestions(for query: String, shortNames: [String],
                                   qualifiedNames: ([String]) throws -> [String], limit: Int = 5) rethrows -> [String]
    {
        let parts = components(query)
        guard let lastQ = parts.last?.lowercased(), !lastQ.isEmpty else { return [] }
        let b = budget(lastQ)
        // Bytes, lowercased ASCII: a few hundred thousand names are compared per look-up.
        let q = Array(lastQ.utf8)
        var close: [String: Int] = [:]
        var containing: [String: Int] = [:]
        var c: [UInt8] = []
        var prev: [Int] = [], cur: [Int] = []
        for n in shortNames {
            let len = n.utf8.count
            let near = abs(len - q.count) <= b
            guard near || (q.count >= 4 && len >= 4) else { continue }
            c.removeAll(keepingCapacity: true)
            for x in n.utf8 { c.append(x >= 65 && x <= 90 ? x + 32 : x) }
            if near {
                let d = boundedDistance(q, c, bound: b, &prev, &cur)
                if d <= b { close[n] = d; continue }
            }
            if q.count >= 4, len >= 4, bytesContain(c, q) || bytesContain(q, c) {
                containing[n] = b + 1 + abs(len - q.count)
            }
        }
        // Only the closest short names need their qualified names.
        let ranked = close.sorted { ($0.value, $0.key) < ($1.value, $1.key) } + containing.sorted { ($0.value, $0.key) < ($1.value, $1.key) }
        let wanted = ranked.prefix(max(limit * 8, 40))
        // Short names that differ only in case (`cache`, `Cache`) share a score: the better one.
        let score = Dictionary(wanted.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: min)
        let enclosing = parts.dropLast().map { $0.lowercased() }
        var scored: [(Int, Int, Int, Int, String)] = []
        // qualifiedNames may return a name twice (a symbol that is also an edge callee): ranked once.
        for name in try qualifiedNames(wanted.map(\.key)) {
            let cs = components(name).map { $0.lowercased() }
            guard let last = cs.last, let d = score[last] else { continue }
            var dParents = 0
            if !enclosing.isEmpty {
                let theirs = cs.dropLast().suffix(enclosing.count)
                dParents = NearMiss.distance(enclosing.joined(separator: "."), theirs.joined(separator: "."))
            }
            // The enclosing components decide only when they (nearly) match; then vLLM's own code first.
            let parentsMatch = dParents <= max(1, enclosing.joined(separator: ".").count / 4) ? 0 : 1
            scored.append((d, parentsMatch, origin(name), dParents * 100 + cs.count, name))
        }
        scored.sort { $0 < $1 }
        return scored.prefix(limit).map(\.4)
    }

    /// Near misses for a file path: files ending with the query's path first (`scheduler.py` ->
    /// `vllm/core/scheduler.py`), then files whose base name is close by edit distance.
    public static func fileSuggestions(for query: String, among files: [String], limit: Int = 5) -> [String] {
        var q = query
        while q.hasPrefix("./") { q.removeFirst(2) }
        guard !q.isEmpty else { return [] }
        let base = (q.split(separator: "/").last.map(String.init) ?? q).lowercased()
        let b = budget(base)
        var scored: [(Int, Int, Int, String)] = []
        for f in files {
            let lower = f.lowercased()
            let fb = (lower.split(separator: "/").last.map(String.init) ?? lower)
            let originRank = lower.hasPrefix("vllm/") || lower.hasPrefix("csrc/") ? 0
                : (lower.hasPrefix("tests/") || lower.hasPrefix("benchmarks/") || lower.hasPrefix("examples/") ? 2 : 1)
            if lower.hasSuffix("/" + q.lowercased()) {
                scored.append((0, originRank, f.count, f))
            } else if abs(fb.count - base.count) <= b {
                let d = NearMiss.distance(base, fb)
                if d <= b { scored.append((1 + d, originRank, f.count, f)) }
            }
        }
        scored.sort { $0 < $1 }
        return scored.prefix(limit).map(\.3)
    }

    /// Levenshtein distance of two byte strings, `bound + 1` as soon as it must exceed `bound`.
    static func boundedDistance(_ a: [UInt8], _ b: [UInt8], bound: Int, _ prev: inout [Int], _ cur: inout [Int]) -> Int {
        NearMiss.boundedDistance(a, b, bound: bound, &prev, &cur)
    }

    static func bytesContain(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= hay.count else { return false }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] {
            var k = 1
            while k < needle.count, hay[i + k] == needle[k] { k += 1 }
            if k == needle.count { return true }
        }
        return false
    }

    /// An indented list of names, every one up to `shown`, then "… N more".
    public static func listing(_ names: [String], shown: Int = 20) -> String {
        var lines = names.prefix(shown).map { "  \($0)" }
        if names.count > shown { lines.append("  … \(names.count - shown) more") }
        return lines.joined(separator: "\n")
    }
}

extension IndexStore {
    /// Near-miss qualified names for `query`, symbols and graph-only nodes (torch ops, externals), through
    /// the name index: fast on a large index.
    public func suggestions(for query: String, includeGraphNodes: Bool = true, limit: Int = 5) throws -> [String] {
        var short = try distinctSymbolNames()
        var graphByShort: [String: [String]] = [:]
        if includeGraphNodes {
            let known = Set(short)
            for n in try edgeCalleeNames() {
                let s = NearMiss.lastComponent(n)
                if graphByShort[s] == nil, !known.contains(s) { short.append(s) }
                graphByShort[s, default: []].append(n)
            }
        }
        return try NameRanking.suggestions(for: query, shortNames: short, qualifiedNames: { names in
            Array(Set(try self.qualifiedNames(withNames: names) + names.flatMap { graphByShort[$0] ?? [] }))
        }, limit: limit)
    }
}
