// SiteRenderer: see Sources/Modules.md.
//
// Stages: (1) Indexing the model — look-up tables built once from the `SiteModel` (notes by file,
// symbols by id ...); (2) Planning — the list of pages, each named by the `LinkProvider`;
// (3) Rendering — pages rendered in parallel (`concurrentPerform` over pages), each straight into one
// byte buffer and written only when its bytes changed; (4) Finishing — the manifest, stale pages
// removed, the report.

import Dispatch
import Foundation
import IndexModel

/// What a render did.
public struct SiteReport: Sendable, CustomStringConvertible {
    /// Files the site consists of (pages, assets, the search index).
    public var filesProduced: Int
    /// Files whose bytes changed and were written.
    public var filesWritten: Int
    /// Files left alone because they already held the same bytes.
    public var filesUnchanged: Int
    /// Files a previous run wrote that the site no longer has.
    public var filesRemoved: Int
    /// Total size of the site in bytes.
    public var totalBytes: Int
    /// The site paths written, sorted.
    public var writtenPaths: [String]
    /// Problems in the model the pages had to work around (sorted).
    public var diagnostics: [Diagnostic]

    /// One line: "9549 files (72.6 MB): 12 written, 9537 unchanged, 0 removed, 3 diagnostics".
    public var description: String {
        let mb = Double(totalBytes) / 1_000_000
        return "\(filesProduced) files (\((mb * 10).rounded() / 10) MB): \(filesWritten) written, \(filesUnchanged) unchanged, "
            + "\(filesRemoved) removed, \(diagnostics.count) diagnostics"
    }
}

/// Renders the whole site for `model` into `output` with the theme in `theme` (the `Site/` folder),
/// using the standard page layout (`SiteLinks`). Files whose bytes did not change are not rewritten.
public func renderSite(model: SiteModel, theme: URL, output: URL) throws -> SiteReport {
    try renderSite(model: model, theme: theme, output: output, links: SiteLinks(model: model))
}

/// Renders the site with a custom page layout.
public func renderSite<Links: LinkProvider>(model: SiteModel, theme themeURL: URL, output: URL,
                                            links: Links) throws -> SiteReport
{
    let theme = try Theme(directory: themeURL)
    let build = SiteBuild(model: model, links: links, theme: theme)
    let jobs = build.plan()
    let out = OutputDirectory(root: output)
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    try out.prepareFolders(for: jobs.map(\.path))

    let results = RenderResults(jobs.count)
    results.written.withUnsafeMutableBufferPointer { written in
        results.sizes.withUnsafeMutableBufferPointer { sizes in
            results.diagnostics.withUnsafeMutableBufferPointer { diags in
                results.errors.withUnsafeMutableBufferPointer { errors in
                    nonisolated(unsafe) let w = written, s = sizes, d = diags, e = errors
                    DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
                        var local: [Diagnostic] = []
                        let bytes = build.render(jobs[i], diagnostics: &local)
                        d[i] = local
                        s[i] = bytes.count
                        do { w[i] = try out.write(jobs[i].path, bytes) } catch { e[i] = error }
                    }
                }
            }
        }
    }
    if let error = results.errors.compactMap({ $0 }).first { throw error }
    let removed = try out.finish(produced: jobs.map(\.path))
    var writtenPaths: [String] = []
    for (i, job) in jobs.enumerated() where results.written[i] { writtenPaths.append(job.path.description) }
    let diagnostics = (build.modelDiagnostics + results.diagnostics.flatMap { $0 }).sorted {
        ($0.file, $0.line, $0.message) < ($1.file, $1.line, $1.message)
    }
    return SiteReport(filesProduced: jobs.count, filesWritten: writtenPaths.count,
                      filesUnchanged: jobs.count - writtenPaths.count, filesRemoved: removed,
                      totalBytes: results.sizes.reduce(0, +), writtenPaths: writtenPaths.sorted(),
                      diagnostics: diagnostics)
}

/// Per-job results, each slot written by exactly one job.
final class RenderResults: @unchecked Sendable {
    var written: [Bool]
    var sizes: [Int]
    var diagnostics: [[Diagnostic]]
    var errors: [Error?]
    init(_ n: Int) {
        written = Array(repeating: false, count: n)
        sizes = Array(repeating: 0, count: n)
        diagnostics = Array(repeating: [], count: n)
        errors = Array(repeating: nil, count: n)
    }
}
/// One anchor of a note, placed in a file.
struct PlacedNote: Sendable {
    let note: SiteNote
    let anchor: NoteAnchor
    let anchorIndex: Int
    /// The id of the `<aside>` on the source page.
    var asideID: String {
        anchorIndex == 0 ? anchorID("note-", note.id.rawValue) : anchorID("note-", note.id.rawValue) + "-\(anchorIndex + 1)"
    }
}

/// A page or file to produce.
struct Job: Sendable {
    enum Kind: Sendable {
        case source(Int), symbol(Int), note(Int), directory(String), home, notesIndex, toursIndex, tour(Int)
        case tourStep(Int, Int), kernels, drift, article(Int), searchIndex, asset(Int)
    }
    let kind: Kind
    let path: SitePath
}

/// The model with its look-up tables, and the page renderers (extensions in the other files).
struct SiteBuild<Links: LinkProvider>: Sendable {
    let model: SiteModel
    let links: Links
    let theme: Theme
    let symbolsByID: [SiteSymbolID: SiteSymbol]
    let symbolsByFile: [RepoPath: [SiteSymbol]]
    let notesByID: [SiteNoteID: SiteNote]
    /// Every anchor of every note, by the file it is placed in (orphans: their last known file).
    let notesByFile: [RepoPath: [PlacedNote]]
    /// Notes anchored to a folder, by folder ("" is the root).
    let notesByDirectory: [String: [SiteNote]]
    /// Notes whose anchors name a symbol or fall inside its lines.
    let notesBySymbol: [SiteSymbolID: [SiteNote]]
    let filesByPath: [RepoPath: SiteFile]
    /// Each file's spans, cleaned, and its line starts.
    let prepared: [RepoPath: PreparedFile]
    /// Every folder (and "" for the root): its sub-folders and files.
    let directories: [String: (folders: [String], files: [RepoPath])]
    let modelDiagnostics: [Diagnostic]

    init(model: SiteModel, links: Links, theme: Theme) {
        self.model = model
        self.links = links
        self.theme = theme
        var diags: [Diagnostic] = []
        var byID: [SiteSymbolID: SiteSymbol] = [:]
        for s in model.symbols {
            if byID[s.id] != nil {
                diags.append(Diagnostic(file: s.file, line: s.lines.lowerBound, severity: .warning,
                                        message: "site: two symbols share the id \(s.id); the first one gets the page"))
            } else {
                byID[s.id] = s
            }
        }
        symbolsByID = byID
        var byFile: [RepoPath: [SiteSymbol]] = [:]
        for s in byID.values { byFile[s.file, default: []].append(s) }
        symbolsByFile = byFile.mapValues { $0.sorted { ($0.lines.lowerBound, $0.id) < ($1.lines.lowerBound, $1.id) } }
        var files: [RepoPath: SiteFile] = [:]
        for f in model.files where files[f.path] == nil { files[f.path] = f }  // the first of two same paths wins, as in plan()
        filesByPath = files
        prepared = PreparedFile.all(model.files)
        notesByID = Dictionary(model.notes.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var placed: [RepoPath: [PlacedNote]] = [:]
        var bySymbol: [SiteSymbolID: [SiteNoteID]] = [:]
        var byDirectory: [String: [SiteNote]] = [:]
        let directoryNames = SiteBuild.folders(of: model.files)
        for note in model.notes.sorted(by: { $0.id < $1.id }) {
            for (k, a) in note.anchors.enumerated() {
                var folder = a.file.rawValue
                while folder.hasSuffix("/") { folder.removeLast() }
                if files[a.file] == nil && directoryNames.contains(folder) {
                    if !(byDirectory[folder]?.contains { $0.id == note.id } ?? false) { byDirectory[folder, default: []].append(note) }
                    continue
                }
                if files[a.file] == nil {
                    diags.append(Diagnostic(file: a.file, line: a.lines.lowerBound, severity: .warning,
                                            message: "site: note \(note.id) is anchored to a file the site does not have"))
                } else {
                    placed[a.file, default: []].append(PlacedNote(note: note, anchor: a, anchorIndex: k))
                }
                var named: Set<SiteSymbolID> = []
                if let s = a.symbol { named.insert(s) }
                if a.status.isAttached {
                    // The innermost symbols whose lines hold the anchor's first line.
                    for s in byFile[a.file] ?? [] where s.lines.contains(a.lines.lowerBound) && s.lines.contains(a.lines.upperBound) {
                        named.insert(s.id)
                    }
                }
                for s in named where !(bySymbol[s]?.contains(note.id) ?? false) { bySymbol[s, default: []].append(note.id) }
            }
        }
        notesByFile = placed.mapValues { $0.sorted { ($0.anchor.lines.lowerBound, $0.note.id, $0.anchorIndex) < ($1.anchor.lines.lowerBound, $1.note.id, $1.anchorIndex) } }
        notesByDirectory = byDirectory
        let notesByIDLocal = notesByID
        notesBySymbol = bySymbol.mapValues { $0.sorted().compactMap { notesByIDLocal[$0] } }
        var dirs: [String: (folders: Set<String>, files: [RepoPath])] = ["": ([], [])]
        for f in model.files {
            var child = f.path.rawValue
            var dir = f.path.directory
            dirs[dir, default: ([], [])].files.append(f.path)
            while child != "" {
                if child != f.path.rawValue { dirs[dir, default: ([], [])].folders.insert(child) }
                if dir == "" { break }
                child = dir
                dir = RepoPath(dir).directory
            }
        }
        directories = dirs.mapValues { ($0.folders.sorted(), $0.files.sorted()) }
        modelDiagnostics = diags
    }

    /// Every folder that holds a file (and "" for the root).
    static func folders(of files: [SiteFile]) -> Set<String> {
        var dirs: Set<String> = [""]
        for f in files {
            var d = f.path.directory
            while !d.isEmpty && dirs.insert(d).inserted { d = RepoPath(d).directory }
        }
        return dirs
    }

    /// Every file of the site, in a fixed order.
    func plan() -> [Job] {
        var jobs: [Job] = []
        jobs.append(Job(kind: .home, path: links.page(.home)))
        for (i, f) in model.files.enumerated() {
            if let p = links.page(forFile: f.path) { jobs.append(Job(kind: .source(i), path: p)) }
        }
        var seen = Set<SiteSymbolID>()
        for (i, s) in model.symbols.enumerated() where seen.insert(s.id).inserted {
            if let p = links.page(forSymbol: s.id) { jobs.append(Job(kind: .symbol(i), path: p)) }
        }
        for (i, n) in model.notes.enumerated() {
            if let p = links.page(forNote: n.id) { jobs.append(Job(kind: .note(i), path: p)) }
        }
        for d in directories.keys.sorted() {
            if let p = links.page(forDirectory: d) { jobs.append(Job(kind: .directory(d), path: p)) }
        }
        jobs.append(Job(kind: .notesIndex, path: links.page(.notes)))
        jobs.append(Job(kind: .toursIndex, path: links.page(.tours)))
        for (i, t) in model.tours.enumerated() {
            if let p = links.page(forTour: t.id) { jobs.append(Job(kind: .tour(i), path: p)) }
            for (k, step) in t.stepIDs.enumerated() {
                if let p = links.page(forTour: t.id, step: step) { jobs.append(Job(kind: .tourStep(i, k), path: p)) }
            }
        }
        jobs.append(Job(kind: .kernels, path: links.page(.kernels)))
        jobs.append(Job(kind: .drift, path: links.page(.drift)))
        for (i, a) in model.articles.enumerated() {
            if let p = links.page(forArticle: a.slug) { jobs.append(Job(kind: .article(i), path: p)) }
        }
        jobs.append(Job(kind: .searchIndex, path: SitePath(["assets", "search-index.js"])))
        for (i, a) in theme.assets.enumerated() { jobs.append(Job(kind: .asset(i), path: SitePath(["assets"] + a.path))) }
        // Two jobs for one path would race; keep the first.
        var paths = Set<SitePath>()
        return jobs.filter { paths.insert($0.path).inserted }
    }

    func render(_ job: Job, diagnostics: inout [Diagnostic]) -> [UInt8] {
        switch job.kind {
        case .source(let i): return renderSource(model.files[i], at: job.path, diagnostics: &diagnostics)
        case .symbol(let i): return renderSymbol(model.symbols[i], at: job.path)
        case .note(let i): return renderNote(model.notes[i], at: job.path)
        case .directory(let d): return renderDirectory(d, at: job.path)
        case .home: return renderHome(at: job.path)
        case .notesIndex: return renderNotesIndex(at: job.path)
        case .toursIndex: return renderToursIndex(at: job.path)
        case .tour(let i): return renderTour(model.tours[i], at: job.path)
        case .tourStep(let i, let k): return renderTourStep(model.tours[i], step: k, at: job.path)
        case .kernels: return renderKernels(at: job.path)
        case .drift: return renderDrift(at: job.path)
        case .article(let i): return renderArticle(model.articles[i], at: job.path)
        case .searchIndex: return renderSearchIndex(at: job.path)
        case .asset(let i): return theme.assets[i].bytes
        }
    }

    // MARK: Links used by every page

    func symbolLink(_ id: SiteSymbolID, text: String, from page: SitePath) -> Node {
        if let p = links.page(forSymbol: id) { return link(p.href(from: page), text, [.cls("sym")]) }
        return el("span", [.cls("sym unresolved")], text: text)
    }

    func noteLink(_ id: SiteNoteID, text: String, from page: SitePath) -> Node {
        if let p = links.page(forNote: id) { return link(p.href(from: page), text, [.cls("note-link")]) }
        return el("span", [.cls("note-link")], text: text)
    }

    func fileLink(_ path: RepoPath, text: String? = nil, from page: SitePath) -> Node {
        if let p = links.page(forFile: path) { return link(p.href(from: page), text ?? path.rawValue, [.cls("file")]) }
        return el("span", [.cls("file")], text: text ?? path.rawValue)
    }

    /// `file:line` as a link to the line.
    func lineLink(_ path: RepoPath, _ line: Int, from page: SitePath, text: String? = nil) -> Node {
        let label = text ?? "\(path.rawValue):\(line)"
        guard links.page(forFile: path) != nil else { return el("span", [.cls("loc")], text: label) }
        return link(definitionHref(file: path, line: line, from: page), label, [.cls("loc")])
    }

    func definitionHref(file: RepoPath, line: Int, from page: SitePath) -> Href {
        guard let p = links.page(forFile: file) else { return .fragment("L\(line)") }
        // A line past the end (an orphan's last known place) leads to the file's last line.
        let count = prepared[file]?.lineCount ?? line
        let l = min(max(line, 1), count)
        return p == page ? .fragment("L\(l)") : p.href(from: page).with(fragment: "L\(l)")
    }

    /// Home / src / dir / ... / file.
    func breadcrumbs(forFile path: RepoPath?, directory: String? = nil, at page: SitePath, tail: String? = nil) -> Node {
        var items: [Node] = []
        if let files = links.page(forDirectory: "") { items.append(link(files.href(from: page), "Files")) }
        let dir = path?.directory ?? directory ?? ""
        var prefix = ""
        for part in dir.split(separator: "/") {
            prefix = prefix.isEmpty ? String(part) : prefix + "/" + part
            if let p = links.page(forDirectory: prefix), !(directory == prefix && path == nil && tail == nil) {
                items.append(link(p.href(from: page), String(part)))
            } else {
                items.append(el("span", [], text: String(part)))
            }
        }
        if let path {
            if tail != nil, let p = links.page(forFile: path) {
                items.append(link(p.href(from: page), path.fileName))
            } else {
                items.append(el("span", [], text: path.fileName))
            }
        }
        if let tail { items.append(el("span", [], text: tail)) }
        return el("nav", [.cls("crumbs"), Attribute("aria-label", "Breadcrumbs")], items)
    }

    func simpleCrumbs(_ trail: [(String, SitePath?)], at page: SitePath) -> Node {
        el("nav", [.cls("crumbs"), Attribute("aria-label", "Breadcrumbs")], trail.map { name, p in
            if let p, p != page { return link(p.href(from: page), name) }
            return el("span", [], text: name)
        })
    }

    /// A page of the site with node content.
    func page(_ path: SitePath, title: String, kind: String, crumbs: Node, _ content: [Node]) -> [UInt8] {
        theme.page(at: path, title: title, siteTitle: model.title, kind: kind, breadcrumbs: crumbs) { out in
            for node in content { out.write(node) }
        }
    }

    /// The notes whose anchors fall in files below `dir` ("" = all).
    func notes(under dir: String) -> [SiteNote] {
        var ids = Set<SiteNoteID>()
        for (folder, notes) in notesByDirectory where dir.isEmpty || folder == dir || folder.hasPrefix(dir + "/") {
            for n in notes { ids.insert(n.id) }
        }
        for (file, placed) in notesByFile where dir.isEmpty || file.rawValue == dir || file.rawValue.hasPrefix(dir + "/") {
            for p in placed { ids.insert(p.note.id) }
        }
        return ids.sorted().compactMap { notesByID[$0] }
    }

    func files(under dir: String) -> [RepoPath] {
        model.files.map(\.path).filter { dir.isEmpty || $0.rawValue == dir || $0.rawValue.hasPrefix(dir + "/") }.sorted()
    }
}

/// "1 note", "3 notes".
func count(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

/// "85%".
func percent(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }

