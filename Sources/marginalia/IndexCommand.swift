import ArgumentParser
import Foundation
import IndexModel
import MarginaliaKit

/// Progress on a terminal: one rewritten line; silent when stderr is not a TTY. With
/// `MARGINALIA_PROGRESS=lines`, one line per phase instead (`phase: write`), for logs and scripts that
/// act on a phase.
final class TerminalProgress: ProgressSink, @unchecked Sendable {
    let lines = ProcessInfo.processInfo.environment["MARGINALIA_PROGRESS"] == "lines"
    lazy var enabled = isatty(2) != 0 && !lines
    let lock = NSLock()
    var lastPhase = ""
    func progress(phase: String, done: Int, total: Int, current: String) {
        lock.lock(); defer { lock.unlock() }
        if lines {
            if phase != lastPhase { FileHandle.standardError.write(Data("phase: \(phase)\n".utf8)) }
            lastPhase = phase
            return
        }
        guard enabled else { return }
        let counter = total > 0 ? " \(done)/\(total)" : ""
        var line = "\(phase)\(counter) \(current)"
        if line.count > 100 { line = String(line.prefix(97)) + "..." }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }
    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index", abstract: "Index a checkout (incremental; an interrupted run keeps the previous index).")

    @Argument(help: "The root of a vLLM checkout.") var path: String
    @Option(name: .customLong("db"), help: "Where to write the index (default: under ~/.cache/marginalia/index).")
    var db: String?
    @Flag(name: .long, help: "List each file's diagnostics.") var verbose = false
    @Flag(name: .long, help: "Re-read every file; replace an index (--db) that holds another checkout.") var force = false
    @Flag(name: .customLong("python-only"), help: "Skip the C/C++/CUDA phase.") var pythonOnly = false
    @Option(name: .long, help: "Worker threads (default: all cores).") var jobs: Int?
    @Flag(name: .long, help: "Print the summary as JSON.") var json = false

    func run() throws {
        try runReporting {
            var options = IndexOptions()
            options.force = force
            options.pythonOnly = pythonOnly
            if let jobs { options.jobs = max(1, jobs) }
            let progress = TerminalProgress()
            let report = try IndexPipeline(root: path, database: db, options: options, progress: progress).run()
            progress.finish()
            var out = Output()
            if json {
                out.line(IndexSummary.json(report))
            } else {
                IndexSummary.text(report, verbose: verbose).split(separator: "\n", omittingEmptySubsequences: false)
                    .forEach { out.line(String($0)) }
            }
            out.flush()
            if let w = IndexSummary.notVLLMWarning(report) { FileHandle.standardError.write(Data((w + "\n").utf8)) }
        }
    }
}
