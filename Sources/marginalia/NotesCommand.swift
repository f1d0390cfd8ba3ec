import Annotations
import ArgumentParser
import Foundation
import IndexDatabase
import IndexModel
import MarginaliaKit

struct NotesOptions: ParsableArguments {
    @Option(name: .customLong("notes"), help: "The notes directory (default: Annotations/).")
    var notes: String = "Annotations"

    @Option(help: "Use the notes written for this vLLM release (default: those that serve the checkout's release).")
    var release: String?

    var url: URL { URL(fileURLWithPath: notes) }
    var directory: NoteDirectory { directory(for: release) }
    /// The notes that serve a checkout of `checkoutRelease` (or `--release`), see Annotations/README.md.
    func directory(for checkoutRelease: String?) -> NoteDirectory {
        var d = NoteDirectory(root: url, displayPrefix: notes)
        d.release = release ?? checkoutRelease
        return d
    }
}

struct NotesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notes", abstract: "Study notes attached to code: add, list, show, check, migrate, capture, lint, review.",
        subcommands: [NotesAdd.self, NotesList.self, NotesShow.self, NotesCheck.self, NotesMigrate.self,
                      NotesCapture.self, NotesLint.self, NotesReview.self, NotesTidy.self])
}

/// Prints a notes command's output and exits with its status.
func finish(_ out: CommandOutput) throws {
    FileHandle.standardOutput.write(Data(out.text.utf8))
    if out.status != 0 { throw ExitCode(out.status) }
}

func printDiagnostics(_ diags: [IndexModel.Diagnostic]) {
    for d in diags { FileHandle.standardError.write(Data((d.description + "\n").utf8)) }
}

struct NotesAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Create a note anchored to a symbol or to FILE:START-END; prints its path.")
    @Argument(help: "SYMBOL (qualified name or unique suffix) or FILE:START-END.") var target: String
    @Option(help: "The note's title.") var title: String?
    @Option(help: "Tags (repeatable).") var tag: [String] = []
    @OptionGroup var notes: NotesOptions
    @OptionGroup var database: DatabaseOptions
    func run() throws {
        try runReporting {
            let path = try NotesService.add(target: target, title: title, tags: tag, notes: notes.url,
                                            store: try database.store())
            print(path)
        }
    }
}

struct NotesList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List notes.")
    @Option(help: "Only notes with this tag.") var tag: String?
    @Option(help: "Only notes anchored to this symbol (qualified name or suffix).") var symbol: String?
    @Flag(help: "JSON: a list of {id, title, anchors}.") var json = false
    @OptionGroup var notes: NotesOptions
    func run() throws {
        try runReporting {
            let set = notes.directory.load()
            printDiagnostics(set.diagnostics)
            let list = NotesService.list(set, tag: tag, symbol: symbol)
            var out = Output()
            if json {
                out.line(NotesService.listJSON(list))
            } else {
                for n in list {
                    out.line("\(n.id)  \(n.title)")
                    for a in n.anchors {
                        out.line("    \(NotesService.anchorText(a))" + (a.needsReview ? "  [needs review: \(a.reviewNote ?? "code changed")]" : ""))
                    }
                }
            }
            out.flush()
        }
    }
}

struct NotesShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print one note.")
    @Argument(help: "The note's id.") var id: String
    @OptionGroup var notes: NotesOptions
    func run() throws {
        try runReporting {
            let set = notes.directory.load()
            guard let n = set.note(NoteID(id)) else {
                let near = NearMiss.best(for: id, among: set.notes.map(\.id.rawValue))
                throw UserError("marginalia: no note '\(id)'" + (near.isEmpty ? "" : "; did you mean: \(near.joined(separator: ", "))"))
            }
            var out = Output()
            out.line("# \(n.title)")
            out.line("id: \(n.id)   release: \(n.release)   tags: \(n.tags.joined(separator: ", "))")
            for a in n.anchors {
                out.line("anchor: \(NotesService.anchorText(a))" + (a.needsReview ? "  [needs review: \(a.reviewNote ?? "code changed")]" : ""))
            }
            for s in n.status {
                out.line("status (anchor \(s.anchor), \(s.release)): \(s.status.rawValue) \(String(format: "%.2f", s.confidence))")
            }
            out.line()
            out.buffer += n.body
            out.flush()
        }
    }
}

struct CheckoutArguments: ParsableArguments {
    @Argument(help: "The checkout of the release to re-anchor against (indexed first if needed).") var checkout: String
    @Option(name: .customLong("db"), help: "The index of that checkout (default: its own index).") var db: String?
    @Flag(help: "JSON: {header, legend, anchors: [{id, anchor, status, confidence, oldFile, oldStart, oldEnd, oldSymbol, file, start, end, symbol, agreed, disagreed, candidates, needsReview}], diagnostics, linksRewritten, linksDangling}.") var json = false
    @Flag(help: "Exit non-zero when any anchor is ambiguous or orphaned, or on any warning.") var strict = false

    func snapshot() throws -> ReleaseSnapshot {
        let store = try NotesService.indexedStore(checkout: checkout, database: db, progress: TerminalProgress())
        return try NotesService.snapshot(store: store)
    }
}

struct NotesCheck: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Report where each note's code is in another release (read-only).")
    @OptionGroup var target: CheckoutArguments
    @OptionGroup var notes: NotesOptions
    func run() throws {
        try runReporting {
            var clock = DispatchTime.now().uptimeNanoseconds
            func trace(_ label: String) {
                let now = DispatchTime.now().uptimeNanoseconds
                if ProcessInfo.processInfo.environment["MARGINALIA_TRACE"] != nil {
                    FileHandle.standardError.write(Data("notes check: \(label) \(Double(now - clock) / 1e9) s\n".utf8))
                }
                clock = now
            }
            let snapshot = try target.snapshot()
            trace("target index read")
            let set = notes.directory(for: snapshot.release).load()
            trace("notes loaded")
            let release = set.notes.first?.release ?? ""
            let previous = NotesService.previousSnapshot(release: release)
            trace("notes' release index read")
            let out = NotesCommands.check(set, target: snapshot, previous: previous,
                                          json: target.json, strict: target.strict, displayPrefix: notes.notes)
            trace("checked")
            try finish(out)
        }
    }
}

struct NotesMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Re-anchor every note to another release; writes all note files or none.")
    @OptionGroup var target: CheckoutArguments
    @OptionGroup var notes: NotesOptions
    @Flag(help: "Record that you checked the notes whose code changed (no 'needs review').") var accept = false
    func run() throws {
        try runReporting {
            let snapshot = try target.snapshot()
            let dir = notes.directory(for: snapshot.release)
            let release = dir.load().notes.first?.release ?? ""
            let out = try NotesCommands.migrate(dir, target: snapshot,
                                                previous: NotesService.previousSnapshot(release: release),
                                                json: target.json, strict: target.strict, accept: accept)
            try finish(out)
        }
    }
}

struct NotesCapture: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "capture", abstract: "Record anchor evidence (fingerprints, in NOTES/notes.lock) from the indexed release the notes are written against.")
    @Flag(help: "Recapture every anchor, not only those without evidence.") var force = false
    @OptionGroup var notes: NotesOptions
    @OptionGroup var database: DatabaseOptions
    func run() throws {
        try runReporting {
            let snapshot = try NotesService.snapshot(store: try database.store())
            let out = try NotesCommands.capture(notes.directory(for: snapshot.release), snapshot: snapshot,
                                                force: force)
            try finish(out)
        }
    }
}

struct NotesLint: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lint", abstract: "Check front matter, ids, every anchor (file, symbol, lines) and [[links]] against the index.")
    @Flag(help: "Exit non-zero on warnings too.") var strict = false
    @OptionGroup var notes: NotesOptions
    @OptionGroup var database: DatabaseOptions
    func run() throws {
        try runReporting {
            let store = try database.store()
            let out = NotesCommands.lint(notes.directory(for: try store.meta("release")).load(), lookup: try StoreSymbolLookup(store: store),
                                         snapshot: try NotesService.snapshot(store: store), displayPrefix: notes.notes,
                                         strict: strict)
            try finish(out)
        }
    }
}

struct NotesReview: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "review", abstract: "Record that you checked a note against its anchors' current code (clears 'needs review').")
    @Argument(help: "The note's id.") var id: String
    @Option(help: "Only this anchor (0-based index in the note's anchors).") var anchor: Int?
    @OptionGroup var notes: NotesOptions
    func run() throws {
        try runReporting {
            try finish(try NotesCommands.review(notes.directory, id: NoteID(id), anchor: anchor))
        }
    }
}

struct NotesTidy: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tidy", abstract: "Move evidence and status that older versions wrote into note front matter to NOTES/notes.lock.")
    @OptionGroup var notes: NotesOptions
    func run() throws {
        try runReporting { try finish(try NotesCommands.tidy(notes.directory)) }
    }
}
