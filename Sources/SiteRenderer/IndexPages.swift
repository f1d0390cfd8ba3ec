// The home page (built around the roadmap's key directories), directory pages, the kernel inventory,
// the drift report, articles and the search index.

import IndexModel

extension SiteBuild {
    // MARK: Home

    func renderHome(at path: SitePath) -> [UInt8] {
        var cards: [Node] = []
        for key in model.keyDirectories {
            let isFile = filesByPath[RepoPath(key.path)] != nil
            let files = isFile ? [RepoPath(key.path)] : self.files(under: key.path)
            let symbolCount = files.reduce(0) { $0 + (symbolsByFile[$1]?.count ?? 0) }
            let kernelCount = files.reduce(0) { $0 + (symbolsByFile[$1]?.filter { $0.kind == .kernel }.count ?? 0) }
            let noteCount = notes(under: key.path).count
            let target = isFile ? links.page(forFile: RepoPath(key.path)) : links.page(forDirectory: key.path)
            var parts: [Node] = [
                el("h3", [], [target.map { link($0.href(from: path), key.title) } ?? .text(key.title)]),
                el("p", [.cls("path")], [el("code", [], text: key.path)]),
                el("p", [], text: key.summary),
                el("p", [.cls("meta")], text: files.isEmpty ? "Not in this checkout."
                    : count(files.count, "file") + " · " + count(symbolCount, "symbol")
                        + (kernelCount > 0 ? " · " + count(kernelCount, "kernel") : "") + " · " + count(noteCount, "note")),
            ]
            let starts = startHere(key, files: files)
            if !starts.isEmpty {
                parts.append(el("p", [.cls("start")], [.text("Start with ")] + joined(starts.map { s in
                    if let sym = symbolsByID[SiteSymbolID(s)] { return symbolLink(sym.id, text: sym.name, from: path) }
                    return fileLink(RepoPath(s), text: RepoPath(s).fileName, from: path)
                })))
            }
            cards.append(el("article", [.cls("card")], parts))
        }
        var content: [Node] = [
            el("h1", [], text: model.title),
            el("p", [.cls("lead")], text: "\(count(model.files.count, "file")), \(count(symbolsByID.count, "symbol")), \(count(model.notes.count, "note")). "
                + "Type in the search box (press / to focus it) to jump to a symbol, a file or a note."),
            el("h2", [], text: "Where to start"),
            el("div", [.cls("cards")], cards),
        ]
        var more: [Node] = []
        for a in model.articles {
            if let p = links.page(forArticle: a.slug) { more.append(el("li", [], [link(p.href(from: path), a.title)])) }
        }
        for t in model.tours {
            if let p = links.page(forTour: t.id) { more.append(el("li", [], [.text("Tour: "), link(p.href(from: path), t.title)])) }
        }
        more.append(el("li", [], [link(links.page(.kernels).href(from: path), "Kernel inventory"),
                                  .text(" (\(count(model.kernels.count, "kernel")))")]))
        more.append(el("li", [], [link(links.page(.notes).href(from: path), "All notes")]))
        more.append(el("li", [], [link(links.page(.drift).href(from: path), "Drift report"),
                                  .text(" (\(model.drift.filter { $0.status != .exact }.count) anchors not exactly where they were)")]))
        if let files = links.page(forDirectory: "") {
            more.append(el("li", [], [link(files.href(from: path), "Browse every file")]))
        }
        content.append(el("h2", [], text: "Read further"))
        content.append(el("ul", [.cls("more")], more))
        return page(path, title: model.title, kind: "home", crumbs: .empty, content)
    }

    /// The key directory's own picks, else the files with the most notes, then the most symbols.
    func startHere(_ key: KeyDirectory, files: [RepoPath]) -> [String] {
        if !key.startHere.isEmpty {
            return key.startHere.filter { symbolsByID[SiteSymbolID($0)] != nil || filesByPath[RepoPath($0)] != nil }
        }
        let ranked = files.map { f in (f, notesByFile[f]?.count ?? 0, symbolsByFile[f]?.count ?? 0) }
            .sorted { ($1.1, $1.2, $0.0) < ($0.1, $0.2, $1.0) }
        return ranked.prefix(3).map(\.0.rawValue)
    }

    func joined(_ nodes: [Node]) -> [Node] {
        var out: [Node] = []
        for (i, n) in nodes.enumerated() {
            if i > 0 { out.append(.text(i == nodes.count - 1 ? " and " : ", ")) }
            out.append(n)
        }
        return out
    }

    // MARK: Directories

    func renderDirectory(_ dir: String, at path: SitePath) -> [UInt8] {
        let entry = directories[dir] ?? ([], [])
        var content: [Node] = [el("h1", [.cls("path")], text: dir.isEmpty ? "All files" : dir + "/")]
        if let key = model.keyDirectories.first(where: { $0.path == dir }) {
            content.append(el("p", [.cls("lead")], text: key.summary))
        }
        if let about = notesByDirectory[dir], !about.isEmpty {
            content.append(el("section", [.cls("folder-notes")], [el("h2", [], text: "About this folder")]
                + about.map { noteCard($0, from: path) }))
        }
        if !entry.folders.isEmpty {
            let rows: [Node] = entry.folders.map { f in
                let files = self.files(under: f)
                return el("tr", [], [
                    el("td", [], [links.page(forDirectory: f).map { link($0.href(from: path), RepoPath(f).fileName + "/") }
                        ?? .text(f)]),
                    el("td", [.cls("num")], text: String(files.count)),
                    el("td", [.cls("num")], text: String(notes(under: f).count)),
                ])
            }
            content.append(el("h2", [], text: "Folders"))
            content.append(el("table", [.cls("listing")], [
                el("thead", [], [el("tr", [], ["Folder", "Files", "Notes"].map { el("th", [Attribute("scope", "col")], text: $0) })]),
                el("tbody", [], rows),
            ]))
        }
        if !entry.files.isEmpty {
            let rows: [Node] = entry.files.map { f in
                let file = filesByPath[f]
                return el("tr", [], [
                    el("td", [], [fileLink(f, text: f.fileName, from: path)]),
                    el("td", [], text: file?.language?.rawValue ?? ""),
                    el("td", [.cls("num")], text: file.map { String(lineCount($0)) } ?? ""),
                    el("td", [.cls("num")], text: String(symbolsByFile[f]?.count ?? 0)),
                    el("td", [.cls("num")], text: String(Set((notesByFile[f] ?? []).map(\.note.id)).count)),
                ])
            }
            content.append(el("h2", [], text: "Files"))
            content.append(el("table", [.cls("listing")], [
                el("thead", [], [el("tr", [], ["File", "Language", "Lines", "Symbols", "Notes"].map {
                    el("th", [Attribute("scope", "col")], text: $0)
                })]),
                el("tbody", [], rows),
            ]))
        }
        let notesHere = notes(under: dir)
        if !notesHere.isEmpty {
            content.append(el("h2", [], text: "Notes here"))
            content.append(el("ul", [], notesHere.map { n in el("li", [], [noteLink(n.id, text: n.title, from: path)]) }))
        }
        let crumbs = breadcrumbs(forFile: nil, directory: dir, at: path)
        return page(path, title: dir.isEmpty ? "Files" : dir, kind: "directory", crumbs: crumbs, content)
    }

    // MARK: Kernel inventory

    func renderKernels(at path: SitePath) -> [UInt8] {
        let rows: [Node] = model.kernels.sorted { ($0.name, $0.kernel) < ($1.name, $1.kernel) }.map { k in
            func list(_ items: [Node]) -> Node { items.isEmpty ? .empty : el("ul", [.cls("cell-list")], items.map { el("li", [], [$0]) }) }
            return el("tr", [], [
                el("td", [.data("sort", k.name)], [symbolLink(k.kernel, text: k.name, from: path)]),
                el("td", [.data("sort", "\(k.file.rawValue):\(String(repeating: "0", count: max(0, 8 - String(k.line).count)) + String(k.line))")],
                   [lineLink(k.file, k.line, from: path)]),
                el("td", [], [list(k.templateParameters.map { el("code", [], text: $0) })]),
                el("td", [], [k.launchBounds.isEmpty ? .empty : el("code", [], text: k.launchBounds)]),
                el("td", [.data("sort", String(k.sharedMemory.count))], [list(k.sharedMemory.map { el("code", [], text: $0) })]),
                el("td", [.data("sort", String(k.launchSites.count))], [list(k.launchSites.map { l in
                    .group([el("code", [], text: "<<<" + l.config + ">>>"), .text(" "), lineLink(l.file, l.line, from: path)])
                })]),
                el("td", [], [list(k.torchOps.map { el("code", [], text: $0) })]),
                el("td", [.data("sort", String(k.pythonCallers.count))], [list(k.pythonCallers.map {
                    symbolLink($0, text: symbolsByID[$0]?.qualifiedName ?? $0.rawValue, from: path)
                })]),
                el("td", [.data("sort", String(k.notes.count))], [list(k.notes.map {
                    noteLink($0, text: notesByID[$0]?.title ?? $0.rawValue, from: path)
                })]),
            ])
        }
        let headers = ["Kernel", "File", "Template parameters", "Launch bounds", "Shared memory", "Launch sites",
                       "Torch ops", "Python callers", "Notes"]
        let content: [Node] = [
            el("h1", [], text: "Kernel inventory"),
            el("p", [], text: "\(model.kernels.count) __global__ kernels. Click a column heading to sort; type to filter."),
            el("p", [.cls("filter")], [
                el("label", [Attribute("for", "kernel-filter")], text: "Filter "),
                el("input", [.id("kernel-filter"), Attribute("type", "search"), .cls("table-filter"),
                             .data("table", "kernel-table"), Attribute("placeholder", "kernel, file, op…"),
                             Attribute("autocomplete", "off")]),
                el("span", [.cls("filter-count"), Attribute("aria-live", "polite")], text: ""),
            ]),
            el("div", [.cls("table-wrap")], [el("table", [.cls("sortable kernels"), .id("kernel-table")], [
                el("thead", [], [el("tr", [], headers.map { h in
                    el("th", [Attribute("scope", "col"), Attribute("aria-sort", "none")],
                       [el("button", [Attribute("type", "button"), .cls("sort")], text: h)])
                })]),
                el("tbody", [], rows),
            ])]),
        ]
        return page(path, title: "Kernel inventory", kind: "kernels",
                    crumbs: simpleCrumbs([("Kernels", nil)], at: path), content)
    }

    // MARK: Drift

    func renderDrift(at path: SitePath) -> [UInt8] {
        let results = model.drift.sorted {
            ($0.status.order, $0.note, $0.oldFile, $0.oldLines.lowerBound) < ($1.status.order, $1.note, $1.oldFile, $1.oldLines.lowerBound)
        }
        var counts: [Node] = []
        for status in AnchorStatus.allCases {
            let n = results.filter { $0.status == status }.count
            counts.append(el("li", [.cls("status-\(status.rawValue)")], [el("span", [.cls("status status-\(status.rawValue)")], text: status.rawValue),
                                                                       .text(" \(n)")]))
        }
        let versions = Set(results.map { "\($0.fromVersion) → \($0.toVersion)" }).sorted()
        let rows: [Node] = results.map { d in
            el("tr", [.cls("status-\(d.status.rawValue)")], [
                el("td", [], [noteLink(d.note, text: d.noteTitle, from: path)]),
                el("td", [], [el("span", [.cls("status status-\(d.status.rawValue)")], text: d.status.rawValue),
                               d.needsReview ? el("span", [.cls("status needs-review")], text: " needs review") : .empty]),
                el("td", [.cls("num")], [confidenceLabel(d.confidence)]),
                el("td", [], text: "\(d.oldFile.rawValue):\(d.oldLines.lowerBound)–\(d.oldLines.upperBound)"),
                el("td", [], [d.newFile.map { f in
                    lineLink(f, d.newLines?.lowerBound ?? 1, from: path,
                             text: "\(f.rawValue):\(d.newLines?.lowerBound ?? 1)–\(d.newLines?.upperBound ?? 1)")
                } ?? el("span", [.cls("orphaned")], text: "nowhere")]),
                el("td", [], text: d.evidence),
            ])
        }
        let content: [Node] = [
            el("h1", [], text: "Drift"),
            el("p", [], text: results.isEmpty ? "No re-anchoring results."
                : "How each note's anchors fared on re-anchoring (\(versions.joined(separator: ", ")))."),
            el("ul", [.cls("drift-counts")], counts),
            el("div", [.cls("table-wrap")], [el("table", [.cls("sortable drift")], [
                el("thead", [], [el("tr", [], ["Note", "Status", "Confidence", "Was", "Now", "Evidence"].map {
                    el("th", [Attribute("scope", "col")], text: $0)
                })]),
                el("tbody", [], rows),
            ])]),
        ]
        return page(path, title: "Drift", kind: "drift", crumbs: simpleCrumbs([("Drift", nil)], at: path), content)
    }

    // MARK: Articles

    func renderArticle(_ article: SiteArticle, at path: SitePath) -> [UInt8] {
        page(path, title: article.title, kind: "article", crumbs: simpleCrumbs([(article.title, nil)], at: path),
             [el("article", [.cls("article")], [.trusted(article.body)])])
    }

    // MARK: Search index

    /// `assets/search-index.js`: assigns `window.MARGINALIA_SEARCH`, so search works from file://
    /// (a script tag loads over file://, an XHR does not). Items: [kind, label, detail, url from the root].
    func renderSearchIndex(at path: SitePath) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 * 1024)
        out.append(contentsOf: "// Generated by Marginalia: the search index.\nwindow.MARGINALIA_SEARCH = {\"version\": 1, \"items\": [\n".utf8)
        var first = true
        func item(_ kind: String, _ label: String, _ detail: String, _ url: String) {
            if !first { out.append(contentsOf: ",\n".utf8) }
            first = false
            out.append(UInt8(ascii: "["))
            appendJSONString(kind, to: &out)
            out.append(UInt8(ascii: ","))
            appendJSONString(label, to: &out)
            out.append(UInt8(ascii: ","))
            appendJSONString(detail, to: &out)
            out.append(UInt8(ascii: ","))
            appendJSONString(url, to: &out)
            out.append(UInt8(ascii: "]"))
        }
        let root = SitePath(["index.html"])
        for s in symbolsByID.values.sorted(by: { $0.id < $1.id }) {
            guard let p = links.page(forSymbol: s.id) else { continue }
            item(s.kind.rawValue, s.name, s.qualifiedName, p.href(from: root).value)
        }
        for f in model.files.map(\.path).sorted() {
            guard let p = links.page(forFile: f) else { continue }
            item("file", f.fileName, f.rawValue, p.href(from: root).value)
        }
        for n in model.notes.sorted(by: { $0.id < $1.id }) {
            guard let p = links.page(forNote: n.id) else { continue }
            let text = n.bodyText ?? plainText(ofHTML: n.body.html)
            item("note", n.title, String(text.prefix(2000)), p.href(from: root).value)
        }
        for t in model.tours {
            guard let p = links.page(forTour: t.id) else { continue }
            item("tour", t.title, t.summary, p.href(from: root).value)
        }
        for a in model.articles {
            guard let p = links.page(forArticle: a.slug) else { continue }
            item("article", a.title, "", p.href(from: root).value)
        }
        out.append(contentsOf: "\n]};\n".utf8)
        return out
    }
}

extension AnchorStatus {
    /// Worst first on the drift page.
    var order: Int {
        switch self {
        case .orphaned: return 0
        case .ambiguous: return 1
        case .split: return 2
        case .merged: return 3
        case .renamed: return 4
        case .edited: return 5
        case .moved: return 6
        case .exact: return 7
        }
    }
}

/// A JSON string literal, safe inside a script (`<`, `>`, `&`, U+2028/9 escaped).
func appendJSONString(_ s: String, to out: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    out.append(UInt8(ascii: "\""))
    for scalar in s.unicodeScalars {
        switch scalar.value {
        case 0x22: out.append(contentsOf: [0x5C, 0x22])
        case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0..<0x20, 0x3C, 0x3E, 0x26, 0x2028, 0x2029, 0x7F:
            let v = Int(scalar.value)
            out.append(contentsOf: [0x5C, UInt8(ascii: "u"), hex[(v >> 12) & 15], hex[(v >> 8) & 15], hex[(v >> 4) & 15], hex[v & 15]])
        default:
            out.append(contentsOf: String(scalar).utf8)
        }
    }
    out.append(UInt8(ascii: "\""))
}
