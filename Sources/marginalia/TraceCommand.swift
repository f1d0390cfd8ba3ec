import ArgumentParser
import Foundation
import IndexDatabase
import MarginaliaKit
import Traces

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace", abstract: "Record a real run, import it into an index, compare it with the call graph.",
        subcommands: [TraceRecordCommand.self, TraceImportCommand.self, TraceShowCommand.self, TraceDiffCommand.self,
                      TraceOpsCommand.self, TraceListCommand.self])
}

struct TraceRecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Run a Python script under the recorder (docs/trace-format.md).",
        discussion: "marginalia trace record [--out FILE] -- python SCRIPT [ARGS...]")
    @Option(help: "Where the trace goes (JSON lines).") var out = "marginalia-trace.jsonl"
    @Option(help: "The package whose calls are recorded.") var package = "vllm"
    @Option(name: .customLong("max-records"), help: "At most this many distinct records (the rest are counted as dropped).")
    var maxRecords = 200_000
    @Option(help: "Mark the calls made while this function runs (trace diff --under and trace show use the marks).")
    var within = "vllm.entrypoints.llm.LLM.generate"
    @Flag(help: "Run the command once without the recorder first, and print the recorder's overhead against it.")
    var baseline = false
    @Argument(parsing: .postTerminator, help: "python SCRIPT [ARGS...]") var command: [String] = []

    /// Runs argv with this process's standard streams; returns its status and wall seconds.
    func execute(_ argv: [String]) throws -> (Int32, Double) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        let start = Date()
        do { try p.run() } catch {
            throw UserError("marginalia: cannot run \(argv[0]): \(error.localizedDescription)")
        }
        p.waitUntilExit()
        return (p.terminationStatus, Date().timeIntervalSince(start))
    }

    func run() throws {
        try runReporting {
            let argv = try TraceService.recorderCommand(command, out: out, package: package, maxRecords: maxRecords,
                                                         within: within)
            var untraced: Double? = nil
            if baseline {
                let (status, seconds) = try execute(command)
                if status != 0 { throw UserError("marginalia: the untraced command exited with status \(status)", exitCode: 1) }
                untraced = seconds
            }
            let (status, traced) = try execute(argv)
            if let untraced {
                let ratio = untraced > 0 ? traced / untraced : 0
                FileHandle.standardError.write(Data(String(format: "marginalia: recorder overhead: %.1f s traced, %.1f s untraced (x%.2f)\n", traced, untraced, ratio).utf8))
            }
            if status != 0 {
                let wrote = FileManager.default.fileExists(atPath: out)
                throw UserError("marginalia: the traced command exited with status \(status)" +
                    (wrote ? " (the trace of what ran is in \(out))" : ""), exitCode: 1)
            }
        }
    }
}

struct TraceImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Store a recorded run in the index and match it to the call graph.")
    @Argument(help: "A trace written by `marginalia trace record`.") var file: String
    @Option(help: "The run's name (default: the file name without extension); an existing run of that name is replaced.")
    var name: String?
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try runReporting {
            let db = try IndexLocation.resolve(explicit: database.db)
            let s = try TraceService.importTrace(file: file, name: name, db: db)
            var out = Output()
            guard let d = s.diff else {
                let p = s.profile!
                out.line("\(s.replaced ? "replaced" : "imported") profiler trace '\(s.name)' (\(s.run.events) events) into \(db)")
                out.line("  \(p.ops.count) vLLM/custom ops (\(p.ops.filter(\.registered).count) registered in the index), \(p.kernels.count) kernels; kernel inventory: \(p.inventory - p.neverRan.count) of \(p.inventory) ran")
                out.line("  marginalia trace ops \(s.name)   for every op and kernel")
                out.flush()
                return
            }
            out.line("\(s.replaced ? "replaced" : "imported") run '\(s.name)' (\(s.run.package) \(s.run.packageVersion), \(s.run.mechanism)) into \(db)")
            out.line("  \(d.calls.count) distinct \(s.run.package) calls: \(d.staticEdges.text) static edges, \(d.exactOrInferred.text) exact or inferred")
            out.line("  \(d.ops.count) distinct torch op calls: \(d.opStaticEdges.text) static edges")
            let misses = MissCause.allCases.compactMap { c in d.missesByCause[c.rawValue].map { "\(c.rawValue) \($0)" } }
            if !misses.isEmpty { out.line("  misses: \(misses.joined(separator: ", "))") }
            if s.run.dropped > 0 { out.line("  warning: the recorder dropped \(s.run.dropped) records (size bound)") }
            out.line("  marginalia trace diff \(s.name)   for every miss and label check")
            out.flush()
        }
    }
}

struct TraceShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "The observed chains from the entry point to each torch op.")
    @Argument(help: "The run's name (optional when the index holds one run).") var name: String?
    @Option(name: .customLong("from"), help: "The entry point.") var entry = "vllm.entrypoints.llm.LLM.generate"
    @Option(help: "Only chains to ops whose name contains this.") var op: String?
    @Flag(help: "JSON output.") var json = false
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try runReporting {
            let store = try database.store()
            let n = try TraceService.resolveName(name, store: store)
            let node = (try? GraphQueries(store: store).node(entry)) ?? entry
            var (chains, run) = try TraceService.chains(n, entry: node, store: store)
            if let op { chains = chains.filter { $0.target.contains(op) } }
            var out = Output()
            out.buffer += json ? TraceFormat.json(chains) + "\n" : TraceFormat.chainsText(chains, run: run, name: n)
            out.flush()
            if chains.isEmpty { throw ExitCode(1) }
        }
    }
}

struct TraceDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Static graph against the run: coverage, misses by cause, label precision at executed sites.")
    @Argument(help: "The run's name (optional when the index holds one run).") var name: String?
    @Flag(help: "JSON output (summary first, then every miss, wrong label and classified call).") var json = false
    @Option(help: "Only the calls made under this function (reached from it through observed calls), e.g. LLM.generate.")
    var under: String?
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try runReporting {
            let store = try database.store()
            let n = try TraceService.resolveName(name, store: store)
            let entry = try under.map { try GraphQueries(store: store).node($0) }
            let (d, run) = try TraceService.diff(n, under: entry, store: store)
            var out = Output()
            out.buffer += json ? TraceFormat.diffJSON(d, run: run, under: entry) + "\n" : TraceFormat.diffText(d, run: run, under: entry)
            out.flush()
        }
    }
}

struct TraceOpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops", abstract: "A run's torch ops and kernels against the index (profiler traces: time and launches).")
    @Argument(help: "The run's name (optional when the index holds one run).") var name: String?
    @Flag(help: "JSON output.") var json = false
    @Flag(name: .customLong("never-ran"), help: "List the inventory's kernels that never ran.") var neverRan = false
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try runReporting {
            let store = try database.store()
            let n = try TraceService.resolveName(name, store: store)
            let r = try TraceService.opsReport(n, store: store)
            var out = Output()
            if json { out.line(TraceFormat.json(r)) } else {
                out.buffer += TraceFormat.profileText(r, name: n)
                if neverRan { for k in r.neverRan { out.line("  never ran: \(k)") } }
            }
            out.flush()
        }
    }
}

struct TraceListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The recorded runs in the index.")
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try runReporting {
            var out = Output()
            for t in try database.store().traces() {
                out.line("\(t.name)  \(t.package) \(t.packageVersion)  python \(t.python)  \(t.mechanism)  \(t.source)")
            }
            out.flush()
        }
    }
}
