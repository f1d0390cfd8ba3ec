// Symbol look-ups for `find`, `def`, `symbols` and name arguments of every other command.
import Foundation
import IndexDatabase
import IndexModel

/// A ranked match of `find`.
public struct SymbolMatch: Sendable {
    public var symbol: Symbol
    /// Lower is better: 0 exact qualified name, 1 exact name, 2 qualified-name suffix, 3 name prefix,
    /// 4 name contains, 5 qualified name contains; case-insensitive matches add 10.
    public var rank: Int
}

/// Queries over the symbol table.
public struct SymbolQueries {
    public let store: IndexStore
    public init(store: IndexStore) { self.store = store }

    /// Symbols matching `pattern`, best first.
    public func find(_ pattern: String, kind: String? = nil, language: String? = nil, limit: Int = 50) throws
        -> [SymbolMatch]
    {
        guard !pattern.isEmpty else { return [] }
        let candidates = try store.symbols(nameContaining: pattern)
        let lower = pattern.lowercased()
        var out: [SymbolMatch] = []
        for s in candidates {
            if let kind, s.kind.rawValue != kind { continue }
            if let language, s.language.rawValue != language { continue }
            guard let r = Self.rank(s, pattern: pattern, lower: lower) else { continue }
            out.append(SymbolMatch(symbol: s, rank: r))
        }
        out.sort {
            ($0.rank, Self.kindOrder($0.symbol.kind), $0.symbol.qualifiedName.count, $0.symbol.qualifiedName,
             $0.symbol.file.rawValue, $0.symbol.range.start.line)
                < ($1.rank, Self.kindOrder($1.symbol.kind), $1.symbol.qualifiedName.count, $1.symbol.qualifiedName,
                   $1.symbol.file.rawValue, $1.symbol.range.start.line)
        }
        return Array(out.prefix(limit))
    }

    static func rank(_ s: Symbol, pattern: String, lower: String) -> Int? {
        func score(_ q: String, _ n: String, _ p: String) -> Int? {
            if q == p { return 0 }
            if n == p { return 1 }
            if q.hasSuffix("." + p) || q.hasSuffix("::" + p) { return 2 }
            if n.hasPrefix(p) { return 3 }
            if n.contains(p) { return 4 }
            if q.contains(p) { return 5 }
            return nil
        }
        if let r = score(s.qualifiedName, s.name, pattern) { return r }
        if let r = score(s.qualifiedName.lowercased(), s.name.lowercased(), lower) { return r + 10 }
        return nil
    }

    /// Definitions first, then declarations; kernels and classes before variables.
    static func kindOrder(_ k: SymbolKind) -> Int {
        switch k {
        case .class, .struct, .kernel: return 0
        case .function, .method, .deviceFunction: return 1
        case .module, .namespace: return 2
        case .variable, .field, .enumConstant, .macro: return 4
        default: return 3
        }
    }

    /// The symbols a name given on the command line denotes: an exact qualified name, else a unique
    /// dotted/`::` suffix or bare name. Throws a message with near-miss suggestions when the name is
    /// unknown, and lists the candidates when it is ambiguous.
    public func resolve(_ name: String) throws -> [Symbol] {
        let exact = try store.symbols(qualifiedName: name)
        if !exact.isEmpty { return exact }
        let last = Self.lastComponent(name)
        let bySuffix = try store.symbols(nameContaining: last).filter {
            $0.qualifiedName == name || $0.qualifiedName.hasSuffix("." + name) || $0.qualifiedName.hasSuffix("::" + name)
                || $0.name == name
        }
        let qnames = Set(bySuffix.map(\.qualifiedName))
        if qnames.count == 1 { return bySuffix }
        if qnames.count > 1 {
            let list = qnames.sorted().prefix(12).map { "  \($0)" }.joined(separator: "\n")
            throw UserError("marginalia: '\(name)' is ambiguous; it matches \(qnames.count) symbols:\n\(list)")
        }
        let suggestions = try nearMisses(name)
        var message = "marginalia: unknown symbol '\(name)'"
        if !suggestions.isEmpty {
            message += "; did you mean:\n" + suggestions.map { "  \($0)" }.joined(separator: "\n")
        }
        throw UserError(message)
    }

    /// Up to `limit` qualified names close to `name` (edit distance on the last component, then
    /// substring), for "did you mean".
    public func nearMisses(_ name: String, limit: Int = 5) throws -> [String] {
        NearMiss.best(for: name, among: try store.allQualifiedNames(), limit: limit)
    }

    static func lastComponent(_ name: String) -> String {
        var s = Substring(name)
        if let r = s.range(of: "::", options: .backwards) { s = s[r.upperBound...] }
        if let d = s.lastIndex(of: ".") { s = s[s.index(after: d)...] }
        return String(s)
    }
}

/// Near-miss suggestions for unknown names.
public enum NearMiss {
    /// The `limit` candidates closest to `query`: ranked by edit distance between last components
    /// (case-insensitive), then by shared substrings; only reasonably close ones are returned.
    public static func best(for query: String, among candidates: [String], limit: Int = 5) -> [String] {
        let q = Array(SymbolQueries.lastComponent(query).lowercased().utf8)
        guard !q.isEmpty else { return [] }
        let threshold = max(2, q.count / 3)
        var scored: [(Int, String)] = []
        for c in candidates {
            let last = Array(SymbolQueries.lastComponent(c).lowercased().utf8)
            if abs(last.count - q.count) > threshold {
                if last.count >= 4, q.count >= 4, (containsSlice(last, q) || containsSlice(q, last)) {
                    scored.append((threshold, c))
                }
                continue
            }
            let d = editDistance(q, last, bound: threshold)
            if d <= threshold { scored.append((d, c)) }
        }
        scored.sort { ($0.0, $0.1.count, $0.1) < ($1.0, $1.1.count, $1.1) }
        var seen = Set<String>()
        return scored.map(\.1).filter { seen.insert($0).inserted }.prefix(limit).map { $0 }
    }

    static func containsSlice(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= hay.count else { return false }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] {
            if Array(hay[i..<(i + needle.count)]) == needle { return true }
        }
        return false
    }

    /// Levenshtein distance, giving up (returning bound + 1) once it exceeds `bound`.
    static func editDistance(_ a: [UInt8], _ b: [UInt8], bound: Int) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            var rowMin = cur[0]
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                rowMin = min(rowMin, cur[j])
            }
            if rowMin > bound { return bound + 1 }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
