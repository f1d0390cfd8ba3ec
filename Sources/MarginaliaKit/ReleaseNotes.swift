// Release-aware notes for the site and the index: the checkout's release, the home page's cards for a
// release (`Annotations/home/vllm-<release>.yaml`), and the drift of notes written for older releases.
import Annotations
import Foundation
import IndexModel
import SiteRenderer
import Yams

public enum CheckoutRelease {
    /// The vLLM release of a checkout: `PKG-INFO`'s `Version:` (source releases), else the version
    /// `vllm/_version.py` records (a built git checkout), else a `vllm-<release>` folder name; nil when
    /// none says.
    public static func detect(root: URL) -> String? {
        if let info = try? String(contentsOf: root.appendingPathComponent("PKG-INFO"), encoding: .utf8) {
            for line in info.split(separator: "\n") where line.hasPrefix("Version: ") {
                return String(line.dropFirst("Version: ".count)).trimmingCharacters(in: .whitespaces)
            }
        }
        if let text = try? String(contentsOf: root.appendingPathComponent("vllm/_version.py"), encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("__version__") || line.hasPrefix("version =") {
                let quoted = line.split(whereSeparator: { $0 == "'" || $0 == "\"" })
                if quoted.count >= 2, ReleaseVersion(String(quoted[1])) != nil { return String(quoted[1]) }
            }
        }
        let name = root.lastPathComponent
        if name.hasPrefix("vllm-") { return String(name.dropFirst(5)) }
        return nil
    }
}

/// The home page's "Where to start" cards of one release, from `<notes>/home/vllm-<release>.yaml`:
///
/// ```yaml
/// release: "0.33.0"
/// cards:
///   - path: vllm/v1/core              # a directory or a file of the checkout
///     title: Scheduler and KV-cache manager
///     summary: One or two sentences.
///     start: [vllm.v1.core.sched.scheduler.Scheduler.schedule]   # optional: symbols or files
/// ```
public enum HomeCards {
    struct File: Decodable {
        var release: String
        var cards: [Card]
    }

    struct Card: Decodable {
        var path: String
        var title: String
        var summary: String
        var start: [String]?
    }

    public static func file(notes: URL, release: String) -> URL {
        notes.appendingPathComponent("home/vllm-\(release).yaml")
    }

    /// The cards for `release`, nil when no file is shipped for it; a malformed file throws naming it.
    public static func load(notes: URL, release: String) throws -> [KeyDirectory]? {
        guard !release.isEmpty else { return nil }
        let url = file(notes: notes, release: release)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let parsed: File
        do { parsed = try YAMLDecoder().decode(File.self, from: text) } catch {
            throw UserError("marginalia: \(url.path): not a cards file: \(error)")
        }
        var problems: [String] = []
        if parsed.release != release { problems.append("release is '\(parsed.release)', the file name says \(release)") }
        if parsed.cards.isEmpty { problems.append("no cards") }
        for (i, c) in parsed.cards.enumerated() where c.path.isEmpty || c.title.isEmpty || c.summary.isEmpty {
            problems.append("card \(i + 1) needs a path, a title and a summary")
        }
        if !problems.isEmpty { throw UserError("marginalia: \(url.path): " + problems.joined(separator: "; ")) }
        return parsed.cards.map { c in
            var path = c.path
            while path.hasSuffix("/") { path.removeLast() }
            return KeyDirectory(path: path, title: c.title, summary: c.summary, startHere: c.start ?? [])
        }
    }
}

public enum ReleaseDrift {
    /// Notes written for `snapshot`'s own release whose anchors carry no captured evidence (a note as a
    /// person writes it: symbol, file, lines) get it from the snapshot in memory, as `notes capture` would
    /// write it: checking them against their own release then means "does each anchor name one place".
    /// Notes of other releases are returned unchanged (their evidence must come from their release).
    public static func withEvidence(_ notes: [Note], snapshot: ReleaseSnapshot) -> [Note] {
        let own = notes.indices.filter { i in
            notes[i].release == snapshot.release && notes[i].anchors.contains { $0.evidence == nil && !$0.isDirectory }
        }
        guard !own.isEmpty else { return notes }
        let (captured, _) = NotesCommands.captured(own.map { notes[$0] }, snapshot: snapshot)
        var out = notes
        for (k, i) in own.enumerated() { out[i] = captured[k] }
        return out
    }

    /// The notes of other releases the site shows as pages (`NoteReleases.companions`), titled with their
    /// release so a reader sees at once that their code is another release's.
    public static func companions(of set: NoteSet) -> [Note] {
        NoteReleases.companions(of: set).map { n in
            var c = n
            c.title += " (vLLM \(n.release))"
            return c
        }
    }

    /// Re-anchoring results of notes of several releases against `snapshot`, each release with its own
    /// previous symbols, in the order of `notes`.
    public static func check(_ notes: [Note], against snapshot: ReleaseSnapshot)
        -> [(note: NoteID, anchor: Int, resolution: AnchorResolution)]
    {
        var byRelease: [String: [(note: NoteID, anchor: Int, resolution: AnchorResolution)]] = [:]
        for r in Set(notes.map(\.release)) {
            byRelease[r] = NoteMigration.check(notes.filter { $0.release == r }, against: snapshot,
                                               previous: NotesService.previousSymbols(release: r))
        }
        let order = Dictionary(notes.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
        return byRelease.values.flatMap { $0 }.sorted { (order[$0.note] ?? 0, $0.anchor) < (order[$1.note] ?? 0, $1.anchor) }
    }

    /// What became of the notes written for releases older than the site's own notes: each anchor checked
    /// against `snapshot`, as drift rows (their notes are not pages of this site, so the rows do not link).
    /// `target` is the release the site's notes were selected for (the checkout's, or `--release`).
    /// `excluding` names notes already shown as pages (companions), whose rows the site makes itself.
    public static func olderNotes(_ all: NoteSet, for target: String, snapshot: ReleaseSnapshot,
                                  excluding: Set<NoteID> = []) -> [DriftResult] {
        var rows: [DriftResult] = []
        for (release, allOfRelease) in NoteReleases.olderSets(all, for: target) {
            let notes = allOfRelease.filter { !excluding.contains($0.id) }
            let results = NoteMigration.check(notes, against: snapshot, previous: NotesService.previousSymbols(release: release))
            let byID = Dictionary(notes.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for r in results {
                guard let n = byID[r.note] else { continue }
                let a = n.anchors[r.anchor], res = r.resolution
                let old = a.evidence?.symbolLines.map { $0.start...$0.end } ?? a.lines.map { $0.start...$0.end } ?? 1...1
                let span = res.anchor.lines.map { $0.start...$0.end } ?? res.anchor.evidence?.symbolLines.map { $0.start...$0.end }
                rows.append(DriftResult(note: SiteNoteID(n.id.rawValue), noteTitle: n.title, fromVersion: release,
                                        toVersion: snapshot.release, status: res.status, confidence: res.confidence,
                                        oldFile: a.file, oldLines: old, newFile: res.status.isAttached ? res.anchor.file : nil,
                                        newLines: res.status.isAttached ? (span ?? old) : nil,
                                        evidence: (res.agreed.map { "+" + $0 } + res.disagreed.map { "-" + $0 }).joined(separator: ", ")))
            }
        }
        return rows
    }
}
