// The site stage: the renderer's model built from the index, the call graph and the notes.
import Annotations
import ClangIndexer
import Foundation
import IndexDatabase
import IndexModel
import PythonIndexer
import SiteRenderer

/// Options of `marginalia site`.
public struct SiteOptions: Sendable {
    /// The notes directory (`Annotations/`).
    public var notes: URL
    /// The theme directory (`Site/`).
    public var theme: URL
    public var output: URL
    /// Markdown articles shown as long-form pages (the PagedAttention explainer), slug -> file.
    public var articles: [(slug: String, title: String, file: URL)]
    /// Show the notes written for this release instead of the checkout's (`--release`).
    public var noteRelease: String?
    public init(notes: URL, theme: URL, output: URL, articles: [(slug: String, title: String, file: URL)] = []) {
        self.notes = notes
        self.theme = theme
        self.output = output
        self.articles = articles
    }
}

/// What `marginalia site` did.
public struct SiteRunReport: Sendable {
    public var site: SiteReport
    public var pages: Int
    public var notes: Int
    public var diagnostics: [Diagnostic]
}

public enum SiteBuilder {
    /// Stage timings on standard error when MARGINALIA_TRACE is set (never in the output).
    static func trace(_ label: String, since start: inout UInt64) {
        let now = DispatchTime.now().uptimeNanoseconds
        if ProcessInfo.processInfo.environment["MARGINALIA_TRACE"] != nil {
            FileHandle.standardError.write(Data("site: \(label) \(Double(now - start) / 1e9) s\n".utf8))
        }
        start = now
    }

    /// Kinds that get a symbol page.
    static let pageKinds: Set<SymbolKind> = [.class, .function, .method, .lambda, .kernel, .deviceFunction, .struct,
                                             .enum, .module]

    static func confidenceValue(_ c: String) -> Double {
        switch c {
        case "exact": return 1
        case "inferred": return 0.85
        case "candidate": return 0.5
        default: return 0.2
        }
    }

    /// Builds the model and renders the site.
    public static func run(store: IndexStore, options: SiteOptions, progress: ProgressSink) throws -> SiteRunReport {
        guard let rootPath = try store.meta("root") else { throw UserError("marginalia: the index records no checkout root") }
        let root = URL(fileURLWithPath: rootPath)
        let release = try store.meta("release") ?? ""
        progress.progress(phase: "site", done: 0, total: 0, current: "reading the index")
        var diagnostics: [Diagnostic] = []
        var clock = DispatchTime.now().uptimeNanoseconds

        // Symbols with pages, ids stable across runs: the qualified name, and for a second definition
        // of the same name (overloads, a CPU and a CUDA implementation) the name plus its file.
        let all = try store.allSymbols()
        var ids: [String: [(Symbol, SiteSymbolID)]] = [:]
        var pageSymbols: [(Symbol, SiteSymbolID)] = []
        var taken = Set<SiteSymbolID>()
        for s in all where pageKinds.contains(s.kind) {
            var id = SiteSymbolID(s.qualifiedName)
            if taken.contains(id) { id = SiteSymbolID("\(s.qualifiedName)@\(s.file.rawValue)") }
            if taken.contains(id) { id = SiteSymbolID("\(s.qualifiedName)@\(s.file.rawValue):\(s.range.start.line)") }
            guard taken.insert(id).inserted else { continue }
            ids[s.qualifiedName, default: []].append((s, id))
            pageSymbols.append((s, id))
        }
        func siteID(_ qname: String) -> SiteSymbolID? { ids[qname]?.first?.1 }

        trace("symbols", since: &clock)
        let lines = LineCache(root: root)
        let edges = try store.allEdges()
        trace("edges", since: &clock)
        var callers: [String: [SiteEdge]] = [:], callees: [String: [SiteEdge]] = [:]
        var launches: [String: [LaunchSite]] = [:]
        let calls = try store.allCalls()
        trace("calls", since: &clock)
        var launchConfig: [String: String] = [:]
        for c in calls where c.kind == .launch {
            launchConfig["\(c.file.rawValue):\(c.range.start.line)"] = c.launchConfig
        }
        lines.prefetch(Array(Set(edges.map(\.file))))
        for e in edges {
            let src = lines.line(e.file, e.line) ?? ""
            let conf = confidenceValue(e.confidence)
            callees[e.caller, default: []].append(SiteEdge(symbol: siteID(e.callee) ?? SiteSymbolID(e.callee), displayName: e.callee,
                                                           kind: e.kind, confidence: conf, file: e.file, line: e.line, sourceLine: src))
            callers[e.callee, default: []].append(SiteEdge(symbol: siteID(e.caller) ?? SiteSymbolID(e.caller), displayName: e.caller,
                                                           kind: e.kind, confidence: conf, file: e.file, line: e.line, sourceLine: src))
            if e.kind == "launch" {
                launches[e.callee, default: []].append(LaunchSite(
                    file: e.file, line: e.line, config: launchConfig["\(e.file.rawValue):\(e.line)"] ?? "",
                    launcher: siteID(e.caller), sourceLine: src))
            }
        }
        let symbols = pageSymbols.map { s, id in
            SiteSymbol(s, id: id, callers: Array((callers[s.qualifiedName] ?? []).prefix(400)),
                       callees: Array((callees[s.qualifiedName] ?? []).prefix(400)), launchSites: launches[s.qualifiedName] ?? [])
        }

        trace("symbols and edges", since: &clock)
        // Source files with highlighting and identifier links.
        let fileRecords = try store.files().filter { $0.status == "ok" }
        var defsByFile: [RepoPath: [(SourceRange, SiteSymbolID)]] = [:]
        for (s, id) in pageSymbols { if let n = s.nameRange { defsByFile[s.file, default: []].append((n, id)) } }
        var callRefs: [RepoPath: [(CallSite, SiteSymbolID)]] = [:]
        var bestEdgeAt: [String: EdgeRecord] = [:]
        for e in edges where e.confidence == "exact" || e.confidence == "inferred" {
            let key = "\(e.file.rawValue):\(e.line):\(e.column)"
            if bestEdgeAt[key] == nil { bestEdgeAt[key] = e }
        }
        for c in calls {
            let key = "\(c.file.rawValue):\(c.range.start.line):\(c.range.start.column)"
            if let e = bestEdgeAt[key], let id = siteID(e.callee) { callRefs[c.file, default: []].append((c, id)) }
        }
        let clang = ClangIndexer(checkoutRoot: root)
        var files = [SiteFile?](repeating: nil, count: fileRecords.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: fileRecords.count) { i in
            let r = fileRecords[i]
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(r.path.rawValue).path) else { return }
            let bytes = [UInt8](data)
            let tokens = r.language == .python ? PythonIndexer.highlightTokens(bytes) : clang.highlightTokens(file: r.path)
            var f = SiteFile(path: r.path, language: r.language, bytes: bytes, tokens: tokens)
            let starts = f.lineStarts
            var refs: [SiteReference] = []
            for (range, id) in defsByFile[r.path] ?? [] {
                if let ref = SiteReference(range: range, lineStarts: starts, target: id, isDefinition: true) { refs.append(ref) }
            }
            for (c, id) in callRefs[r.path] ?? [] {
                if let ref = calleeReference(c, bytes: bytes, lineStarts: starts, target: id) { refs.append(ref) }
            }
            refs.sort { ($0.start, $0.end) < ($1.start, $1.end) }
            var clean: [SiteReference] = []
            for ref in refs where clean.last.map({ ref.start >= $0.end }) ?? true { clean.append(ref) }
            f.references = clean
            lock.lock(); files[i] = f; lock.unlock()
        }

        trace("files", since: &clock)
        // Notes, re-anchored against this checkout (the drift page and the notes beside the code).
        progress.progress(phase: "site", done: 0, total: 0, current: "re-anchoring notes")
        let allNotes = NoteDirectory(root: options.notes).load(), noteRelease = options.noteRelease ?? release
        var noteSet = NoteReleases.select(allNotes, for: noteRelease)
        let companions = ReleaseDrift.companions(of: noteSet)
        diagnostics += noteSet.diagnostics
        let snapshot = ReleaseSnapshot(release: release, symbols: all, checkout: DirectoryCheckout(root: root))
        // Every anchor is validated against its note's release (this checkout, or an index of that
        // release in the cache); anchors without evidence get it captured in memory, or a diagnostic
        // that says what to run.
        let previous = NotesService.previousSnapshot(release: noteSet.notes.first { $0.release != release }?.release ?? "")
        let (prepared, firstUse) = FirstUse.prepare(noteSet.notes, sources: [snapshot] + (previous.map { [$0] } ?? []),
                                                    displayPrefix: options.notes.lastPathComponent)
        noteSet.notes = prepared
        diagnostics += firstUse
        let results = NoteMigration.check(noteSet.notes, against: snapshot, previous: previous?.symbols)
            + ReleaseDrift.check(companions, against: snapshot)
        var resolutionByNote: [String: [Int: AnchorResolution]] = [:]
        for r in results { resolutionByNote[r.note.rawValue, default: [:]][r.anchor] = r.resolution }
        let lookup = SymbolTable(symbols: all)
        // Bodies are rendered once the model's pages are known (links need them): placeholders first.
        let placeholder = TrustedHTML(trusted: "")
        trace("re-anchoring", since: &clock)
        var notes: [SiteNote] = []
        var drift: [DriftResult] = []
        for n in noteSet.notes + companions {
            var anchors: [SiteRenderer.NoteAnchor] = []
            for (i, a) in n.anchors.enumerated() {
                let old = a.evidence?.symbolLines.map { $0.start...$0.end } ?? a.lines.map { $0.start...$0.end } ?? 1...1
                guard let res = resolutionByNote[n.id.rawValue]?[i] else { continue }
                let status = res.status
                let placed = res.status.isAttached ? res.anchor : a
                let span = placed.lines.map { $0.start...$0.end } ?? placed.evidence?.symbolLines.map { $0.start...$0.end } ?? old
                let review = a.needsReview || NoteMigration.needsReview(res, old: a)
                anchors.append(SiteRenderer.NoteAnchor(
                    file: placed.file, lines: span, symbol: placed.symbol.flatMap(siteID), status: status,
                    confidence: res.confidence, previousFile: a.file, previousLines: old, needsReview: review))
                drift.append(DriftResult(note: SiteNoteID(n.id.rawValue), noteTitle: n.title, fromVersion: n.release,
                                         toVersion: release, status: status, confidence: res.confidence, oldFile: a.file,
                                         oldLines: old, newFile: res.status.isAttached ? placed.file : nil,
                                         newLines: res.status.isAttached ? span : nil,
                                         evidence: (res.agreed.map { "+" + $0 } + res.disagreed.map { "-" + $0 }).joined(separator: ", ")))
                drift[drift.count - 1].needsReview = review
            }
            notes.append(SiteNote(id: SiteNoteID(n.id.rawValue), title: n.title, tags: n.tags, body: placeholder,
                                  bodyText: n.body, anchors: anchors))
        }

        drift += ReleaseDrift.olderNotes(allNotes, for: noteRelease, snapshot: snapshot, excluding: Set(companions.map(\.id)))

        // Tours.
        let notesByID = Dictionary((noteSet.notes + companions).map { ($0.id.rawValue, $0) }, uniquingKeysWith: { a, _ in a })
        var tours: [SiteTour] = []
        var stepMarkdown: [[String]] = []
        for t in noteSet.tours {
            var steps: [TourStep] = []
            var markdown: [String] = []
            for step in t.steps {
                switch step {
                case .note(let nid):
                    guard let n = notesByID[nid.rawValue] else { continue }
                    let a = notes.first { $0.id.rawValue == nid.rawValue }?.anchors.first
                    steps.append(TourStep(title: n.title, file: a?.file, lines: a?.lines, symbol: a?.symbol,
                                          note: SiteNoteID(nid.rawValue), body: placeholder))
                    markdown.append(n.body)
                case .code(let symbol, let file, let span, let text):
                    let sym = symbol.flatMap { ids[$0]?.first?.0 }
                    let f = file ?? sym?.file
                    let l = span.map { $0.start...$0.end } ?? sym.map { $0.range.lines }
                    steps.append(TourStep(title: symbol ?? f?.rawValue ?? "step", file: f, lines: l, symbol: symbol.flatMap(siteID),
                                          body: placeholder))
                    markdown.append(text)
                }
            }
            tours.append(SiteTour(id: t.id, title: t.title, steps: steps))
            stepMarkdown.append(markdown)
        }

        // Kernel inventory.
        let symbolByQName = Dictionary(all.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { a, _ in a })
        let reach = KernelReach(edges: edges, symbolKinds: symbolByQName.mapValues(\.kind), languages: symbolByQName.mapValues(\.language))
        var kernels: [KernelRow] = []
        var outgoing: [String: [String]] = [:]
        for e in edges where e.kind == "call" || e.kind == "macro" { outgoing[e.caller, default: []].append(e.callee) }
        for (s, id) in pageSymbols where s.kind == .kernel {
            let (ops, py) = reach.reaching(s.qualifiedName)
            kernels.append(KernelRow(
                kernel: id, name: s.name, file: s.file, line: s.range.start.line,
                templateParameters: templateParameters(s.signature),
                launchBounds: s.attributes.first { $0.hasPrefix("__launch_bounds__") } ?? "",
                sharedMemory: sharedMemory(of: s, symbols: symbolByQName, calls: outgoing),
                launchSites: launches[s.qualifiedName] ?? [], torchOps: ops, pythonCallers: py.compactMap(siteID),
                notes: notes.filter { $0.anchors.contains { $0.symbol == id } }.map(\.id)))
        }

        var articles: [SiteArticle] = []
        var articleMarkdown: [String] = []
        for a in options.articles {
            guard let md = try? String(contentsOf: a.file, encoding: .utf8) else {
                diagnostics.append(Diagnostic(file: RepoPath(a.file.path), line: 0, severity: .warning, message: "article not found"))
                continue
            }
            articles.append(SiteArticle(slug: a.slug, title: a.title, body: placeholder))
            articleMarkdown.append(md)
        }

        var model = SiteModel(title: "vLLM \(release)", files: files.compactMap { $0 }, symbols: symbols, notes: notes,
                              tours: tours, kernels: kernels, drift: drift,
                              keyDirectories: try HomeCards.load(notes: options.notes, release: NoteReleases.chosen(for: noteRelease, in: allNotes) ?? "")
                                  ?? KeyDirectory.roadmap, articles: articles)
        let links = SiteLinks(model: model)
        func render(_ md: String) -> TrustedHTML {
            TrustedHTML(trusted: MarkdownRenderer.render(md, resolve: { link in
                if let nid = link.noteID { return links.bodyLink(toNote: SiteNoteID(nid.rawValue)) }
                guard let target = lookup.symbols(matching: link.target).first, let id = siteID(target.qualifiedName) else {
                    return nil
                }
                return links.bodyLink(toSymbol: id)
            }).html)
        }
        for i in model.notes.indices { model.notes[i].body = render(model.notes[i].bodyText ?? "") }
        for i in model.tours.indices {
            for k in model.tours[i].steps.indices { model.tours[i].steps[k].body = render(stepMarkdown[i][k]) }
        }
        for i in model.articles.indices { model.articles[i].body = render(articleMarkdown[i]) }
        model = GraphvizLayout().layoutTours(of: model)
        progress.progress(phase: "site", done: 0, total: 0, current: "rendering")
        trace("model", since: &clock)
        let report = try renderSite(model: model, theme: options.theme, output: options.output)
        trace("render and write", since: &clock)
        return SiteRunReport(site: report, pages: report.filesProduced, notes: notes.count, diagnostics: diagnostics + report.diagnostics)
    }

    /// `template <typename T, int N>` at the head of a C++ signature, as a list of parameters.
    static func templateParameters(_ signature: String) -> [String] {
        guard signature.hasPrefix("template"), let open = signature.firstIndex(of: "<") else { return [] }
        // Angle brackets nest only outside parentheses (`(N > 0)` is a comparison).
        var angles = 0, parens = 0, current = "", out: [String] = []
        for ch in signature[signature.index(after: open)...] {
            if ch == "(" { parens += 1 }
            if ch == ")" { parens -= 1 }
            if parens == 0 && ch == "<" { angles += 1 }
            if parens == 0 && ch == ">" {
                if angles == 0 { break }
                angles -= 1
            }
            if ch == "," && angles == 0 && parens == 0 {
                out.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(ch)
            }
        }
        let last = current.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty { out.append(last) }
        return out
    }

    /// The `__shared__` declarations of a kernel and of the device functions it calls (two levels), the
    /// latter prefixed with the function that declares them: vLLM's kernels are often thin wrappers.
    static func sharedMemory(of kernel: Symbol, symbols: [String: Symbol], calls: [String: [String]]) -> [String] {
        func own(_ s: Symbol) -> [String] {
            s.attributes.filter { $0.hasPrefix("shared:") }.map { String($0.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        }
        var out = own(kernel)
        var seen: Set<String> = [kernel.qualifiedName]
        var frontier = [kernel.qualifiedName]
        for _ in 0..<2 {
            var next: [String] = []
            for n in frontier {
                for callee in (calls[n] ?? []).sorted() where seen.insert(callee).inserted {
                    guard let d = symbols[callee], d.kind == .deviceFunction else { continue }
                    out += own(d).map { "\($0)  (in \(d.name))" }
                    next.append(callee)
                }
            }
            frontier = next
        }
        return out
    }

    /// The callee's name inside a call: the last identifier of the callee text, searched from the
    /// call's start on its line.
    static func calleeReference(_ c: CallSite, bytes: [UInt8], lineStarts: [Int], target: SiteSymbolID) -> SiteReference? {
        var text = Substring(c.callee)
        if let lt = text.firstIndex(of: "<") { text = text[..<lt] }
        if let r = text.range(of: "::", options: .backwards) { text = text[r.upperBound...] }
        if let d = text.lastIndex(of: ".") { text = text[text.index(after: d)...] }
        let name = Array(text.utf8)
        guard !name.isEmpty, c.range.start.line >= 1, c.range.start.line <= lineStarts.count else { return nil }
        let lineStart = lineStarts[c.range.start.line - 1]
        let from = lineStart + max(0, c.range.start.column - 1)
        let lineEnd = c.range.start.line < lineStarts.count ? lineStarts[c.range.start.line] : bytes.count
        let limit = min(bytes.count, max(lineEnd, from + c.callee.utf8.count + 64))
        var best: Int?
        var i = from
        func isIdent(_ b: UInt8) -> Bool { b == 95 || (b >= 48 && b <= 57) || (b | 0x20 >= 97 && b | 0x20 <= 122) }
        while i + name.count <= limit {
            if bytes[i] == name[0], bytes[i..<(i + name.count)].elementsEqual(name),
               i == 0 || !isIdent(bytes[i - 1]), i + name.count >= bytes.count || !isIdent(bytes[i + name.count])
            {
                best = i
                // The last match before the call's opening parenthesis is the callee's own name.
                var j = i + name.count
                while j < bytes.count, bytes[j] == 32 { j += 1 }
                if j < bytes.count, bytes[j] == UInt8(ascii: "(") || bytes[j] == UInt8(ascii: "<") { break }
            }
            i += 1
        }
        guard let start = best else { return nil }
        return SiteReference(start: start, end: start + name.count, target: target)
    }
}

/// Which torch ops and Python functions reach a kernel, walking callers backwards.
struct KernelReach {
    var incoming: [String: [EdgeRecord]] = [:]
    let kinds: [String: SymbolKind]
    let languages: [String: Language]

    init(edges: [EdgeRecord], symbolKinds: [String: SymbolKind], languages: [String: Language]) {
        for e in edges where e.confidence != "name-only" && e.confidence != "nameOnly" { incoming[e.callee, default: []].append(e) }
        kinds = symbolKinds
        self.languages = languages
    }

    func reaching(_ kernel: String, maxNodes: Int = 3000) -> (ops: [String], python: [String]) {
        var seen: Set<String> = [kernel]
        var queue = [kernel]
        var ops = Set<String>(), py = Set<String>()
        var head = 0
        while head < queue.count && seen.count < maxNodes {
            let n = queue[head]
            head += 1
            for e in incoming[n] ?? [] where seen.insert(e.caller).inserted {
                if e.caller.hasPrefix("torch.ops.") {
                    ops.insert(String(e.caller.dropFirst("torch.ops.".count)))
                } else if languages[e.caller] == .python {
                    // The nearest Python functions only: the op wrappers and their direct callers.
                    py.insert(e.caller)
                    continue
                }
                queue.append(e.caller)
            }
        }
        return (ops.sorted(), py.sorted())
    }
}
