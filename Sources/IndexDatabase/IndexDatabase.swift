// The on-disk index: one SQLite file per checkout, written through GRDB.
//
// What it owns: the schema and its migrations, the per-unit bookkeeping that makes re-indexing
// incremental, one-transaction writes, and typed reads. What it must not know: how indexes are made
// (it stores IndexModel values), graph algorithms, HTML.
//
// Units: a Python file is its own unit; a C/C++/CUDA translation unit is one unit named by its main
// file, and owns every row it produced, including symbols found in the headers it includes. A unit
// is replaced whole when its own content or any file it includes changes.
import Foundation
import GRDB
import IndexModel

/// An error the store reports to the user.
public struct IndexDatabaseError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One file of the checkout as the last index run saw it.
public struct FileRecord: Hashable, Codable, Sendable {
    public var path: RepoPath
    public var language: Language
    /// Hex content fingerprint.
    public var hash: String
    public var size: Int
    /// Modification time in whole nanoseconds since 1970, used only to skip re-hashing.
    public var mtime: Int64
    /// `ok`, `skipped` (too large, binary), or `failed`.
    public var status: String
    /// Why it was skipped or failed ("" otherwise).
    public var message: String
    public init(path: RepoPath, language: Language, hash: String, size: Int, mtime: Int64, status: String = "ok",
                message: String = "")
    {
        self.path = path
        self.language = language
        self.hash = hash
        self.size = size
        self.mtime = mtime
        self.status = status
        self.message = message
    }
}

/// A unit as stored: its main file, what it includes, whether it failed.
public struct UnitRecord: Hashable, Sendable {
    public var path: RepoPath
    public var language: Language
    public var includes: [RepoPath]
    public var failed: Bool
    public var exports: [String]
}

/// A call edge as the call graph resolved it, stored for queries.
public struct EdgeRecord: Hashable, Codable, Sendable {
    public var caller: String
    public var callee: String
    public var kind: String
    public var confidence: String
    public var file: RepoPath
    public var line: Int
    public var column: Int
    public var evidence: String
    /// `op-binding` edges: the dispatch key of the registration ("" otherwise).
    public var dispatchKey: String = ""
    public init(caller: String, callee: String, kind: String, confidence: String, file: RepoPath, line: Int,
                column: Int = 0, evidence: String = "", dispatchKey: String = "")
    {
        self.dispatchKey = dispatchKey
        self.caller = caller
        self.callee = callee
        self.kind = kind
        self.confidence = confidence
        self.file = file
        self.line = line
        self.column = column
        self.evidence = evidence
    }
}

/// Counts for the end-of-run summary and `marginalia status`.
public struct IndexCounts: Hashable, Codable, Sendable {
    public var filesByLanguage: [String: Int] = [:]
    public var units = 0
    public var symbols = 0
    public var symbolsByKind: [String: Int] = [:]
    public var calls = 0
    public var launches = 0
    public var registrations = 0
    public var imports = 0
    public var edges = 0
    public var unitsWithErrors = 0
    public var skippedFiles = 0
    public init() {}
}

/// The SQLite index of one checkout.
public final class IndexStore: @unchecked Sendable {
    public let path: String
    let dbQueue: DatabaseQueue

    /// The current schema version (the number of registered migrations).
    public static let schemaVersion = 4

    /// Migrations a read-only open needs: `v2-traces` only adds tables (recorded runs) that readers
    /// treat as empty when absent; `v2-profiles` adds the class hierarchy and dispatch keys queries read.
    /// `v3-call-arguments` adds the arguments of Python calls the call graph reads registrations from.
    static let requiredForReading: Set<String> = ["v1", "v2-profiles", "v3-call-arguments"]

    /// Opens (creating and migrating if needed) the index at `path`.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        var config = Configuration()
        config.readonly = readOnly
        // Readers leave the journal mode alone: setting it writes, and a read-only index must still open.
        if !readOnly { config.journalMode = .wal }
        if readOnly, !FileManager.default.fileExists(atPath: path) {
            throw IndexDatabaseError("no index at \(path): run `marginalia index CHECKOUT` first")
        }
        do {
            dbQueue = try DatabaseQueue(path: path, configuration: config)
            if !readOnly { try Self.migrator.migrate(dbQueue) } else {
                let applied = try dbQueue.read { try Self.migrator.appliedIdentifiers($0) }
                if !Self.requiredForReading.isSubset(of: Set(applied)) {
                    throw IndexDatabaseError("the index at \(path) is from an older Marginalia: run `marginalia index` again")
                }
            }
        } catch let error as DatabaseError {
            throw IndexDatabaseError("cannot open index \(path): \(error.message ?? error.description)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE files (
                    path TEXT PRIMARY KEY, language TEXT NOT NULL, hash TEXT NOT NULL, size INTEGER NOT NULL,
                    mtime INTEGER NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL);
                CREATE TABLE units (
                    path TEXT PRIMARY KEY, language TEXT NOT NULL, includes TEXT NOT NULL, failed INTEGER NOT NULL,
                    exports TEXT NOT NULL);
                CREATE TABLE symbols (
                    id INTEGER PRIMARY KEY, unit TEXT NOT NULL, qualified_name TEXT NOT NULL, name TEXT NOT NULL,
                    kind TEXT NOT NULL, language TEXT NOT NULL, file TEXT NOT NULL,
                    line INTEGER NOT NULL, col INTEGER NOT NULL, end_line INTEGER NOT NULL, end_col INTEGER NOT NULL,
                    name_line INTEGER, name_col INTEGER, name_end_line INTEGER, name_end_col INTEGER,
                    signature TEXT NOT NULL, doc TEXT NOT NULL, parent TEXT NOT NULL, attributes TEXT NOT NULL,
                    bases TEXT NOT NULL, usr TEXT NOT NULL);
                CREATE INDEX symbols_qname ON symbols(qualified_name);
                CREATE INDEX symbols_name ON symbols(name);
                CREATE INDEX symbols_file ON symbols(file);
                CREATE INDEX symbols_unit ON symbols(unit);
                CREATE TABLE calls (
                    id INTEGER PRIMARY KEY, unit TEXT NOT NULL, caller TEXT NOT NULL, callee TEXT NOT NULL,
                    kind TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL,
                    end_line INTEGER NOT NULL, end_col INTEGER NOT NULL, target_usr TEXT NOT NULL,
                    target_name TEXT NOT NULL, launch_config TEXT NOT NULL, via_macro TEXT NOT NULL,
                    argc INTEGER NOT NULL);
                CREATE INDEX calls_unit ON calls(unit);
                CREATE INDEX calls_caller ON calls(caller);
                CREATE TABLE imports (
                    unit TEXT NOT NULL, scope TEXT NOT NULL, module TEXT NOT NULL, level INTEGER NOT NULL,
                    name TEXT NOT NULL, alias TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL,
                    conditional INTEGER NOT NULL);
                CREATE INDEX imports_unit ON imports(unit);
                CREATE TABLE type_facts (
                    unit TEXT NOT NULL, scope TEXT NOT NULL, target TEXT NOT NULL, expression TEXT NOT NULL,
                    origin TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL);
                CREATE INDEX type_facts_unit ON type_facts(unit);
                CREATE TABLE registrations (
                    unit TEXT NOT NULL, kind TEXT NOT NULL, ns_expr TEXT NOT NULL, ns TEXT NOT NULL,
                    op TEXT NOT NULL, schema TEXT NOT NULL, dispatch_key TEXT NOT NULL, target TEXT NOT NULL,
                    target_usr TEXT NOT NULL, condition TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL,
                    scope TEXT NOT NULL);
                CREATE INDEX registrations_unit ON registrations(unit);
                CREATE TABLE macro_expansions (
                    unit TEXT NOT NULL, name TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL,
                    def_file TEXT NOT NULL, def_line INTEGER NOT NULL, scope TEXT NOT NULL);
                CREATE INDEX macro_expansions_unit ON macro_expansions(unit);
                CREATE TABLE diagnostics (
                    unit TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL,
                    severity TEXT NOT NULL, message TEXT NOT NULL);
                CREATE INDEX diagnostics_unit ON diagnostics(unit);
                CREATE TABLE edges (
                    caller TEXT NOT NULL, callee TEXT NOT NULL, kind TEXT NOT NULL, confidence TEXT NOT NULL,
                    file TEXT NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL, evidence TEXT NOT NULL);
                CREATE INDEX edges_caller ON edges(caller);
                CREATE INDEX edges_callee ON edges(callee);
                """)
        }
        // The resolved class hierarchy, written with the edges: run-time profiles narrow queries by it.
        m.registerMigration("v2-profiles") { db in
            try db.execute(sql: """
                CREATE TABLE class_bases (class TEXT NOT NULL, base TEXT NOT NULL, position INTEGER NOT NULL,
                                          PRIMARY KEY (class, position));
                ALTER TABLE edges ADD COLUMN dispatch_key TEXT NOT NULL DEFAULT '';
                """)
            // Indexes written before this table have no hierarchy: resolve again on the next run.
            try db.execute(sql: "DELETE FROM meta WHERE key = 'edges_version'")
        }
        m.registerMigration("v2-traces") { db in try Self.createTraceTables(db) }
        // The parser's call arguments (JSON, "" for none): the call graph reads op and method names from
        // them instead of the source. Python units written before hold none: they are parsed again.
        m.registerMigration("v3-call-arguments") { db in
            try db.execute(sql: "ALTER TABLE calls ADD COLUMN arguments TEXT NOT NULL DEFAULT ''")
            try db.execute(sql: "DELETE FROM meta WHERE key = 'edges_version'")
        }
        return m
    }

    // MARK: - Writing

    /// One index run's changes, applied in a single transaction by `apply(_:)`.
    public struct Update: Sendable {
        /// The complete, current list of files (replaces the previous list).
        public var files: [FileRecord] = []
        /// Units to replace (their old rows are deleted first).
        public var replacedUnits: [FileIndex] = []
        /// Units whose main file is gone (rows deleted).
        public var deletedUnits: [RepoPath] = []
        /// When set, the edge table is replaced by these.
        public var edges: [EdgeRecord]? = nil
        /// When set (with `edges`), the class hierarchy is replaced by this: class -> direct bases in order.
        public var classBases: [String: [String]]? = nil
        /// Key/value pairs for the meta table (checkout root, release, ...).
        public var meta: [String: String] = [:]
        public init() {}
    }

    /// Applies one run's changes in one transaction: a failure or a kill leaves the previous index.
    public func apply(_ update: Update) throws {
        try dbQueue.write { db in
            try db.execute(sql: "DELETE FROM files")
            let fileStmt = try db.makeStatement(sql: "INSERT INTO files VALUES (?,?,?,?,?,?,?)")
            for f in update.files {
                try fileStmt.execute(arguments: [f.path.rawValue, f.language.rawValue, f.hash, f.size, f.mtime,
                                                 f.status, f.message])
            }
            let gone = update.deletedUnits + update.replacedUnits.map(\.path)
            for table in ["symbols", "calls", "imports", "type_facts", "registrations", "macro_expansions",
                          "diagnostics", "units"]
            {
                let column = table == "units" ? "path" : "unit"
                let del = try db.makeStatement(sql: "DELETE FROM \(table) WHERE \(column) = ?")
                for unit in gone { try del.execute(arguments: [unit.rawValue]) }
            }
            try Self.insert(units: update.replacedUnits, db: db)
            if let edges = update.edges {
                try db.execute(sql: "DELETE FROM edges")
                let st = try db.makeStatement(sql: """
                    INSERT INTO edges (caller, callee, kind, confidence, file, line, col, evidence, dispatch_key)
                    VALUES (?,?,?,?,?,?,?,?,?)
                    """)
                for e in edges {
                    try st.execute(arguments: [e.caller, e.callee, e.kind, e.confidence, e.file.rawValue, e.line,
                                               e.column, e.evidence, e.dispatchKey])
                }
            }
            if let bases = update.classBases {
                try db.execute(sql: "DELETE FROM class_bases")
                let st = try db.makeStatement(sql: "INSERT INTO class_bases VALUES (?,?,?)")
                for (c, bs) in bases.sorted(by: { $0.key < $1.key }) {
                    for (i, b) in bs.enumerated() { try st.execute(arguments: [c, b, i]) }
                }
            }
            for (k, v) in update.meta.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT OR REPLACE INTO meta VALUES (?, ?)", arguments: [k, v])
            }
        }
    }

    /// Compact, deterministic JSON array of strings (hand-written: this runs for every stored row).
    /// A call's arguments as stored: JSON, "" for a call with none recorded.
    static func json(_ arguments: [CallArgument]) -> String {
        guard !arguments.isEmpty else { return "" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(arguments)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    static func callArguments(_ json: String) -> [CallArgument] {
        guard !json.isEmpty else { return [] }
        return (try? JSONDecoder().decode([CallArgument].self, from: Data(json.utf8))) ?? []
    }

    static func json(_ strings: [String]) -> String {
        if strings.isEmpty { return "[]" }
        var out = "["
        for (i, s) in strings.enumerated() {
            if i > 0 { out += "," }
            out += "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if u.value < 0x20 {
                        let hex = String(u.value, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(u)
                    }
                }
            }
            out += "\""
        }
        return out + "]"
    }

    static func strings(_ json: String) -> [String] {
        guard !json.isEmpty, json != "[]",
              let arr = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String]
        else { return [] }
        return arr
    }

    static func insert(units: [FileIndex], db: Database) throws {
        let unitSt = try db.makeStatement(sql: "INSERT INTO units VALUES (?,?,?,?,?)")
        let symSt = try db.makeStatement(sql: """
            INSERT INTO symbols (unit, qualified_name, name, kind, language, file, line, col, end_line, end_col,
              name_line, name_col, name_end_line, name_end_col, signature, doc, parent, attributes, bases, usr)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        let callSt = try db.makeStatement(sql: """
            INSERT INTO calls (unit, caller, callee, kind, file, line, col, end_line, end_col, target_usr,
              target_name, launch_config, via_macro, argc, arguments) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        let impSt = try db.makeStatement(sql: "INSERT INTO imports VALUES (?,?,?,?,?,?,?,?,?)")
        let tfSt = try db.makeStatement(sql: "INSERT INTO type_facts VALUES (?,?,?,?,?,?,?)")
        let regSt = try db.makeStatement(sql: "INSERT INTO registrations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
        let macSt = try db.makeStatement(sql: "INSERT INTO macro_expansions VALUES (?,?,?,?,?,?,?)")
        let diagSt = try db.makeStatement(sql: "INSERT INTO diagnostics VALUES (?,?,?,?,?,?)")
        for u in units {
            let unit = u.path.rawValue
            try unitSt.execute(arguments: [unit, u.language.rawValue, json(u.includes.map(\.rawValue)), u.failed,
                                           json(u.exports)])
            for s in u.symbols {
                let n = s.nameRange
                symSt.setUncheckedArguments([
                    unit, s.qualifiedName, s.name, s.kind.rawValue, s.language.rawValue, s.file.rawValue,
                    s.range.start.line, s.range.start.column, s.range.end.line, s.range.end.column,
                    n?.start.line, n?.start.column, n?.end.line, n?.end.column,
                    s.signature, s.doc, s.parent, json(s.attributes), json(s.bases), s.usr,
                ])
                try symSt.execute()
            }
            for c in u.calls {
                callSt.setUncheckedArguments([
                    unit, c.caller, c.callee, c.kind.rawValue, c.file.rawValue, c.range.start.line,
                    c.range.start.column, c.range.end.line, c.range.end.column, c.targetUSR, c.targetName,
                    c.launchConfig, c.viaMacro, c.argumentCount, Self.json(c.arguments),
                ])
                try callSt.execute()
            }
            for i in u.imports {
                try impSt.execute(arguments: [unit, i.scope, i.module, i.level, i.name, i.alias, i.file.rawValue,
                                              i.line, i.conditional])
            }
            for t in u.typeFacts {
                try tfSt.execute(arguments: [unit, t.scope, t.target, t.expression, t.origin.rawValue,
                                             t.file.rawValue, t.line])
            }
            for r in u.registrations {
                try regSt.execute(arguments: [unit, r.kind.rawValue, r.namespaceExpression, r.namespace, r.opName,
                                              r.schema, r.dispatchKey, r.target, r.targetUSR, r.condition,
                                              r.file.rawValue, r.line, r.scope])
            }
            for m in u.macroExpansions {
                try macSt.execute(arguments: [unit, m.name, m.file.rawValue, m.line, m.definitionFile,
                                              m.definitionLine, m.scope])
            }
            for d in u.diagnostics {
                try diagSt.execute(arguments: [unit, d.file.rawValue, d.line, d.column, d.severity.rawValue,
                                               d.message])
            }
        }
    }

    // MARK: - Reading

    public func meta(_ key: String) throws -> String? {
        try dbQueue.read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    public func files() throws -> [FileRecord] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM files ORDER BY path").map { r in
                FileRecord(path: RepoPath(r["path"] as String), language: Language(rawValue: r["language"]) ?? .cpp,
                           hash: r["hash"], size: r["size"], mtime: r["mtime"], status: r["status"],
                           message: r["message"])
            }
        }
    }

    public func units() throws -> [UnitRecord] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM units ORDER BY path").map { r in
                UnitRecord(path: RepoPath(r["path"] as String), language: Language(rawValue: r["language"]) ?? .cpp,
                           includes: Self.strings(r["includes"]).map(RepoPath.init(rawValue:)),
                           failed: r["failed"], exports: Self.strings(r["exports"]))
            }
        }
    }

    static let symbolColumns = """
        qualified_name, name, kind, language, file, line, col, end_line, end_col, name_line, name_col,
        name_end_line, name_end_col, signature, doc, parent, attributes, bases, usr
        """

    static func symbol(_ r: Row) -> Symbol {
        var nameRange: SourceRange?
        if let nl: Int = r["name_line"], let nc: Int = r["name_col"], let nel: Int = r["name_end_line"],
           let nec: Int = r["name_end_col"]
        {
            nameRange = SourceRange(line: nl, column: nc, endLine: nel, endColumn: nec)
        }
        return Symbol(
            qualifiedName: r["qualified_name"], name: r["name"], kind: SymbolKind(rawValue: r["kind"]),
            language: Language(rawValue: r["language"]) ?? .cpp, file: RepoPath(r["file"] as String),
            range: SourceRange(line: r["line"], column: r["col"], endLine: r["end_line"], endColumn: r["end_col"]),
            nameRange: nameRange, signature: r["signature"], doc: r["doc"], parent: r["parent"],
            attributes: strings(r["attributes"]), bases: strings(r["bases"]), usr: r["usr"])
    }

    /// Symbols matching an SQL condition, deduplicated (a header's symbol is reported by every
    /// translation unit that includes it) and in a stable order.
    func symbols(where condition: String, arguments: StatementArguments = [], limit: Int? = nil) throws -> [Symbol] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT DISTINCT \(Self.symbolColumns) FROM symbols WHERE \(condition)
                ORDER BY qualified_name, file, line, col, signature, kind \(limit.map { "LIMIT \($0)" } ?? "")
                """, arguments: arguments).map(Self.symbol)
        }
    }

    /// Every symbol of the checkout.
    public func allSymbols() throws -> [Symbol] { try symbols(where: "1") }

    /// Symbols whose qualified name is exactly `name`.
    public func symbols(qualifiedName name: String) throws -> [Symbol] {
        try symbols(where: "qualified_name = ?", arguments: [name])
    }

    /// Symbols defined in `file`, in source order.
    public func symbols(inFile file: RepoPath) throws -> [Symbol] {
        try symbols(where: "file = ?", arguments: [file.rawValue]).sorted {
            ($0.range.start, $0.qualifiedName) < ($1.range.start, $1.qualifiedName)
        }
    }

    /// Candidate symbols for a search pattern: names containing `fragment` (case-insensitive),
    /// at most `limit` of them. Ranking is the caller's.
    public func symbols(nameContaining fragment: String, limit: Int = 5000) throws -> [Symbol] {
        let escaped = fragment.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        return try symbols(where: "(name LIKE ? ESCAPE '\\' OR qualified_name LIKE ? ESCAPE '\\')",
                           arguments: ["%\(escaped)%", "%\(escaped)%"], limit: limit)
    }

    /// All names, for near-miss suggestions.
    public func allQualifiedNames() throws -> [String] {
        try dbQueue.read { try String.fetchAll($0, sql: "SELECT DISTINCT qualified_name FROM symbols ORDER BY 1") }
    }

    /// Every call site, deduplicated across units.
    public func allCalls() throws -> [CallSite] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT DISTINCT caller, callee, kind, file, line, col, end_line, end_col, target_usr, target_name,
                  launch_config, via_macro, argc, arguments FROM calls ORDER BY file, line, col, callee
                """).map { r in
                CallSite(caller: r["caller"], callee: r["callee"], kind: CallKind(rawValue: r["kind"]) ?? .call,
                         file: RepoPath(r["file"] as String),
                         range: SourceRange(line: r["line"], column: r["col"], endLine: r["end_line"],
                                            endColumn: r["end_col"]),
                         targetUSR: r["target_usr"], targetName: r["target_name"],
                         launchConfig: r["launch_config"], viaMacro: r["via_macro"], argumentCount: r["argc"],
                         arguments: Self.callArguments(r["arguments"]))
            }
        }
    }

    public func allImports() throws -> [Import] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT scope, module, level, name, alias, file, line, conditional FROM imports
                ORDER BY file, line, name
                """).map { r in
                Import(scope: r["scope"], module: r["module"], level: r["level"], name: r["name"], alias: r["alias"],
                       file: RepoPath(r["file"] as String), line: r["line"], conditional: r["conditional"])
            }
        }
    }

    public func allTypeFacts() throws -> [TypeFact] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT scope, target, expression, origin, file, line FROM type_facts ORDER BY file, line, target
                """).map { r in
                TypeFact(scope: r["scope"], target: r["target"], expression: r["expression"],
                         origin: TypeFact.Origin(rawValue: r["origin"]) ?? .annotation,
                         file: RepoPath(r["file"] as String), line: r["line"])
            }
        }
    }

    public func allRegistrations() throws -> [Registration] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT DISTINCT kind, ns_expr, ns, op, schema, dispatch_key, target, target_usr, condition, file,
                  line, scope FROM registrations ORDER BY file, line, op, kind
                """).map { r in
                Registration(kind: Registration.Kind(rawValue: r["kind"]) ?? .impl, namespaceExpression: r["ns_expr"],
                             namespace: r["ns"], opName: r["op"], schema: r["schema"], dispatchKey: r["dispatch_key"],
                             target: r["target"], targetUSR: r["target_usr"], condition: r["condition"],
                             file: RepoPath(r["file"] as String), line: r["line"], scope: r["scope"])
            }
        }
    }

    public func allMacroExpansions() throws -> [MacroExpansion] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT DISTINCT name, file, line, def_file, def_line, scope FROM macro_expansions
                ORDER BY file, line, name
                """).map { r in
                MacroExpansion(name: r["name"], file: RepoPath(r["file"] as String), line: r["line"],
                               definitionFile: r["def_file"], definitionLine: r["def_line"], scope: r["scope"])
            }
        }
    }

    /// Diagnostics of every unit (or of one unit), deduplicated.
    public func diagnostics(unit: RepoPath? = nil) throws -> [Diagnostic] {
        try dbQueue.read { db in
            let cond = unit == nil ? "1" : "unit = ?"
            let args: StatementArguments = unit.map { [$0.rawValue] } ?? []
            return try Row.fetchAll(db, sql: """
                SELECT DISTINCT file, line, col, severity, message FROM diagnostics WHERE \(cond)
                ORDER BY file, line, col, message
                """, arguments: args).map { r in
                Diagnostic(file: RepoPath(r["file"] as String), line: r["line"], column: r["col"],
                           severity: Diagnostic.Severity(rawValue: r["severity"]) ?? .error, message: r["message"])
            }
        }
    }

    /// Units with at least one error diagnostic or marked failed.
    public func unitsWithErrors() throws -> [RepoPath] {
        try dbQueue.read { db in
            try String.fetchAll(db, sql: """
                SELECT DISTINCT unit FROM diagnostics WHERE severity IN ('error','fatal')
                UNION SELECT path FROM units WHERE failed = 1 ORDER BY 1
                """).map(RepoPath.init(rawValue:))
        }
    }

    static func edge(_ r: Row) -> EdgeRecord {
        EdgeRecord(caller: r["caller"], callee: r["callee"], kind: r["kind"], confidence: r["confidence"],
                   file: RepoPath(r["file"] as String), line: r["line"], column: r["col"], evidence: r["evidence"],
                   dispatchKey: r["dispatch_key"])
    }

    /// The resolved class hierarchy: class -> direct bases, in order.
    public func classBases() throws -> [String: [String]] {
        try dbQueue.read { db in
            var out: [String: [String]] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT class, base FROM class_bases ORDER BY class, position") {
                out[r["class"] as String, default: []].append(r["base"])
            }
            return out
        }
    }

    public func edges(from caller: String) throws -> [EdgeRecord] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM edges WHERE caller = ? ORDER BY file, line, col, callee",
                             arguments: [caller]).map(Self.edge)
        }
    }

    public func edges(to callee: String) throws -> [EdgeRecord] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM edges WHERE callee = ? ORDER BY file, line, col, caller",
                             arguments: [callee]).map(Self.edge)
        }
    }

    public func allEdges() throws -> [EdgeRecord] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM edges ORDER BY caller, file, line, col, callee, kind")
                .map(Self.edge)
        }
    }

    /// Counts for summaries.
    public func counts() throws -> IndexCounts {
        try dbQueue.read { db in
            var c = IndexCounts()
            for r in try Row.fetchAll(db, sql: "SELECT language, COUNT(*) AS n FROM files WHERE status = 'ok' GROUP BY 1") {
                c.filesByLanguage[r["language"]] = r["n"]
            }
            c.skippedFiles = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM files WHERE status != 'ok'") ?? 0
            c.units = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM units") ?? 0
            let distinctSymbols = """
                SELECT DISTINCT qualified_name, kind, file, line, col, signature FROM symbols
                """
            c.symbols = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(distinctSymbols))") ?? 0
            for r in try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) AS n FROM (\(distinctSymbols)) GROUP BY kind") {
                c.symbolsByKind[r["kind"]] = r["n"]
            }
            let distinctCalls = "SELECT DISTINCT caller, callee, kind, file, line, col FROM calls WHERE kind != 'attribute'"
            c.calls = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(distinctCalls))") ?? 0
            c.launches = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(distinctCalls)) WHERE kind = 'launch'") ?? 0
            c.registrations = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM (SELECT DISTINCT kind, op, file, line, target FROM registrations)
                """) ?? 0
            c.imports = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM imports") ?? 0
            c.edges = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM edges") ?? 0
            c.unitsWithErrors = try unitsWithErrorsCount(db)
            return c
        }
    }

    private func unitsWithErrorsCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM (SELECT DISTINCT unit FROM diagnostics WHERE severity IN ('error','fatal')
            UNION SELECT path FROM units WHERE failed = 1)
            """) ?? 0
    }
}

extension IndexStore {
    /// Calls `body` with the stored rows of each unit not in `excluded`, in path order: what the
    /// call graph needs from the units a run did not rebuild.
    public func forEachUnitRow(excluding excluded: Set<RepoPath>, _ body: (FileIndex) throws -> Void) throws {
        try dbQueue.read { db in
            var units: [String: FileIndex] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT * FROM units") {
                let p = RepoPath(r["path"] as String)
                guard !excluded.contains(p) else { continue }
                units[p.rawValue] = FileIndex(path: p, language: Language(rawValue: r["language"]) ?? .cpp,
                                              includes: Self.strings(r["includes"]).map(RepoPath.init(rawValue:)),
                                              exports: Self.strings(r["exports"]), failed: r["failed"])
            }
            let cursor = try Row.fetchCursor(db, sql: "SELECT unit, \(Self.symbolColumns) FROM symbols ORDER BY id")
            while let r = try cursor.next() {
                let u: String = r["unit"]
                if units[u] != nil { units[u]!.symbols.append(Self.symbol(r)) }
            }
            let calls = try Row.fetchCursor(db, sql: "SELECT * FROM calls ORDER BY id")
            while let r = try calls.next() {
                let u: String = r["unit"]
                guard units[u] != nil else { continue }
                units[u]!.calls.append(CallSite(
                    caller: r["caller"], callee: r["callee"], kind: CallKind(rawValue: r["kind"]) ?? .call,
                    file: RepoPath(r["file"] as String),
                    range: SourceRange(line: r["line"], column: r["col"], endLine: r["end_line"], endColumn: r["end_col"]),
                    targetUSR: r["target_usr"], targetName: r["target_name"], launchConfig: r["launch_config"],
                    viaMacro: r["via_macro"], argumentCount: r["argc"], arguments: Self.callArguments(r["arguments"])))
            }
            let imps = try Row.fetchCursor(db, sql: "SELECT * FROM imports")
            while let r = try imps.next() {
                let u: String = r["unit"]
                guard units[u] != nil else { continue }
                units[u]!.imports.append(Import(
                    scope: r["scope"], module: r["module"], level: r["level"], name: r["name"], alias: r["alias"],
                    file: RepoPath(r["file"] as String), line: r["line"], conditional: r["conditional"]))
            }
            let tfs = try Row.fetchCursor(db, sql: "SELECT * FROM type_facts")
            while let r = try tfs.next() {
                let u: String = r["unit"]
                guard units[u] != nil else { continue }
                units[u]!.typeFacts.append(TypeFact(
                    scope: r["scope"], target: r["target"], expression: r["expression"],
                    origin: TypeFact.Origin(rawValue: r["origin"]) ?? .annotation,
                    file: RepoPath(r["file"] as String), line: r["line"]))
            }
            let regs = try Row.fetchCursor(db, sql: "SELECT * FROM registrations")
            while let r = try regs.next() {
                let u: String = r["unit"]
                guard units[u] != nil else { continue }
                units[u]!.registrations.append(Registration(
                    kind: Registration.Kind(rawValue: r["kind"]) ?? .impl, namespaceExpression: r["ns_expr"],
                    namespace: r["ns"], opName: r["op"], schema: r["schema"], dispatchKey: r["dispatch_key"],
                    target: r["target"], targetUSR: r["target_usr"], condition: r["condition"],
                    file: RepoPath(r["file"] as String), line: r["line"], scope: r["scope"]))
            }
            for key in units.keys.sorted() { try body(units[key]!) }
        }
    }
}

extension IndexStore {
    /// Every caller and callee named by an edge (symbols, torch op nodes, external nodes).
    public func edgeNodeNames() throws -> [String] {
        try dbQueue.read { try String.fetchAll($0, sql: "SELECT caller FROM edges UNION SELECT callee FROM edges") }
    }
}

extension IndexStore {
    /// Graph node names equal to `name` or ending with `.name` / `::name`, from symbols and edges,
    /// found through the indexes (no full scan for a symbol's own name).
    public func nodeNames(matching name: String, lastComponent: String) throws -> [String] {
        try dbQueue.read { db in
            var out = Set<String>()
            for q in try String.fetchAll(db, sql: "SELECT DISTINCT qualified_name FROM symbols WHERE name = ? OR qualified_name = ?",
                                         arguments: [lastComponent, name])
            where q == name || q.hasSuffix("." + name) || q.hasSuffix("::" + name)
            {
                out.insert(q)
            }
            if try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM edges WHERE callee = ?)", arguments: [name]) ?? false {
                out.insert(name)
            }
            if out.isEmpty {
                // Graph-only nodes (torch ops, externals) by suffix: a scan, only when nothing else matched.
                for q in try String.fetchAll(db, sql: """
                    SELECT DISTINCT callee FROM edges WHERE callee LIKE ? ESCAPE '\\' OR callee LIKE ? ESCAPE '\\'
                    """, arguments: ["%." + Self.likeEscaped(name), "%::" + Self.likeEscaped(name)])
                {
                    out.insert(q)
                }
            }
            return out.sorted()
        }
    }

    static func likeEscaped(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
