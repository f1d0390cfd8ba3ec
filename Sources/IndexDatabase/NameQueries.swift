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

    /// Edge endpoints that are not symbols of the index (torch ops, external and library names).
    public func graphOnlyNodeNames() throws -> [String] {
        try dbQueue.read {
            try String.fetchAll($0, sql: """
                SELECT DISTINCT callee FROM edges WHERE callee NOT IN (SELECT qualified_name FROM symbols)
                """)
        }
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
