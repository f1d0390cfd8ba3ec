// The `marginalia notes ...` commands as pure functions: values in, output text and exit status out.
// The executable parses arguments, loads the release from the store, prints `text`, exits with `status`.
import Foundation
import IndexModel

/// One line of `notes check` / `notes migrate` output.
public struct AnchorReport: Hashable, Codable, Sendable {
    public var id: String
    /// Index of the anchor in the note's `anchors:` list.
    public var anchor: Int
    public var status: AnchorStatus
    /// Relative to the checkout; the new location when attached, the last known one otherwise.
    public var file: String
    /// 1-based inclusive lines; 0 for file and directory anchors.
    public var start: Int
    public var end: Int
    public var symbol: String?
    /// Where the anchor was (the note's release): file, lines (0 when none), symbol.
    public var oldFile: String
    public var oldStart: Int
    public var oldEnd: Int
    public var oldSymbol: String?
    public var confidence: Double
    /// Signals that agreed / disagreed, and candidates (ambiguous) or a suggestion (orphaned).
    public var agreed: [String]
    public var disagreed: [String]
    public var candidates: [String]
    /// True when the prose was written for code that changed (edited, moved to another file, renamed,
    /// split, merged) and no one has checked it since (`notes review`).
    public var needsReview: Bool
}

/// What a command prints and its exit status.
public struct CommandOutput: Hashable, Sendable {
    public var text: String
    public var status: Int32
}

/// Checking and migrating a set of notes against a release.
public enum NoteMigration {
    /// Re-anchors every anchor of every note (read-only). Reports come in note order, then anchor order.
    public static func check(_ notes: [Note], against target: ReleaseSnapshot, previous: [Symbol]? = nil)
        -> [(note: NoteID, anchor: Int, resolution: AnchorResolution)]
    {
        let flat = notes.flatMap { n in n.anchors.enumerated().map { (n.id, $0.offset, $0.element) } }
        let results = Reanchorer(target: target, previous: previous).resolve(flat.map(\.2))
        return zip(flat, results).map { ($0.0, $0.1, $1) }
    }

    /// True when an outcome means the prose may no longer fit the code.
    public static func needsReview(_ r: AnchorResolution, old: NoteAnchor) -> Bool {
        switch r.status {
        case .edited, .renamed, .split, .merged: return true
        case .moved: return r.file != old.file
        case .exact, .ambiguous, .orphaned: return false
        }
    }

    /// The notes rewritten for `target.release`: attached anchors take their new location and evidence,
    /// the others keep theirs; every anchor's outcome is recorded (lock file), and anchors whose code
    /// changed need review (checked at once with `accept`). Bodies are untouched except for links to
    /// symbols an anchor followed to a new name (`links`).
    public static func migrated(_ notes: [Note], results: [(note: NoteID, anchor: Int, resolution: AnchorResolution)],
                                release: String, accept: Bool = false, links: SymbolTable? = nil) -> [Note]
    {
        migratedWithLinks(notes, results: results, release: release, accept: accept, links: links).notes
    }

    static func migratedWithLinks(_ notes: [Note], results: [(note: NoteID, anchor: Int, resolution: AnchorResolution)],
                                  release: String, accept: Bool, links: SymbolTable?)
        -> (notes: [Note], rewritten: [(NoteID, String, String)], dangling: [(NoteID, String)])
    {
        var byNote: [NoteID: [(Int, AnchorResolution)]] = [:]
        for r in results { byNote[r.note, default: []].append((r.anchor, r.resolution)) }
        var rewritten: [(NoteID, String, String)] = [], dangling: [(NoteID, String)] = []
        let out = notes.map { note in
            var n = note
            n.status = []
            var renames: [(old: String, new: String)] = []
            for (i, r) in byNote[note.id] ?? [] {
                let old = note.anchors[i]
                if r.status.isAttached {
                    var a = r.anchor
                    a.evidenceRelease = release
                    a.review = old.review
                    a.reviewNote = old.reviewNote
                    if needsReview(r, old: old) {
                        a.review = accept ? .checked : .needed
                        a.reviewNote = accept ? "accepted at migrate to \(release) (\(r.status.rawValue))"
                            : "\(r.status.rawValue) in \(release)" + (r.file != old.file ? " (was \(old.file))" : "")
                    } else if accept, a.review == .needed {
                        a.review = .checked
                        a.reviewNote = "accepted at migrate to \(release)"
                    }
                    n.anchors[i] = a
                    if let o = old.symbol, let s = r.symbol, o != s { renames.append((o, s)) }
                }
                n.status.append(AnchorStatusRecord(anchor: i, release: release, status: r.status, confidence: r.confidence,
                                                   agreed: r.agreed, disagreed: r.disagreed, candidates: r.candidates))
            }
            n.release = release
            if let links {
                let x = BodyLinks.rewrite(n.body, renames: renames, target: links)
                n.body = x.body
                rewritten += x.rewritten.map { (note.id, $0.0, $0.1) }
                dangling += x.dangling.map { (note.id, $0) }
            }
            return n
        }
        return (out, rewritten, dangling)
    }

    static func reports(_ notes: [Note], _ results: [(note: NoteID, anchor: Int, resolution: AnchorResolution)]) -> [AnchorReport] {
        let byID = Dictionary(notes.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return results.map { r in
            let x = r.resolution
            let old = byID[r.note].map { $0.anchors[r.anchor] } ?? x.anchor
            let oldLines = old.lines ?? old.evidence?.symbolLines
            let review = old.needsReview || needsReview(x, old: old)
            return AnchorReport(id: r.note.rawValue, anchor: r.anchor, status: x.status, file: x.file.rawValue,
                                start: x.status.isAttached ? x.lines?.start ?? 0 : 0, end: x.status.isAttached ? x.lines?.end ?? 0 : 0,
                                symbol: x.status.isAttached ? x.symbol : nil,
                                oldFile: old.file.rawValue, oldStart: oldLines?.start ?? 0, oldEnd: oldLines?.end ?? 0,
                                oldSymbol: old.symbol, confidence: x.confidence, agreed: x.agreed, disagreed: x.disagreed,
                                candidates: x.candidates.map(\.description), needsReview: review)
        }
    }
}

/// The `marginalia notes` subcommands.
public enum NotesCommands {
    /// Printed once at the head of `check` and `migrate` output (and carried by `--json`).
    public static let legend: [String: String] = [
        "exact": "same code at the same place",
        "moved": "same code at other lines or in another file",
        "edited": "the same symbol, its code changed",
        "renamed": "the code lives on under another name",
        "split": "the file's code now lives in several files",
        "merged": "the file's code now lives in a file that took other code too",
        "ambiguous": "several places fit and the evidence cannot tell them apart: candidates listed, none picked",
        "orphaned": "the code is gone: the old place is shown, with a suggestion when one is close",
        "confidence": "0 to 1; below 1 the evidence line says which signals disagreed (+ agreed, - disagreed)",
        "needs review": "the note was written for code that changed; run notes review ID once you checked it",
    ]

    static var legendText: String {
        let order = ["exact", "moved", "edited", "renamed", "split", "merged", "ambiguous", "orphaned", "confidence", "needs review"]
        return "legend:\n" + order.map { "  \($0): \(legend[$0]!)\n" }.joined() + "lines: NOTE#ANCHOR STATUS CONFIDENCE OLD-PLACE -> NEW-PLACE [needs review]\n"
    }

    /// `notes check [--json] [--strict]`: re-anchors every note against `target`, writes nothing.
    /// `sources`: snapshots of releases the notes are written for (the target itself, an index of the
    /// notes' release), used to validate anchors and capture missing evidence in memory.
    /// Status 1 on anchor errors, or with `strict` when any anchor is ambiguous or orphaned or any
    /// warning was given.
    public static func check(_ set: NoteSet, target: ReleaseSnapshot, previous: ReleaseSnapshot? = nil, json: Bool,
                             strict: Bool, displayPrefix: String = "Annotations") -> CommandOutput
    {
        let (notes, firstUse) = FirstUse.prepare(set.notes, sources: [target] + (previous.map { [$0] } ?? []), displayPrefix: displayPrefix)
        let results = NoteMigration.check(notes, against: target, previous: previous?.symbols)
        return output(notes, results, json: json, strict: strict, header: "notes check against \(target.release)",
                      diagnostics: set.diagnostics + firstUse)
    }

    /// `notes migrate [--json] [--strict] [--accept]`: re-anchors and rewrites every note whose anchors
    /// or release change (only those fields; comments, layout and body kept, except body links to
    /// renamed symbols) and the lock file, all files or none. With `strict`, nothing is written when any
    /// anchor is ambiguous or orphaned, and the status is 1. `accept` records that a person checked the
    /// anchors that would need review.
    public static func migrate(_ directory: NoteDirectory, target: ReleaseSnapshot, previous: ReleaseSnapshot? = nil,
                               json: Bool, strict: Bool, accept: Bool = false) throws -> CommandOutput
    {
        let set = directory.load()
        let (notes, firstUse) = FirstUse.prepare(set.notes, sources: [target] + (previous.map { [$0] } ?? []),
                                                 displayPrefix: directory.displayPrefix)
        let results = NoteMigration.check(notes, against: target, previous: previous?.symbols)
        let x = NoteMigration.migratedWithLinks(notes, results: results, release: target.release, accept: accept,
                                                links: SymbolTable(symbols: target.symbols))
        var out = output(notes, results, json: json, strict: strict, header: "notes migrate to \(target.release)",
                         diagnostics: set.diagnostics + firstUse, links: x)
        if out.status != 0 {
            if !json { out.text += "nothing written" + (strict ? " (--strict)" : "") + "\n" }
            return out
        }
        let written = try directory.save(x.notes)
        if !json { out.text += "\(written) note files written, \(set.notes.count - written) unchanged\n" }
        return out
    }

    /// `notes capture`: fills in evidence for anchors that have none (all anchors with `force`),
    /// reading symbols and text of the release the notes are written against, into the lock file; notes
    /// whose front matter still carries evidence from earlier versions are cleaned. Unknown symbols are
    /// reported with near-miss suggestions and leave their note unchanged; status 1 then.
    public static func capture(_ directory: NoteDirectory, snapshot: ReleaseSnapshot, force: Bool = false) throws -> CommandOutput {
        let set = directory.load()
        let (notes, diagnostics) = captured(set.notes, snapshot: snapshot, force: force, displayPrefix: directory.displayPrefix)
        let changed = zip(set.notes, notes).filter { $0.0.anchors != $0.1.anchors || $0.1.hasLegacyFrontMatter }.map(\.1)
        if !changed.isEmpty { try directory.save(changed) }
        var text = ""
        for d in set.diagnostics + diagnostics { text += d.description + "\n" }
        let skipped = set.notes.filter { !$0.release.isEmpty && $0.release != snapshot.release }.count
        text += "\(changed.count) notes captured from \(snapshot.release) into \(directory.displayPrefix)/\(EvidenceLock.fileName)"
        text += skipped > 0 ? "; \(skipped) notes written for other releases left as they are\n" : "\n"
        return CommandOutput(text: text, status: diagnostics.contains { $0.severity >= .error } ? 1 : 0)
    }

    /// Evidence for every anchor that lacks it, for notes written for `snapshot.release` (or with no
    /// release); pure.
    public static func captured(_ notes: [Note], snapshot: ReleaseSnapshot, force: Bool = false,
                                displayPrefix: String = "Annotations") -> ([Note], [Diagnostic])
    {
        let checker = AnchorChecker(snapshot: snapshot)
        var diagnostics: [Diagnostic] = []
        var out: [Note] = []
        for note in notes {
            guard note.release.isEmpty || note.release == snapshot.release else { out.append(note); continue }
            var n = note
            let where_ = RepoPath(displayPrefix.isEmpty ? note.path : displayPrefix + "/" + note.path)
            for (i, a) in note.anchors.enumerated() where force || a.evidence == nil {
                if a.isDirectory { continue }
                if let p = checker.problem(a) {
                    diagnostics.append(Diagnostic(file: where_, line: FirstUse.anchorsLine(note), severity: .error,
                                                  message: "\(note.id) anchor \(i): \(p)"))
                } else if let fresh = checker.capture(a) {
                    n.anchors[i] = fresh
                }
            }
            out.append(n)
        }
        return (out, diagnostics)
    }

    /// `notes lint`: front matter problems, duplicate ids, unknown links with suggestions, and (given the
    /// release's snapshot) every anchor of the notes written for that release. Status 1 on errors, and
    /// with `strict` on warnings too.
    public static func lint(_ set: NoteSet, lookup: any SymbolLookup, snapshot: ReleaseSnapshot? = nil,
                            displayPrefix: String = "Annotations", strict: Bool = false) -> CommandOutput
    {
        let resolver = LinkResolver(lookup: lookup, notes: (set.notes + set.otherReleases).map(\.id))
        var diags = set.diagnostics
        var other = 0
        if let snapshot {
            let mine = set.notes.filter { $0.release.isEmpty || $0.release == snapshot.release }
            other = set.notes.count - mine.count
            diags += FirstUse.prepare(mine, sources: [snapshot], displayPrefix: displayPrefix).1
        }
        for n in set.notes where snapshot == nil || n.release.isEmpty || n.release == snapshot!.release {
            diags += resolver.check(n, displayPath: displayPrefix.isEmpty ? n.path : displayPrefix + "/" + n.path)
        }
        var text = diags.map { $0.description + "\n" }.joined() + "\(set.notes.count) notes, \(diags.count) problems\n"
        if other > 0, let snapshot {
            text += "\(other) notes are written for other releases than \(snapshot.release); lint them with --db <index of their release>\n"
        }
        let fail = diags.contains { $0.severity >= .error } || strict && !diags.isEmpty
        return CommandOutput(text: text, status: fail ? 1 : 0)
    }

    /// `notes tidy`: moves evidence and status that earlier versions wrote into notes' front matter to
    /// the lock file, changing nothing else in the notes.
    public static func tidy(_ directory: NoteDirectory) throws -> CommandOutput {
        let set = directory.load()
        let legacy = set.notes.filter(\.hasLegacyFrontMatter)
        let written = try directory.save(legacy)
        let text = set.diagnostics.map { $0.description + "\n" }.joined()
            + "\(written) notes tidied: their evidence is now in \(directory.displayPrefix)/\(EvidenceLock.fileName)\n"
        return CommandOutput(text: text, status: set.diagnostics.contains { $0.severity >= .error } ? 1 : 0)
    }

    /// `notes review ID [--anchor N]`: records that a person checked the note against its anchors'
    /// current code (all anchors, or anchor N). Status 1 for an unknown note or anchor.
    public static func review(_ directory: NoteDirectory, id: NoteID, anchor: Int? = nil) throws -> CommandOutput {
        let set = directory.load()
        guard var note = set.note(id) else {
            let near = NearMiss.best(for: id.rawValue, among: set.notes.map(\.id.rawValue))
            return CommandOutput(text: "no note '\(id)'" + (near.isEmpty ? "" : "; did you mean \(near.joined(separator: ", "))?") + "\n", status: 1)
        }
        if let anchor, !note.anchors.indices.contains(anchor) {
            return CommandOutput(text: "note \(id) has \(note.anchors.count) anchors (0-\(note.anchors.count - 1)); no anchor \(anchor)\n", status: 1)
        }
        var text = ""
        for i in note.anchors.indices where anchor == nil || anchor == i {
            let was = note.anchors[i].review, why = note.anchors[i].reviewNote ?? "code changed"
            note.anchors[i].review = .checked
            note.anchors[i].reviewNote = "checked for \(note.release.isEmpty ? "the current release" : note.release)"
            text += "\(id)#\(i) " + (was == .needed ? "reviewed (was: \(why))" : "reviewed") + "\n"
        }
        try directory.save([note])
        return CommandOutput(text: text, status: 0)
    }

    static func location(_ file: String, _ start: Int, _ end: Int) -> String {
        start > 0 ? "\(file):\(start)-\(end)" : file
    }

    static func output(_ notes: [Note], _ results: [(note: NoteID, anchor: Int, resolution: AnchorResolution)], json: Bool,
                       strict: Bool, header: String, diagnostics: [Diagnostic],
                       links: (notes: [Note], rewritten: [(NoteID, String, String)], dangling: [(NoteID, String)])? = nil)
        -> CommandOutput
    {
        let reports = NoteMigration.reports(notes, results)
        let bad = reports.contains { $0.status == .ambiguous || $0.status == .orphaned }
        let errors = diagnostics.contains { $0.severity >= .error }
        let status: Int32 = errors || strict && (bad || !diagnostics.isEmpty) ? 1 : 0
        if json {
            struct Out: Encodable {
                var header: String
                var legend: [String: String]
                var anchors: [AnchorReport]
                var diagnostics: [String]
                var linksRewritten: [[String]]
                var linksDangling: [[String]]
            }
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            let o = Out(header: header, legend: legend, anchors: reports, diagnostics: diagnostics.map(\.description),
                        linksRewritten: (links?.rewritten ?? []).map { [$0.0.rawValue, $0.1, $0.2] },
                        linksDangling: (links?.dangling ?? []).map { [$0.0.rawValue, $0.1] })
            let data = (try? enc.encode(o)) ?? Data("{}".utf8)
            return CommandOutput(text: String(decoding: data, as: UTF8.self) + "\n", status: status)
        }
        var text = diagnostics.map { $0.description + "\n" }.joined()
        text += "\(header): \(reports.count) anchors\n" + legendText
        var counts: [AnchorStatus: Int] = [:]
        var review = 0
        for r in reports {
            counts[r.status, default: 0] += 1
            let old = location(r.oldFile, r.oldStart, r.oldEnd) + (r.oldSymbol.map { " \($0)" } ?? "")
            let new: String
            switch r.status {
            case .orphaned: new = "nowhere (old place shown is the last known one)"
            case .ambiguous: new = "undecided"
            default: new = location(r.file, r.start, r.end) + (r.symbol.map { " \($0)" } ?? "")
            }
            text += "\(r.id)#\(r.anchor) \(r.status.rawValue) \(formatScore(r.confidence)) \(old) -> \(new)"
            if r.needsReview { text += " [needs review]"; review += 1 }
            text += "\n"
            if r.confidence < 1 || !r.disagreed.isEmpty {
                text += "    evidence: " + (r.agreed.map { "+" + $0 } + r.disagreed.map { "-" + $0 }).joined(separator: ", ") + "\n"
            }
            if !r.candidates.isEmpty {
                text += "    " + (r.status == .ambiguous ? "candidates: " : "suggestion: ") + r.candidates.joined(separator: "; ") + "\n"
            }
        }
        for (id, old, new) in links?.rewritten ?? [] { text += "\(id): body link [[\(old)]] -> [[\(new)]]\n" }
        for (id, t) in links?.dangling ?? [] { text += "\(id): body link [[\(t)]] resolves to nothing in this release (left as written)\n" }
        text += AnchorStatus.allCases.compactMap { s in counts[s].map { "\(s.rawValue) \($0)" } }.joined(separator: ", ")
        text += review > 0 ? "; \(review) need review\n" : "\n"
        return CommandOutput(text: text, status: status)
    }
}
