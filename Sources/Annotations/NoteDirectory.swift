// Discovery: finding note and tour files under a notes directory, in a deterministic order, and
// writing a set of notes back all at once or not at all.
import Foundation
import IndexModel

/// Everything loaded from a notes directory.
public struct NoteSet: Sendable {
    /// Notes in path order; a note whose id repeats an earlier one is left out (and reported).
    public var notes: [Note]
    /// Tours in path order.
    public var tours: [Tour]
    /// Problems found; broken files are reported here and skipped, the other notes still load.
    public var diagnostics: [Diagnostic]
    /// After release selection (`NoteReleases.select`): the directory's notes of other releases, which links
    /// and tour steps may name but which the commands neither check nor rewrite.
    public var otherReleases: [Note] = []

    public init(notes: [Note] = [], tours: [Tour] = [], diagnostics: [Diagnostic] = []) {
        self.notes = notes
        self.tours = tours
        self.diagnostics = diagnostics
    }

    /// The note with `id`, if loaded.
    public func note(_ id: NoteID) -> Note? { notes.first { $0.id == id } }
}

/// Loads and saves the notes of one directory (`Annotations/`).
public struct NoteDirectory: Sendable {
    /// The notes directory.
    public let root: URL
    /// Prefix for paths in diagnostics (default: the directory's own name, e.g. `Annotations`).
    public let displayPrefix: String
    /// The checkout's release: `load` keeps the notes and tours that serve it (see `NoteReleases`); nil keeps all.
    public var release: String?

    public init(root: URL, displayPrefix: String? = nil) {
        self.root = root.standardizedFileURL
        self.displayPrefix = displayPrefix ?? root.standardizedFileURL.lastPathComponent
    }

    func display(_ relative: String) -> String { displayPrefix.isEmpty ? relative : displayPrefix + "/" + relative }

    /// Relative paths of files under the root with `suffix`, sorted, hidden files and folders skipped.
    func files(withSuffix suffix: String, under sub: String? = nil) -> [String] {
        let base = sub.map { root.appendingPathComponent($0) } ?? root
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey],
                                                     options: [.skipsHiddenFiles]) else { return [] }
        var out: [String] = []
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for case let url as URL in e where url.path.hasSuffix(suffix) {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(rootPath) else { continue }
            out.append(String(path.dropFirst(rootPath.count)))
        }
        return out.sorted()
    }

    /// Loads every `*.md` note (README.md files excepted) and every `tours/*.yaml` tour. First finishes or undoes an interrupted
    /// `save` (see `NoteTransaction.recover`), reporting that as a note-level diagnostic.
    public func load() -> NoteSet {
        let set = loadAll()
        return release.map { NoteReleases.select(set, for: $0) } ?? set
    }

    func loadAll() -> NoteSet {
        var set = NoteSet()
        if let recovered = try? NoteTransaction.recover(in: root), recovered > 0 {
            set.diagnostics.append(Diagnostic(file: RepoPath(displayPrefix), line: 0, severity: .warning,
                                              message: "an interrupted migrate was rolled back: \(recovered) note files restored to their previous text"))
        }
        var firstPath: [NoteID: String] = [:]
        // README files describe the directory; they are not notes.
        for rel in files(withSuffix: ".md") where (rel.split(separator: "/").last ?? "").lowercased() != "readme.md" {
            let url = root.appendingPathComponent(rel)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                set.diagnostics.append(Diagnostic(file: RepoPath(display(rel)), line: 0, severity: .error, message: "cannot read file"))
                continue
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                set.diagnostics.append(Diagnostic(file: RepoPath(display(rel)), line: 0, severity: .error, message: "not valid UTF-8"))
                continue
            }
            let parsed = NoteFileFormat.parse(text: text, path: rel, displayPath: display(rel))
            set.diagnostics += parsed.diagnostics
            guard let note = parsed.note else { continue }
            // An id that is not [a-z0-9-] names pages and links: such a note is not loaded at all.
            if !note.id.isWellFormed {
                set.diagnostics.append(Diagnostic(file: RepoPath(display(rel)), line: 2, severity: .error,
                                                  message: "note skipped: its id is not a well-formed note id"))
                continue
            }
            if let first = firstPath[note.id] {
                set.diagnostics.append(Diagnostic(file: RepoPath(display(rel)), line: 2, severity: .error,
                                                  message: "duplicate id '\(note.id)': already used by \(display(first)); this note is skipped"))
                continue
            }
            firstPath[note.id] = rel
            set.notes.append(note)
        }
        do {
            try EvidenceLock.read(in: root).apply(to: &set.notes)
        } catch {
            set.diagnostics.append(Diagnostic(file: RepoPath(display(EvidenceLock.fileName)), line: 0, severity: .error,
                                              message: "\(error)"))
        }
        if FileManager.default.fileExists(atPath: root.appendingPathComponent("tours").path) {
            for rel in files(withSuffix: ".yaml", under: "tours") + files(withSuffix: ".yml", under: "tours") {
                guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(rel).path) else { continue }
                let (tour, diags) = NoteFileFormat.parseTour(text: String(decoding: data, as: UTF8.self), path: rel,
                                                             displayPath: display(rel))
                set.diagnostics += diags
                if let tour { set.tours.append(tour) }
            }
            set.tours.sort { $0.path < $1.path }
            for tour in set.tours {
                for case let .note(id) in tour.steps where firstPath[id] == nil {
                    set.diagnostics.append(Diagnostic(file: RepoPath(display(tour.path)), line: 0, severity: .warning,
                                                      message: "tour step names unknown note '\(id)'"))
                }
            }
        }
        return set
    }

    /// Writes `notes` to their files (`Note.path`, relative to the root) and their evidence, status and
    /// review state to the lock file, all or none: see `NoteTransaction`. Files whose text would not
    /// change are not written. Returns the number of note files written.
    @discardableResult
    public func save(_ notes: [Note], hooks: NoteTransaction.Hooks = .init()) throws -> Int {
        var files: [(path: String, text: String)] = []
        for n in notes {
            let text = NoteFileFormat.render(n)
            if let source = n.source, Array(text.utf8) == source.bytes,
               FileManager.default.fileExists(atPath: root.appendingPathComponent(n.path).path) { continue }
            files.append((n.path, text))
        }
        let written = files.count
        let old = try EvidenceLock.read(in: root)
        var lock = old
        lock.record(notes)
        if lock != old || !FileManager.default.fileExists(atPath: root.appendingPathComponent(EvidenceLock.fileName).path) && !lock.notes.isEmpty {
            files.append((EvidenceLock.fileName, lock.text()))
        }
        if !files.isEmpty { try NoteTransaction.write(files, in: root, hooks: hooks) }
        return written
    }
}

/// Writes several files in one directory tree so that either all of them change or none does, even if
/// the process is killed half-way.
///
/// Protocol: (1) each new text goes to `.<name>.mtmp` beside its file; (2) each old file gets a hard
/// link `.<name>.mbak`; (3) a journal `.marginalia-journal` listing the files is written atomically;
/// (4) each temp file is renamed over its target; (5) the journal is deleted (the commit point);
/// (6) backups are deleted. `recover` (run by `NoteDirectory.load` and before each write) restores the
/// backups when a journal is present, and in all cases removes stray temp and backup files.
public enum NoteTransaction {
    /// Fault injection for tests: called after the given number of renames (step 4) has completed.
    public struct Hooks: Sendable {
        /// Thrown errors abort the write; `rollback` says whether to undo (as an ordinary failure does)
        /// or to stop dead, leaving the disk as a killed process would.
        public var afterRename: (@Sendable (Int) throws -> Void)?
        public var rollbackOnError: Bool
        public init(afterRename: (@Sendable (Int) throws -> Void)? = nil, rollbackOnError: Bool = true) {
            self.afterRename = afterRename
            self.rollbackOnError = rollbackOnError
        }
    }

    static let journalName = ".marginalia-journal"

    static func sidecar(_ path: String, _ suffix: String) -> String {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return dir + "." + name + suffix
    }

    /// Writes `files` (relative path, text) under `root`, all or none.
    public static func write(_ files: [(path: String, text: String)], in root: URL, hooks: Hooks = .init()) throws {
        let fm = FileManager.default
        _ = try recover(in: root)
        let url = { (rel: String) in root.appendingPathComponent(rel) }
        var existing: [String] = []
        do {
            // (1) temp files
            for f in files {
                try fm.createDirectory(at: url(f.path).deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(f.text.utf8).write(to: url(sidecar(f.path, ".mtmp")))
            }
            // (2) backups (hard links keep the old bytes after the rename)
            for f in files where fm.fileExists(atPath: url(f.path).path) {
                let bak = url(sidecar(f.path, ".mbak"))
                try? fm.removeItem(at: bak)
                try fm.linkItem(at: url(f.path), to: bak)
                existing.append(f.path)
            }
        } catch {
            _ = try? recover(in: root)
            throw error
        }
        // (3) journal: "B path" for a file with a backup, "N path" for a new file
        let journal = files.map { (existing.contains($0.path) ? "B " : "N ") + $0.path }.joined(separator: "\n") + "\n"
        let journalTmp = url(journalName + ".tmp")
        try Data(journal.utf8).write(to: journalTmp)
        if rename(journalTmp.path, url(journalName).path) != 0 {
            _ = try? recover(in: root)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: journalName])
        }
        // (4) renames
        do {
            for (i, f) in files.enumerated() {
                if rename(url(sidecar(f.path, ".mtmp")).path, url(f.path).path) != 0 {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: f.path])
                }
                try hooks.afterRename?(i + 1)
            }
        } catch {
            if hooks.rollbackOnError { _ = try? recover(in: root) }
            throw error
        }
        // (5) commit, (6) clean up
        try fm.removeItem(at: url(journalName))
        for p in existing { try? fm.removeItem(at: url(sidecar(p, ".mbak"))) }
    }

    /// Undoes an interrupted `write` (when its journal is present) and removes leftover temp and backup
    /// files. Returns the number of files restored.
    @discardableResult
    public static func recover(in root: URL) throws -> Int {
        let fm = FileManager.default
        let journalURL = root.appendingPathComponent(journalName)
        var restored = 0
        if let data = fm.contents(atPath: journalURL.path) {
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.count > 2 {
                let path = String(line.dropFirst(2))
                let target = root.appendingPathComponent(path)
                if line.hasPrefix("B ") {
                    let bak = root.appendingPathComponent(sidecar(path, ".mbak"))
                    if fm.fileExists(atPath: bak.path) {
                        if Foundation.rename(bak.path, target.path) != 0 {
                            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
                        }
                        restored += 1
                    }
                } else {
                    try? fm.removeItem(at: target)
                    restored += 1
                }
            }
            try fm.removeItem(at: journalURL)
        }
        try? fm.removeItem(at: root.appendingPathComponent(journalName + ".tmp"))
        // Stray sidecars from a write that died before its journal, or after its commit.
        if let e = fm.enumerator(at: root, includingPropertiesForKeys: nil) {
            for case let u as URL in e {
                let name = u.lastPathComponent
                if name.hasPrefix("."), name.hasSuffix(".mtmp") || name.hasSuffix(".mbak") { try? fm.removeItem(at: u) }
            }
        }
        return restored
    }
}
