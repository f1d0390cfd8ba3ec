import ArgumentParser
import Foundation
import MarginaliaKit
import IndexDatabase
import IndexModel

@main
struct Marginalia: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marginalia",
        abstract: "Read, query and annotate a vLLM checkout.",
        subcommands: [
            IndexCommand.self, FindCommand.self, DefCommand.self, SymbolsCommand.self, ExportCommand.self,
            CallersCommand.self, CalleesCommand.self, PathCommand.self, KernelsCommand.self, NotesCommand.self,
            SiteCommand.self, SimulateCommand.self, TraceCommand.self,
        ]
    )
}

/// Options shared by every command that reads an index.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The index file (default: the index of the checkout you are in, else the last one written).")
    var db: String?

    /// Opens the index read-only (queries never write) and remembers which one, for error messages.
    func store() throws -> IndexStore {
        let path = try IndexLocation.resolve(explicit: db)
        IndexInUse.path = path
        return try IndexStore(path: path, readOnly: true)
    }
}

/// The index the running query opened: every query's error names it.
enum IndexInUse {
    nonisolated(unsafe) static var path: String?
}

/// Turns a library error into a message and an exit code; never a stack trace. With `json`, the error
/// goes to stderr as one JSON object: `{"error": MESSAGE, "exit_code": N, "index": PATH}`.
func runReporting(json: Bool = false, _ body: () throws -> Void) throws {
    func report(_ message: String, _ code: Int32) -> ExitCode {
        var text = message.hasSuffix("\n") ? String(message.dropLast()) : message
        if json {
            var o: [String: Any] = ["error": text, "exit_code": Int(code)]
            if let p = IndexInUse.path { o["index"] = p }
            text = SymbolJSON.encode(o)
        } else if let p = IndexInUse.path, !text.contains(p) {
            text += "\n  (index: \(p))"
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
        return ExitCode(code)
    }
    do {
        try body()
    } catch let e as UserError {
        throw report(e.description, e.exitCode)
    } catch let e as ValidationError {
        throw report("marginalia: \(e.message)", 2)
    } catch let e as ExitCode {
        throw e
    } catch {
        throw report("marginalia: \(error)", 1)
    }
}

/// Writes to standard output through a buffer (queries can print a lot).
struct Output {
    var buffer = ""
    mutating func line(_ s: String = "") { buffer += s; buffer += "\n" }
    func flush() { FileHandle.standardOutput.write(Data(buffer.utf8)) }
}
