// The few look-ups "did you mean" needs, through the indexes: distinct short names first, qualified
// names only for the short names that are close (no full scan of qualified names on a large index).
import Foundation
import GRDB

extension IndexStore {
    /// Every distinct short name of a symbol (the last component of its qualified name).
    public func distinctSymbolNames() throws -> [String] {
        try dbQueue.read { try String.fetchAll($0, sql: "SELECT DISTINCT name FROM symbols") }
    }

    /// The qualified names of the symbols whose short name is one of `names`.
    public func qualifiedNames(withNames names: [String]) throws -> [String] {
        guard !names.isEmpty else { return [] }
        return try dbQueue.read { db in
            var out = Set<String>()
            for chunk in stride(from: 0, to: names.count, by: 500).map({ Array(names[$0..<min($0 + 500, names.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for q in try String.fetchAll(db, sql: "SELECT DISTINCT qualified_name FROM symbols WHERE name IN (\(marks))",
                                             arguments: StatementArguments(chunk))
                {
                    out.insert(q)
                }
            }
            return out.sorted()
        }
    }

    /// Every distinct callee of an edge: symbols, torch ops, external and library names (through the
    /// callee index; filtering out the symbols in SQL would cost a lookup per edge).
    public func edgeCalleeNames() throws -> [String] {
        try dbQueue.read { try String.fetchAll($0, sql: "SELECT DISTINCT callee FROM edges") }
    }
}

extension IndexStore {
    /// Which of `names` are qualified names of symbols of the index.
    public func existingQualifiedNames(_ names: [String]) throws -> Set<String> {
        guard !names.isEmpty else { return [] }
        return try dbQueue.read { db in
            var out = Set<String>()
            for start in stride(from: 0, to: names.count, by: 500) {
                let chunk = Array(names[start..<min(start + 500, names.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for q in try String.fetchAll(db, sql: "SELECT DISTINCT qualified_name FROM symbols WHERE qualified_name IN (\(marks))",
                                             arguments: StatementArguments(chunk))
                {
                    out.insert(q)
                }
            }
            return out
        }
    }
}

extension IndexStore {
    /// The language of each of `names` that is a symbol of the index (the first one's, for a name
    /// defined twice).
    public func languages(of names: [String]) throws -> [String: String] {
        guard !names.isEmpty else { return [:] }
        return try dbQueue.read { db in
            var out: [String: String] = [:]
            for start in stride(from: 0, to: names.count, by: 500) {
                let chunk = Array(names[start..<min(start + 500, names.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try Row.fetchAll(db, sql: "SELECT qualified_name, language FROM symbols WHERE qualified_name IN (\(marks)) ORDER BY id",
                                            arguments: StatementArguments(chunk))
                {
                    let q: String = row[0]
                    if out[q] == nil { out[q] = row[1] }
                }
            }
            return out
        }
    }
}

/// What the index kept of one translation unit or file that had parse errors.
public struct UnitRecovery: Sendable {
    public var unit: String
    /// Definitions (symbols whose unit it is) and call sites recovered despite the errors.
    public var definitions: Int
    public var calls: Int
    /// Error and fatal diagnostics.
    public var errors: Int
    /// True when the parse failed outright (libclang error or crash): nothing of the unit is indexed.
    public var failed: Bool
}

extension IndexStore {
    /// For each unit with parse errors: what was still recovered.
    public func unitRecovery() throws -> [UnitRecovery] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT u.unit AS unit,
                       (SELECT COUNT(*) FROM symbols s WHERE s.unit = u.unit) AS defs,
                       (SELECT COUNT(*) FROM calls c WHERE c.unit = u.unit) AS calls,
                       (SELECT COUNT(*) FROM diagnostics d WHERE d.unit = u.unit AND d.severity IN ('error','fatal')) AS errors,
                       COALESCE((SELECT failed FROM units WHERE path = u.unit), 0) AS failed
                FROM (SELECT DISTINCT unit FROM diagnostics WHERE severity IN ('error','fatal')
                      UNION SELECT path FROM units WHERE failed = 1) AS u ORDER BY 1
                """).map {
                UnitRecovery(unit: $0["unit"], definitions: $0["defs"], calls: $0["calls"], errors: $0["errors"],
                             failed: ($0["failed"] as Int) != 0)
            }
        }
    }
}
