// The index pipeline: Discovery -> Fingerprinting -> Python phase -> C++/CUDA phase -> Resolution ->
// one-transaction write. Each stage takes values and returns values; only this module sees them all.
import Foundation
import IndexDatabase
import IndexModel
import PythonIndexer

/// Options of one `marginalia index` run.
public struct IndexOptions: Sendable {
    /// Files larger than this are skipped and reported (bytes).
    public var maxFileSize: Int = 5 * 1024 * 1024
    /// Re-read every file even when its size and mtime are unchanged.
    public var force: Bool = false
    /// Skip the C/C++/CUDA phase (for quick Python-only runs).
    public var pythonOnly: Bool = false
    /// Worker threads (default: all cores).
    public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    public init() {}
}

/// What one run did, for the summary and `--verbose`.
public struct IndexRunReport: Sendable {
    public var root: String
    public var database: String
    public var scanned = 0
    public var reindexedUnits: [RepoPath] = []
    public var deletedUnits: [RepoPath] = []
    public var skipped: [FileRecord] = []
    public var counts = IndexCounts()
    public var diagnostics: [Diagnostic] = []
    public var unitsWithErrors: [RepoPath] = []
    public var phaseSeconds: [(String, Double)] = []
    public var unresolved: [String: Int] = [:]
    /// False when the root has neither a `vllm/` package nor `csrc/`: the index is written but does not
    /// become the default one.
    public var looksLikeVLLM = true
    /// Per unit with parse errors: what was recovered.
    public var recovery: [UnitRecovery] = []
}

/// Runs the index pipeline over one checkout.
public struct IndexPipeline {
    public var root: String
    public var database: String?
    public var options: IndexOptions
    public var progress: ProgressSink

    public init(root: String, database: String? = nil, options: IndexOptions = .init(),
                progress: ProgressSink = SilentProgress())
    {
        self.root = root
        self.database = database
        self.options = options
        self.progress = progress
    }

    public func run() throws -> IndexRunReport {
        guard !root.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw UserError("marginalia: the checkout path is empty; pass the root of a vLLM checkout (use . for this directory)")
        }
        let scanner = try CheckoutScanner(root: root)
        let dbPath = try database.map(IndexLocation.checkedExplicit) ?? IndexLocation.defaultIndex(forCheckout: scanner.root)
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: dbPath).deletingLastPathComponent(), withIntermediateDirectories: true)
        let store = try IndexStore(path: dbPath)
        // An index holds one checkout: replacing another's silently would lose it.
        if let old = try store.meta("root"), !old.isEmpty, old != scanner.root.path, !options.force {
            throw UserError("""
                marginalia: the index \(dbPath) holds another checkout, \(old), not \(scanner.root.path).
                  Pass --force to replace it, or choose another --db (without --db each checkout gets its own index).
                """)
        }
        var report = IndexRunReport(root: scanner.root.path, database: dbPath)
        report.looksLikeVLLM = Self.looksLikeVLLM(scanner.root)
        var clock = PhaseClock()

        // Discovery and fingerprints.
        progress.progress(phase: "scan", done: 0, total: 0, current: scanner.root.path)
        let scanned = scanner.scan()
        report.scanned = scanned.count
        let previous = Dictionary(uniqueKeysWithValues: try store.files().map { ($0.path, $0) })
        // Python units written by another version of the Python indexer are rebuilt.
        let pythonStale = try store.meta("python_indexer_version") != PythonIndexer.version
        var records: [FileRecord] = []
        var contents: [RepoPath: [UInt8]] = [:]
        for f in scanned {
            if !options.force, !(pythonStale && f.language == .python), let old = previous[f.path], old.size == f.size,
               old.mtime == f.mtime
            {
                records.append(old)
                continue
            }
            if f.size > options.maxFileSize {
                records.append(FileRecord(path: f.path, language: f.language, hash: "", size: f.size, mtime: f.mtime,
                                          status: "skipped",
                                          message: "larger than \(options.maxFileSize / (1024 * 1024)) MB"))
                continue
            }
            guard let bytes = try? scanner.read(f.path) else {
                records.append(FileRecord(path: f.path, language: f.language, hash: "", size: f.size, mtime: f.mtime,
                                          status: "failed", message: "unreadable"))
                continue
            }
            var status = "ok", message = ""
            if bytes.contains(0) {
                status = f.language == .python ? "ok" : "skipped"
                message = "contains NUL bytes"
            }
            records.append(FileRecord(path: f.path, language: f.language, hash: fingerprint(bytes), size: f.size,
                                      mtime: f.mtime, status: status, message: message))
            contents[f.path] = bytes
        }
        report.skipped = records.filter { $0.status != "ok" || !$0.message.isEmpty }
        clock.lap("scan", into: &report)

        let current = Dictionary(uniqueKeysWithValues: records.map { ($0.path, $0) })
        func changed(_ p: RepoPath) -> Bool {
            guard let now = current[p] else { return true }
            guard let old = previous[p] else { return true }
            return old.hash != now.hash || old.status != now.status
        }
        let oldUnits = Dictionary(uniqueKeysWithValues: try store.units().map { ($0.path, $0) })

        // Which units to (re)build.
        var pythonTodo: [RepoPath] = []
        var clangTodo: [RepoPath] = []
        for r in records where r.status == "ok" {
            let unitChanged = changed(r.path) || oldUnits[r.path] == nil
            if r.language == .python {
                if unitChanged || options.force || pythonStale { pythonTodo.append(r.path) }
            } else if !options.pythonOnly {
                let includesChanged = oldUnits[r.path]?.includes.contains { changed($0) } ?? true
                if unitChanged || includesChanged || options.force { clangTodo.append(r.path) }
            }
        }
        var deleted = oldUnits.keys.filter { current[$0]?.status != "ok" }
        if options.pythonOnly { deleted.removeAll { oldUnits[$0]?.language != .python } }
        report.deletedUnits = deleted.sorted()

        // Python phase.
        var newUnits: [FileIndex] = []
        if !pythonTodo.isEmpty {
            newUnits += try PythonPhase.run(files: pythonTodo, scanner: scanner, contents: contents,
                                            jobs: options.jobs, progress: progress)
        }
        clock.lap("python", into: &report)

        // C/C++/CUDA phase.
        if !clangTodo.isEmpty {
            newUnits += try ClangPhase.run(root: scanner.root, files: clangTodo, allFiles: records,
                                           jobs: options.jobs, progress: progress)
        }
        clock.lap("c++/cuda", into: &report)

        report.reindexedUnits = newUnits.map(\.path).sorted()
        var update = IndexStore.Update()
        update.files = records
        update.replacedUnits = newUnits
        update.deletedUnits = report.deletedUnits
        update.meta = ["root": scanner.root.path, "release": Self.release(of: scanner.root) ?? "",
                       "python_indexer_version": PythonIndexer.version]

        // Resolution over the whole checkout, only when something changed.
        let edgesVersion = try store.meta("edges_version")
        // The release's default profile names the classes vLLM builds at run time (the model); its
        // bindings are part of what the edges depend on.
        let release = Self.release(of: scanner.root) ?? ""
        let bindings = try Profiles.defaultProfile(release: release)?.typeBindings ?? []
        let version = Resolution.version(bindings: bindings)
        if !newUnits.isEmpty || !report.deletedUnits.isEmpty || edgesVersion != version {
            progress.progress(phase: "resolve", done: 0, total: 1, current: "call graph")
            let replaced = Set(newUnits.map(\.path)).union(report.deletedUnits)
            var input = try GraphInputs.load(from: store, excludingUnits: replaced)
            input.add(newUnits)
            clock.lap("load", into: &report)
            let resolved = Resolution.resolve(input, root: scanner.root, bindings: bindings)
            update.edges = resolved.edges
            update.classBases = resolved.classBases
            report.unresolved = resolved.unresolved
            update.meta["edges_version"] = version
        }
        clock.lap("resolve", into: &report)

        progress.progress(phase: "write", done: 0, total: 1, current: dbPath)
        try store.apply(update)
        // Readers in a folder they cannot write need the file out of WAL mode.
        store.settleForReaders()
        clock.lap("write", into: &report)
        if report.looksLikeVLLM { IndexLocation.remember(dbPath) }

        report.counts = try store.counts()
        report.diagnostics = try store.diagnostics()
        report.unitsWithErrors = try store.unitsWithErrors()
        report.recovery = try store.unitRecovery()
        return report
    }

    /// Whether a directory looks like a vLLM checkout: a `vllm/` package or a `csrc/` folder.
    public static func looksLikeVLLM(_ root: URL) -> Bool {
        ["vllm", "csrc"].contains { name in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDir)
                && isDir.boolValue
        }
    }

    /// The vLLM release of a checkout, from PKG-INFO (an sdist) or the folder name.
    static func release(of root: URL) -> String? { CheckoutRelease.detect(root: root) }
}

/// Wall-clock phase timing for the report (the executable prints it; library output stays
/// deterministic because timings never reach the index or the site).
struct PhaseClock {
    var last = DispatchTime.now()
    mutating func lap(_ name: String, into report: inout IndexRunReport) {
        let now = DispatchTime.now()
        report.phaseSeconds.append((name, Double(now.uptimeNanoseconds - last.uptimeNanoseconds) / 1e9))
        last = now
    }
}

/// Everything the call graph needs: the units this run built plus the stored units it did not rebuild.
public struct GraphInputs: Sendable {
    public var units: [FileIndex] = []
    public init() {}

    static func load(from store: IndexStore, excludingUnits excluded: Set<RepoPath>) throws -> GraphInputs {
        var g = GraphInputs()
        try store.forEachUnitRow(excluding: excluded) { unit in g.units.append(unit) }
        return g
    }

    mutating func add(_ more: [FileIndex]) { units += more }
}
