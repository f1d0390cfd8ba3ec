// Recorded runs in the index: one row per run, its observed calls and entry points. Added by the
// "v2-traces" migration; re-indexing never touches them (they are compared with the edges of the
// moment, so a better call graph is measured against the same run without re-importing it).
import Foundation
import GRDB
import IndexModel

/// A recorded run as stored.
public struct TraceRecord: Hashable, Codable, Sendable {
    public var name: String
    /// The file it was imported from.
    public var source: String
    public var package: String
    public var packageVersion: String
    public var packageRoot: String
    public var python: String
    public var mechanism: String
    public var pid: Int
    public var script: String
    public var within: String
    public var events: Int
    public var dropped: Int
    public var wallSeconds: Double
    public var hookSeconds: Double
    public init(name: String, source: String, package: String, packageVersion: String, packageRoot: String,
                python: String, mechanism: String, pid: Int, script: String, within: String, events: Int, dropped: Int,
                wallSeconds: Double, hookSeconds: Double)
    {
        self.within = within
        self.name = name
        self.source = source
        self.package = package
        self.packageVersion = packageVersion
        self.packageRoot = packageRoot
        self.python = python
        self.mechanism = mechanism
        self.pid = pid
        self.script = script
        self.events = events
        self.dropped = dropped
        self.wallSeconds = wallSeconds
        self.hookSeconds = hookSeconds
    }
}

/// One profiled name as stored (see `Traces.ProfiledName`).
public struct ProfileRecord: Hashable, Codable, Sendable {
    public var category: String
    public var name: String
    public var node: String
    public var count: Int
    public var totalMicroseconds: Double
    public var launchConfigs: [String]
    public init(category: String, name: String, node: String, count: Int, totalMicroseconds: Double, launchConfigs: [String]) {
        self.category = category
        self.name = name
        self.node = node
        self.count = count
        self.totalMicroseconds = totalMicroseconds
        self.launchConfigs = launchConfigs
    }
}

/// One observed call as stored (`kind` is `call` or `op`).
public struct TraceCallRecord: Hashable, Codable, Sendable {
    public var kind: String
    public var caller: String
    public var callee: String
    public var file: RepoPath
    public var line: Int
    public var column: Int
    public var count: Int
    public var selfClass: String
    public var calleeFile: RepoPath
    public var calleeLine: Int
    public var direct: Bool
    public var resumable: Bool
    public var within: Bool
    public init(kind: String, caller: String, callee: String, file: RepoPath, line: Int, column: Int, count: Int,
                selfClass: String, calleeFile: RepoPath, calleeLine: Int, direct: Bool, resumable: Bool, within: Bool)
    {
        self.within = within
        self.column = column
        self.resumable = resumable
        self.kind = kind
        self.caller = caller
        self.callee = callee
        self.file = file
        self.line = line
        self.count = count
        self.selfClass = selfClass
        self.calleeFile = calleeFile
        self.calleeLine = calleeLine
        self.direct = direct
    }
}

extension IndexStore {
    static func createTraceTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE traces (
                name TEXT PRIMARY KEY, source TEXT NOT NULL, package TEXT NOT NULL, package_version TEXT NOT NULL,
                package_root TEXT NOT NULL, python TEXT NOT NULL, mechanism TEXT NOT NULL, pid INTEGER NOT NULL,
                script TEXT NOT NULL, within TEXT NOT NULL, events INTEGER NOT NULL, dropped INTEGER NOT NULL, wall_s REAL NOT NULL,
                hook_s REAL NOT NULL);
            CREATE TABLE trace_calls (
                trace TEXT NOT NULL, kind TEXT NOT NULL, caller TEXT NOT NULL, callee TEXT NOT NULL,
                file TEXT NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL, count INTEGER NOT NULL,
                self_class TEXT NOT NULL, callee_file TEXT NOT NULL, callee_line INTEGER NOT NULL,
                direct INTEGER NOT NULL, resumable INTEGER NOT NULL, within INTEGER NOT NULL);
            CREATE INDEX trace_calls_trace ON trace_calls(trace, caller);
            CREATE TABLE trace_entries (trace TEXT NOT NULL, callee TEXT NOT NULL, count INTEGER NOT NULL);
            CREATE TABLE trace_files (trace TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, crc32 INTEGER NOT NULL);
            CREATE TABLE trace_profile (
                trace TEXT NOT NULL, category TEXT NOT NULL, name TEXT NOT NULL, node TEXT NOT NULL,
                count INTEGER NOT NULL, total_us REAL NOT NULL, launch_configs TEXT NOT NULL);
            """)
    }

    /// Whether this index has the trace tables (an index opened read-only may predate them).
    func hasTraceTables(_ db: Database) throws -> Bool { try db.tableExists("traces") }

    /// Stores a run under `trace.name`, replacing a run of that name, in one transaction.
    public func replaceTrace(_ trace: TraceRecord, calls: [TraceCallRecord], entries: [String: Int],
                             files: [RepoPath: (size: Int, crc32: UInt32)]) throws
    {
        try dbQueue.write { db in
            for table in ["trace_calls", "trace_entries", "trace_files", "trace_profile"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE trace = ?", arguments: [trace.name])
            }
            try db.execute(sql: "DELETE FROM traces WHERE name = ?", arguments: [trace.name])
            try db.execute(sql: "INSERT INTO traces VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", arguments: [
                trace.name, trace.source, trace.package, trace.packageVersion, trace.packageRoot, trace.python,
                trace.mechanism, trace.pid, trace.script, trace.within, trace.events, trace.dropped, trace.wallSeconds,
                trace.hookSeconds,
            ])
            let st = try db.makeStatement(sql: "INSERT INTO trace_calls VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
            for c in calls {
                try st.execute(arguments: [trace.name, c.kind, c.caller, c.callee, c.file.rawValue, c.line, c.column,
                                           c.count, c.selfClass, c.calleeFile.rawValue, c.calleeLine, c.direct,
                                           c.resumable, c.within])
            }
            let es = try db.makeStatement(sql: "INSERT INTO trace_entries VALUES (?,?,?)")
            for (k, v) in entries.sorted(by: { $0.key < $1.key }) { try es.execute(arguments: [trace.name, k, v]) }
            let fs = try db.makeStatement(sql: "INSERT INTO trace_files VALUES (?,?,?,?)")
            for (k, v) in files.sorted(by: { $0.key < $1.key }) {
                try fs.execute(arguments: [trace.name, k.rawValue, v.size, Int64(v.crc32)])
            }
        }
    }

    /// The stored runs, by name.
    public func traces() throws -> [TraceRecord] {
        try dbQueue.read { db in
            guard try hasTraceTables(db) else { return [] }
            return try Row.fetchAll(db, sql: "SELECT * FROM traces ORDER BY name").map { r in
                TraceRecord(name: r["name"], source: r["source"], package: r["package"],
                            packageVersion: r["package_version"], packageRoot: r["package_root"], python: r["python"],
                            mechanism: r["mechanism"], pid: r["pid"], script: r["script"], within: r["within"],
                            events: r["events"],
                            dropped: r["dropped"], wallSeconds: r["wall_s"], hookSeconds: r["hook_s"])
            }
        }
    }

    /// Stores a profiler trace as the run `name` (its names summed), replacing a run of that name.
    public func replaceProfile(_ trace: TraceRecord, names: [ProfileRecord]) throws {
        try replaceTrace(trace, calls: [], entries: [:], files: [:])
        try dbQueue.write { db in
            let st = try db.makeStatement(sql: "INSERT INTO trace_profile VALUES (?,?,?,?,?,?,?)")
            for n in names {
                try st.execute(arguments: [trace.name, n.category, n.name, n.node, n.count, n.totalMicroseconds,
                                           Self.json(n.launchConfigs)])
            }
        }
    }

    /// The profiler names of the run `name`, by category and name.
    public func profile(_ name: String) throws -> [ProfileRecord] {
        try dbQueue.read { db in
            guard try hasTraceTables(db) else { return [] }
            return try Row.fetchAll(db, sql: "SELECT * FROM trace_profile WHERE trace = ? ORDER BY category, name",
                                    arguments: [name]).map {
                ProfileRecord(category: $0["category"], name: $0["name"], node: $0["node"], count: $0["count"],
                              totalMicroseconds: $0["total_us"], launchConfigs: Self.strings($0["launch_configs"]))
            }
        }
    }

    /// Qualified names of every kernel in the index (the kernel inventory), sorted.
    public func kernelNames() throws -> [String] {
        try dbQueue.read { try String.fetchAll($0, sql: "SELECT DISTINCT qualified_name FROM symbols WHERE kind = 'kernel' ORDER BY 1") }
    }

    /// The file stamps of the run `name`.
    public func traceFiles(_ name: String) throws -> [RepoPath: (size: Int, crc32: UInt32)] {
        try dbQueue.read { db in
            guard try hasTraceTables(db) else { return [:] }
            var out: [RepoPath: (size: Int, crc32: UInt32)] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT path, size, crc32 FROM trace_files WHERE trace = ?", arguments: [name]) {
                out[RepoPath(r["path"] as String)] = (r["size"], UInt32(truncatingIfNeeded: r["crc32"] as Int64))
            }
            return out
        }
    }

    /// The indexed size and content fingerprint of `path`, nil when the index has no such file.
    public func indexedFile(_ path: RepoPath) throws -> (size: Int, hash: String)? {
        try dbQueue.read { db in
            try Row.fetchOne(db, sql: "SELECT size, hash FROM files WHERE path = ?", arguments: [path.rawValue])
                .map { ($0["size"], $0["hash"]) }
        }
    }

    /// The observed calls and entries of the run `name`, sorted; nil when there is no such run.
    public func traceCalls(_ name: String) throws -> (calls: [TraceCallRecord], entries: [String: Int])? {
        try dbQueue.read { db in
            guard try hasTraceTables(db),
                  try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM traces WHERE name = ?)", arguments: [name]) ?? false
            else { return nil }
            let calls = try Row.fetchAll(db, sql: """
                SELECT * FROM trace_calls WHERE trace = ? ORDER BY caller, file, line, col, callee, kind, self_class
                """, arguments: [name]).map { r in
                TraceCallRecord(kind: r["kind"], caller: r["caller"], callee: r["callee"], file: RepoPath(r["file"] as String),
                                line: r["line"], column: r["col"], count: r["count"], selfClass: r["self_class"],
                                calleeFile: RepoPath(r["callee_file"] as String), calleeLine: r["callee_line"],
                                direct: r["direct"], resumable: r["resumable"], within: r["within"])
            }
            var entries: [String: Int] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT callee, count FROM trace_entries WHERE trace = ?", arguments: [name]) {
                entries[r["callee"]] = r["count"]
            }
            return (calls, entries)
        }
    }

    /// The call sites written in `caller`: file, start line and column, end line; deduplicated.
    public func callSpans(caller: String) throws -> [(file: RepoPath, line: Int, column: Int, endLine: Int)] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT DISTINCT file, line, col, end_line FROM calls WHERE caller = ? ORDER BY file, line, col, end_line
                """, arguments: [caller]).map { (RepoPath($0["file"] as String), $0["line"], $0["col"], $0["end_line"]) }
        }
    }

    /// Whether an edge names `node` as caller or callee.
    public func isEdgeNode(_ node: String) throws -> Bool {
        try dbQueue.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS(SELECT 1 FROM edges WHERE callee = ?) OR EXISTS(SELECT 1 FROM edges WHERE caller = ?)
                """, arguments: [node, node]) ?? false
        }
    }
}
