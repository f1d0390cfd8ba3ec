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
    public var confidence: Double
    /// Signals that agreed / disagreed, and candidates (ambiguous) or a suggestion (orphaned).
    public var agreed: [String]
    public var disagreed: [String]
    public var candidates: [String]
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

    /// The notes rewritten for `target.release`: attached anchors take their new location and evidence,
    /// the others keep theirs; `status:` records every anchor's outcome. Bodies are not touched.
    public static func migrated(_ notes: [Note], results: [(note: NoteID, anchor: Int, resolution: AnchorResolution)],
                                release: String) -> [Note]
    {
        var byNote: [NoteID: [(Int, AnchorResolution)]] = [:]
        for r in results { byNote[r.note, default: []].append((r.anchor, r.resolution)) }
        return notes.map { note in
            var n = note
            n.status = []
            for (i, r) in byNote[note.id] ?? [] {
                n.anchors[i] = r.anchor
                n.status.append(AnchorStatusRecord(anchor: i, release: release, status: r.status, confidence: r.confidence,
                                                   agreed: r.agreed, disagreed: r.disagreed, candidates: r.candidates))
            }
            n.release = release
            return n
        }
    }

    static func reports(_ results: [(note: NoteID, anchor: Int, resolution: AnchorResolution)]) -> [AnchorReport] {
        results.map { r in
            let x = r.resolution
            return AnchorReport(id: r.note.rawValue, anchor: r.anchor, status: x.status, file: x.file.rawValue,
                                start: x.lines?.start ?? 0, end: x.lines?.end ?? 0, symbol: x.symbol,
                                confidence: x.confidence, agreed: x.agreed, disagreed: x.disagreed,
                                candidates: x.candidates.map(\.description))
        }
    }
}

/// The `marginalia notes` subcommands.
public enum NotesCommands {
    /// `notes check [--json] [--strict]`: re-anchors every note against `target`, writes nothing.
    /// Status 1 when `strict` and any anchor is ambiguous or orphaned; 0 otherwise.
    public static func check(_ set: NoteSet, target: ReleaseSnapshot, previous: [Symbol]? = nil, json: Bool,
                             strict: Bool) -> CommandOutput
    {
        let results = NoteMigration.check(set.notes, against: target, previous: previous)
        return output(results, json: json, strict: strict, header: "check against \(target.release)", diagnostics: set.diagnostics)
    }

    /// `notes migrate [--json] [--strict]`: re-anchors and rewrites every note file (anchors, release,
    /// status; bodies byte-identical), all files or none. With `strict`, nothing is written when any
    /// anchor is ambiguous or orphaned, and the status is 1.
    public static func migrate(_ directory: NoteDirectory, target: ReleaseSnapshot, previous: [Symbol]? = nil,
                               json: Bool, strict: Bool) throws -> CommandOutput
    {
        let set = directory.load()
        let results = NoteMigration.check(set.notes, against: target, previous: previous)
        var out = output(results, json: json, strict: strict, header: "migrate to \(target.release)", diagnostics: set.diagnostics)
        if strict, out.status != 0 {
            if !json { out.text += "nothing written (--strict)\n" }
            return out
        }
        try directory.save(NoteMigration.migrated(set.notes, results: results, release: target.release))
        if !json { out.text += "\(set.notes.count) notes written\n" }
        return out
    }

    /// `notes capture`: fills in evidence for anchors that have none (all anchors with `force`),
    /// reading symbols and text of the release the notes are written against. Unknown symbols are
    /// reported with near-miss suggestions and leave their note unchanged; status 1 then.
    public static func capture(_ directory: NoteDirectory, snapshot: ReleaseSnapshot, force: Bool = false) throws -> CommandOutput {
        let set = directory.load()
        let (notes, diagnostics) = captured(set.notes, snapshot: snapshot, force: force, displayPrefix: directory.displayPrefix)
        let changed = zip(set.notes, notes).filter { $0.0.anchors != $0.1.anchors }.map(\.1)
        if !changed.isEmpty { try directory.save(changed) }
        var text = ""
        for d in set.diagnostics + diagnostics { text += d.description + "\n" }
        text += "\(changed.count) notes captured\n"
        return CommandOutput(text: text, status: diagnostics.contains { $0.severity >= .error } ? 1 : 0)
    }

    /// Evidence for every anchor that lacks it; pure.
    public static func captured(_ notes: [Note], snapshot: ReleaseSnapshot, force: Bool = false,
                                displayPrefix: String = "Annotations") -> ([Note], [Diagnostic])
    {
        var byQN: [String: [Symbol]] = [:]
        for s in snapshot.symbols { byQN[s.qualifiedName, default: []].append(s) }
        let table = SymbolTable(symbols: snapshot.symbols)
        var diagnostics: [Diagnostic] = []
        var out: [Note] = []
        for note in notes {
            var n = note
            var ok = true
            let where_ = RepoPath(displayPrefix.isEmpty ? note.path : displayPrefix + "/" + note.path)
            for (i, a) in note.anchors.enumerated() where force || a.evidence == nil {
                if a.isDirectory { continue }
                guard let text = snapshot.checkout.text(of: a.file) else {
                    diagnostics.append(Diagnostic(file: where_, line: 0, severity: .error,
                                                  message: "\(note.id) anchor \(i): no file \(a.file) in \(snapshot.release)"))
                    ok = false
                    continue
                }
                do {
                    if let qn = a.symbol {
                        let candidates = (byQN[qn] ?? []).filter { $0.file == a.file }
                        guard let s = candidates.first(where: { c in a.lines.map { c.range.lines.contains($0.start) } ?? true }) ?? candidates.first else {
                            let near = NearMiss.best(for: qn, among: table.suggestionCandidates(for: qn), limit: 3)
                            diagnostics.append(Diagnostic(file: where_, line: 0, severity: .error,
                                message: "\(note.id) anchor \(i): no symbol \(qn) in \(a.file)" + (near.isEmpty ? "" : "; did you mean \(near.joined(separator: ", "))?")))
                            ok = false
                            continue
                        }
                        n.anchors[i] = try AnchorCapture.capture(symbol: s, lines: a.lines, fileText: text)
                    } else {
                        n.anchors[i] = try AnchorCapture.capture(file: a.file, lines: a.lines, fileText: text)
                    }
                } catch {
                    diagnostics.append(Diagnostic(file: where_, line: 0, severity: .error, message: "\(note.id) anchor \(i): \(error)"))
                    ok = false
                }
            }
            out.append(ok ? n : (n.anchors.contains { $0.evidence != nil } ? n : note))
        }
        return (out, diagnostics)
    }

    /// `notes lint`: front matter problems, duplicate ids, unknown links with suggestions. Status 1 on errors.
    public static func lint(_ set: NoteSet, lookup: any SymbolLookup, displayPrefix: String = "Annotations") -> CommandOutput {
        let resolver = LinkResolver(lookup: lookup, notes: (set.notes + set.otherReleases).map(\.id))
        var diags = set.diagnostics
        for n in set.notes { diags += resolver.check(n, displayPath: displayPrefix.isEmpty ? n.path : displayPrefix + "/" + n.path) }
        let text = diags.map { $0.description + "\n" }.joined() + "\(set.notes.count) notes, \(diags.count) problems\n"
        return CommandOutput(text: text, status: diags.contains { $0.severity >= .error } ? 1 : 0)
    }

    static func output(_ results: [(note: NoteID, anchor: Int, resolution: AnchorResolution)], json: Bool, strict: Bool,
                       header: String, diagnostics: [Diagnostic]) -> CommandOutput
    {
        let reports = NoteMigration.reports(results)
        let bad = reports.contains { $0.status == .ambiguous || $0.status == .orphaned }
        let status: Int32 = strict && bad ? 1 : 0
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            let data = (try? enc.encode(reports)) ?? Data("[]".utf8)
            return CommandOutput(text: String(decoding: data, as: UTF8.self) + "\n", status: status)
        }
        var text = diagnostics.map { $0.description + "\n" }.joined()
        text += "\(header): \(reports.count) anchors\n"
        var counts: [AnchorStatus: Int] = [:]
        for r in reports {
            counts[r.status, default: 0] += 1
            let loc = r.start > 0 ? "\(r.file):\(r.start)-\(r.end)" : r.file
            text += "\(r.id)#\(r.anchor) \(r.status.rawValue) \(formatScore(r.confidence)) \(loc)" + (r.symbol.map { " \($0)" } ?? "")
            if !r.candidates.isEmpty { text += " candidates: " + r.candidates.joined(separator: "; ") }
            text += "\n"
        }
        text += AnchorStatus.allCases.compactMap { s in counts[s].map { "\(s.rawValue) \($0)" } }.joined(separator: ", ") + "\n"
        return CommandOutput(text: text, status: status)
    }
}
