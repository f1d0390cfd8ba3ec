// Recorded runs: where the recorder is, importing a run into an index, and the reports over it
// (chains, static-vs-observed diff, observed edges for the graph queries).
import CallGraph
import Foundation
import IndexDatabase
import IndexModel
import Traces

/// The store as the matcher's view of the static graph: edges, call-site spans and definitions.
final class StoreGraphView: StaticGraphView {
    let store: IndexStore
    let edgeStore: StoreEdgeStore
    private var lambdasByFile: [RepoPath: [Int: String]] = [:]

    init(store: IndexStore) {
        self.store = store
        self.edgeStore = StoreEdgeStore(store: store)
    }

    func edges(from node: String) -> [Edge] { edgeStore.outgoing(node) }
    func isGraphNode(_ node: String) -> Bool { (try? store.isEdgeNode(node)) ?? false }
    func callSites(of caller: String) -> [SiteSpan] {
        ((try? store.callSpans(caller: caller)) ?? []).map { SiteSpan(file: $0.file, startLine: $0.line, startColumn: $0.column, endLine: $0.endLine) }
    }
    func definition(of name: String) -> DefinitionInfo? {
        guard let s = ((try? store.symbols(qualifiedName: name)) ?? []).first(where: { $0.language == .python }) else { return nil }
        return DefinitionInfo(kind: s.kind, file: s.file, startLine: s.range.start.line, endLine: s.range.end.line,
                              attributes: s.attributes)
    }
    func lambda(file: RepoPath, line: Int) -> String? {
        if lambdasByFile[file] == nil {
            var m: [Int: String] = [:]
            for s in (try? store.symbols(inFile: file)) ?? [] where s.kind == .lambda { m[s.range.start.line] = s.qualifiedName }
            lambdasByFile[file] = m
        }
        return lambdasByFile[file]![line]
    }
}

/// What `trace import` did.
public struct TraceImportSummary: Sendable {
    public var name: String
    public var replaced: Bool
    public var run: TraceRun
    /// For a recorded run: the comparison with the call graph.
    public var diff: TraceDiff?
    /// For a profiler trace: its ops and kernels against the index.
    public var profile: ProfileReport?
}

/// Recorded runs over one index.
public enum TraceService {
    /// The recorder shipped with Marginalia (a resource next to the executable, found from any directory).
    public static func recorderScript() throws -> URL {
        guard let url = Bundle.module.url(forResource: "marginalia_tracer", withExtension: "py") else {
            throw UserError("marginalia: the recorder (marginalia_tracer.py) is missing from \(Bundle.module.bundlePath)")
        }
        return url
    }

    /// The command line that records `command` (`python SCRIPT ARGS...`) into `out`: the interpreter the
    /// user named runs the recorder, which runs the script.
    public static func recorderCommand(_ command: [String], out: String, package: String, maxRecords: Int,
                                       within: String = "vllm.entrypoints.llm.LLM.generate") throws -> [String] {
        guard let python = command.first, command.count >= 2 else {
            throw UserError("marginalia: trace record needs a command after --: python SCRIPT [ARGS...]")
        }
        return [python, try recorderScript().path, "--out", out, "--package", package, "--max-records", String(maxRecords),
                "--within", within, "--"] + command.dropFirst()
    }

    static func values(_ t: RecordedTrace) -> [TraceCallRecord] {
        t.calls.map {
            TraceCallRecord(kind: $0.kind.rawValue, caller: $0.caller, callee: $0.callee, file: $0.file, line: $0.line,
                            column: $0.column, count: $0.count, selfClass: $0.selfClass, calleeFile: $0.calleeFile,
                            calleeLine: $0.calleeLine, direct: $0.direct, resumable: $0.resumable, within: $0.within)
        }
    }

    /// Reads `file`, checks it against the index (same package release), names lambdas as the index
    /// does, and stores it as `name` (replacing a run of that name) in one transaction. Nothing is
    /// written when any check fails.
    public static func importTrace(file: String, name: String?, db: String) throws -> TraceImportSummary {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw UserError("marginalia: cannot read \(file): \(error.localizedDescription)")
        }
        if ProfilerTraceReader.looksLikeChromeTrace(data) {
            return try importProfile(data, file: file, name: name, db: db)
        }
        let trace: RecordedTrace
        do { trace = try TraceFileReader.read(data, file: file) } catch let e as TraceFileError {
            throw UserError("marginalia: \(e.description); the index is unchanged")
        }
        let traceName = try Self.name(name, file: file)
        let store = try IndexStore(path: db, readOnly: true)
        let release = try store.meta("release") ?? ""
        if !release.isEmpty, trace.run.release != release {
            throw UserError("marginalia: \(file):1: the trace is of \(trace.run.package) \(trace.run.packageVersion.isEmpty ? "(unknown version)" : trace.run.packageVersion), the index \(db) is of vllm \(release): record with the release you indexed, or index \(trace.run.package) \(trace.run.release); the index is unchanged")
        }
        let matcher = TraceMatcher(graph: StoreGraphView(store: store),
                                   differingFiles: try differingFiles(trace.files, store: store))
        let canonical = matcher.canonical(trace)
        let diff = traceDiff(name: traceName, trace: canonical, matcher: matcher)
        let writable = try IndexStore(path: db)
        let replaced = try writable.traces().contains { $0.name == traceName }
        let r = canonical.run
        try writable.replaceTrace(TraceRecord(name: traceName, source: URL(fileURLWithPath: file).standardizedFileURL.path,
                                              package: r.package, packageVersion: r.packageVersion,
                                              packageRoot: r.packageRoot, python: r.python, mechanism: r.mechanism,
                                              pid: r.pid, script: r.script, within: r.within, events: r.events,
                                              dropped: r.dropped,
                                              wallSeconds: r.wallSeconds, hookSeconds: r.hookSeconds),
                                  calls: values(canonical), entries: canonical.entries,
                                  files: canonical.files.mapValues { ($0.size, $0.crc32) })
        return TraceImportSummary(name: traceName, replaced: replaced, run: canonical.run, diff: diff, profile: nil)
    }

    static func name(_ given: String?, file: String) throws -> String {
        let n = given ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        guard !n.isEmpty, !n.contains(where: \.isWhitespace) else {
            throw UserError("marginalia: bad trace name '\(n)' (no spaces)")
        }
        return n
    }

    /// A `torch.profiler` Chrome trace stored as the run `name`: its names summed by category.
    static func importProfile(_ data: Data, file: String, name: String?, db: String) throws -> TraceImportSummary {
        let profile: ProfilerTrace
        do { profile = try ProfilerTraceReader.read(data, file: file) } catch let e as TraceFileError {
            throw UserError("marginalia: \(e.description); the index is unchanged")
        }
        let traceName = try Self.name(name, file: file)
        let store = try IndexStore(path: db)
        let replaced = try store.traces().contains { $0.name == traceName }
        try store.replaceProfile(TraceRecord(name: traceName, source: URL(fileURLWithPath: file).standardizedFileURL.path,
                                             package: "", packageVersion: "", packageRoot: "", python: "",
                                             mechanism: "torch.profiler", pid: 0, script: "", within: "",
                                             events: profile.events, dropped: 0, wallSeconds: 0, hookSeconds: 0),
                                 names: profile.names.map {
                                     ProfileRecord(category: $0.category, name: $0.name, node: $0.node, count: $0.count,
                                                   totalMicroseconds: $0.totalMicroseconds, launchConfigs: $0.launchConfigs)
                                 })
        let report = try opsReport(traceName, store: store)
        return TraceImportSummary(name: traceName, replaced: replaced, run: TraceRun(package: "torch.profiler", packageVersion: "",
                                                                                    mechanism: "torch.profiler", events: profile.events),
                                  diff: nil, profile: report)
    }

    /// `trace ops`: a profiled run's ops and kernels against the index; for a recorded run, its op calls.
    public static func opsReport(_ name: String, store: IndexStore) throws -> ProfileReport {
        var names = try store.profile(name).map {
            ProfiledName(category: $0.category, name: $0.name, node: $0.node, count: $0.count,
                         totalMicroseconds: $0.totalMicroseconds, launchConfigs: $0.launchConfigs)
        }
        if names.isEmpty, try store.traces().first(where: { $0.name == name })?.mechanism != "torch.profiler" {
            var counts: [String: Int] = [:]
            for c in try load(name, store: store).calls where c.kind == .op { counts[c.callee, default: 0] += c.count }
            names = counts.map { op, n in
                ProfiledName(category: "cpu_op", name: String(op.dropFirst("torch.ops.".count)).replacingOccurrences(of: ".", with: "::"),
                             node: op, count: n, totalMicroseconds: 0)
            }
        }
        let edges = StoreEdgeStore(store: store)
        return profileReport(names, inventory: try store.kernelNames()) { op in
            let out = edges.outgoing(op)
            guard !out.isEmpty || !edges.incoming(op).isEmpty else { return nil }
            let b = out.filter { $0.kind == .opBinding }.map { $0.note.isEmpty ? $0.callee : "\($0.callee) (\($0.note))" }
            return Array(Set(b)).sorted()
        }
    }

    /// The stored run `name`, as values.
    public static func load(_ name: String, store: IndexStore) throws -> RecordedTrace {
        guard let (calls, entries) = try store.traceCalls(name), let rec = try store.traces().first(where: { $0.name == name })
        else {
            let names = try store.traces().map(\.name)
            throw UserError("marginalia: no recorded run named '\(name)' in \(store.path)" +
                (names.isEmpty ? " (none imported: marginalia trace import FILE)" : "; runs: \(names.joined(separator: ", "))"))
        }
        let run = TraceRun(package: rec.package, packageVersion: rec.packageVersion, packageRoot: rec.packageRoot,
                           python: rec.python, mechanism: rec.mechanism, pid: rec.pid, script: rec.script,
                           within: rec.within, events: rec.events, dropped: rec.dropped, wallSeconds: rec.wallSeconds,
                           hookSeconds: rec.hookSeconds)
        let observed = calls.map {
            ObservedCall(kind: ObservedKind(rawValue: $0.kind) ?? .call, caller: $0.caller, callee: $0.callee,
                         file: $0.file, line: $0.line, column: $0.column, count: $0.count, selfClass: $0.selfClass,
                         calleeFile: $0.calleeFile, calleeLine: $0.calleeLine, direct: $0.direct,
                         resumable: $0.resumable, within: $0.within)
        }
        if rec.mechanism == "torch.profiler", observed.isEmpty {
            throw UserError("marginalia: '\(name)' is a profiler trace (no calls between functions): marginalia trace ops \(name)")
        }
        var t = RecordedTrace(run: run, calls: observed, entries: entries)
        t.files = try store.traceFiles(name).mapValues { FileStamp(size: $0.size, crc32: $0.crc32) }
        return t
    }

    /// The files whose text in the run differs from the indexed text: a different size, or (when the
    /// checkout still holds what was indexed) a different CRC-32.
    static func differingFiles(_ files: [RepoPath: FileStamp], store: IndexStore) throws -> Set<RepoPath> {
        let root = try store.meta("root").map { URL(fileURLWithPath: $0) }
        var out = Set<RepoPath>()
        for (path, stamp) in files {
            guard let indexed = try store.indexedFile(path) else { continue }
            if indexed.size != stamp.size { out.insert(path); continue }
            guard let root, let data = try? Data(contentsOf: root.appendingPathComponent(path.rawValue)) else { continue }
            let bytes = [UInt8](data)
            if fingerprint(bytes) == indexed.hash, crc32(bytes) != stamp.crc32 { out.insert(path) }
        }
        return out
    }

    static func matcher(_ trace: RecordedTrace, store: IndexStore) throws -> TraceMatcher {
        TraceMatcher(graph: StoreGraphView(store: store), differingFiles: try differingFiles(trace.files, store: store))
    }

    /// The only stored run, when `name` is nil and there is exactly one.
    public static func resolveName(_ name: String?, store: IndexStore) throws -> String {
        if let name { return name }
        let names = try store.traces().map(\.name)
        guard names.count == 1 else {
            throw UserError(names.isEmpty ? "marginalia: no recorded run in \(store.path): marginalia trace import FILE"
                : "marginalia: several recorded runs; name one: \(names.joined(separator: ", "))")
        }
        return names[0]
    }

    /// The static-vs-observed comparison of a stored run with the index's current edges.
    /// With `under`, only the calls the run made under that function (see `restricted`).
    public static func diff(_ name: String, under: String? = nil, store: IndexStore) throws -> (TraceDiff, TraceRun) {
        let trace = try load(name, store: store)
        let matcher = try matcher(trace, store: store)
        let part = under.map { restricted(matcher.canonical(trace), under: $0) } ?? trace
        return (traceDiff(name: name, trace: part, matcher: matcher), trace.run)
    }

    /// The observed chains from `entry` to every torch op the run called under it.
    public static func chains(_ name: String, entry: String, store: IndexStore) throws -> ([ObservedChain], TraceRun) {
        let trace = try load(name, store: store)
        let matcher = try matcher(trace, store: store)
        return (observedChains(from: entry, trace: trace, matcher: matcher), trace.run)
    }

    /// The run's observed calls as edges (confidence `exact`, the count in the note), for
    /// `callers`/`callees`/`path --observed`.
    public static func observedEdges(_ name: String, store: IndexStore) throws -> InMemoryEdgeStore {
        let trace = try load(name, store: store)
        var merged: [Edge: Int] = [:]
        for c in trace.calls {
            let e = Edge(caller: c.caller, callee: c.callee, kind: .call, confidence: .exact, file: c.file, line: c.line,
                         column: c.column)
            merged[e, default: 0] += c.count
        }
        return InMemoryEdgeStore(edges: merged.map { e, n in var x = e; x.note = "observed x\(n)"; return x })
    }
}
