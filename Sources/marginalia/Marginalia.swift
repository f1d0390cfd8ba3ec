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
            CallersCommand.self, CalleesCommand.self, PathCommand.self, NotesCommand.self,
            SiteCommand.self, SimulateCommand.self, TraceCommand.self,
        ]
    )
}

/// Options shared by every command that reads an index.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The index file (default: the index of the checkout you are in, else the last one written).")
    var db: String?

    func store() throws -> IndexStore { try IndexStore(path: IndexLocation.resolve(explicit: db), readOnly: true) }
}

/// Turns a library error into a message and an exit code; never a stack trace.
func runReporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as UserError {
        FileHandle.standardError.write(Data((e.description + "\n").utf8))
        throw ExitCode(e.exitCode)
    } catch let e as ExitCode {
        throw e
    } catch {
        FileHandle.standardError.write(Data("marginalia: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// Writes to standard output through a buffer (queries can print a lot).
struct Output {
    var buffer = ""
    mutating func line(_ s: String = "") { buffer += s; buffer += "\n" }
    func flush() { FileHandle.standardOutput.write(Data(buffer.utf8)) }
}
