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
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw UserError("marginalia: empty symbol name; pass a qualified name or a unique suffix (LLM.generate)")
        }
        let exact = try store.symbols(qualifiedName: name)
        if !exact.isEmpty { return exact }
        let last = NearMiss.lastComponent(name)
        let bySuffix = try store.symbols(nameContaining: last).filter {
            $0.qualifiedName == name || $0.qualifiedName.hasSuffix("." + name) || $0.qualifiedName.hasSuffix("::" + name)
                || $0.name == name
        }
        let qnames = Set(bySuffix.map(\.qualifiedName))
        if qnames.count == 1 { return bySuffix }
        if qnames.count > 1 {
            throw UserError("marginalia: '\(name)' is ambiguous; it matches \(qnames.count) symbols:\n"
                + NameRanking.listing(NameRanking.ambiguousOrder(Array(qnames))) + "\n  (pass more of the qualified name)")
        }
        let suggestions = try nearMisses(name)
        var message = "marginalia: unknown symbol '\(name)'"
        if !suggestions.isEmpty {
            message += "; did you mean:\n" + suggestions.map { "  \($0)" }.joined(separator: "\n")
        }
        throw UserError(message)
    }

    /// Up to `limit` qualified names close to `name` (edit distance on the last component, then on the
    /// enclosing ones, vLLM's own code first; see `NameRanking`), for "did you mean".
    public func nearMisses(_ name: String, limit: Int = 5) throws -> [String] {
        try store.suggestions(for: name, includeGraphNodes: false, limit: limit)
    }

}
