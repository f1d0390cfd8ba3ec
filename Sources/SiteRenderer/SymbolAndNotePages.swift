// Symbol pages (definition, signature, doc, callers and callees with confidence, launches, notes) and
// note pages.

import IndexModel

extension SiteBuild {
    func renderSymbol(_ s: SiteSymbol, at path: SitePath) -> [UInt8] {
        var content: [Node] = [
            el("header", [.cls("symbol-head")], [
                el("h1", [], [el("span", [.cls("kind kind-\(s.kind.rawValue)")], text: s.kind.rawValue), .text(" "),
                              el("span", [.cls("name")], text: s.name)]),
                el("p", [.cls("qualified")], [el("code", [], text: s.qualifiedName)]),
                el("p", [.cls("meta")], [
                    .text("\(s.language.rawValue) · defined in "),
                    lineLink(s.file, s.lines.lowerBound, from: path),
                    .text(s.lines.count > 1 ? " (lines \(s.lines.lowerBound)–\(s.lines.upperBound))" : ""),
                ]),
            ]),
        ]
        if !s.signature.isEmpty {
            content.append(el("pre", [.cls("signature")], [el("code", [], text: s.signature)]))
        }
        if !s.doc.isEmpty {
            content.append(el("section", [.cls("doc")], [el("h2", [], text: "Documentation"),
                                                         el("pre", [.cls("docstring")], text: s.doc)]))
        }
        if let file = filesByPath[s.file] {
            content.append(el("section", [.cls("definition")], [
                el("h2", [], text: "Definition"),
                excerpt(file, lines: s.lines, maxLines: 40, from: path),
            ]))
        }
        content.append(edgeSection("Callers", s.callers, otherHeader: "Caller", from: path))
        content.append(edgeSection("Callees", s.callees, otherHeader: "Callee", from: path))
        if s.kind == .kernel || !s.launchSites.isEmpty {
            content.append(el("section", [.cls("launches")], [
                el("h2", [], text: "Launch sites"),
                s.launchSites.isEmpty ? el("p", [.cls("empty")], text: "No launch of this kernel was found.")
                    : launchTable(s.launchSites, from: path),
            ]))
        }
        let notes = notesBySymbol[s.id] ?? []
        content.append(el("section", [.cls("symbol-notes")], [
            el("h2", [], text: "Notes"),
            notes.isEmpty ? el("p", [.cls("empty")], text: "No notes yet.")
                : .group(notes.map { noteCard($0, from: path) }),
        ]))
        let crumbs = breadcrumbs(forFile: s.file, at: path, tail: s.name)
        return page(path, title: s.qualifiedName, kind: "symbol", crumbs: crumbs, content)
    }

    func edgeSection(_ title: String, _ edges: [SiteEdge], otherHeader: String, from page: SitePath) -> Node {
        let sorted = edges.sorted {
            ($0.file, $0.line, $0.displayName, $0.symbol) < ($1.file, $1.line, $1.displayName, $1.symbol)
        }
        guard !sorted.isEmpty else {
            return el("section", [.cls("edges")], [el("h2", [], text: title),
                                                   el("p", [.cls("empty")], text: "None found.")])
        }
        let rows: [Node] = sorted.map { e in
            el("tr", [], [
                el("td", [], [symbolLink(e.symbol, text: e.displayName, from: page)]),
                el("td", [], text: e.kind),
                el("td", [], [confidenceLabel(e.confidence)]),
                el("td", [], [lineLink(e.file, e.line, from: page)]),
                el("td", [], [el("code", [], text: e.sourceLine.trimmingSpaces)]),
            ])
        }
        return el("section", [.cls("edges")], [
            el("h2", [], text: "\(title) (\(sorted.count))"),
            el("div", [.cls("table-wrap")], [
                el("table", [.cls("edges")], [
                    el("thead", [], [el("tr", [], [otherHeader, "Kind", "Confidence", "Call site", "Source"].map {
                        el("th", [Attribute("scope", "col")], text: $0)
                    })]),
                    el("tbody", [], rows),
                ]),
            ]),
        ])
    }

    func confidenceLabel(_ c: Double) -> Node {
        let label = SiteEdge.label(confidence: c)
        return el("span", [.cls("conf conf-\(label)"), Attribute("title", "confidence \(c)")],
                  text: "\(label) \(percent(c))")
    }

    func launchTable(_ sites: [LaunchSite], from page: SitePath) -> Node {
        let sorted = sites.sorted { ($0.file, $0.line, $0.config) < ($1.file, $1.line, $1.config) }
        return el("div", [.cls("table-wrap")], [el("table", [.cls("launches")], [
            el("thead", [], [el("tr", [], ["Configuration <<<…>>>", "Launched from", "Site"].map {
                el("th", [Attribute("scope", "col")], text: $0)
            })]),
            el("tbody", [], sorted.map { l in
                el("tr", [], [
                    el("td", [], [el("code", [], text: "<<<" + l.config + ">>>")]),
                    el("td", [], [l.launcher.map { symbolLink($0, text: symbolsByID[$0]?.qualifiedName ?? $0.rawValue, from: page) } ?? .text("")]),
                    el("td", [], [lineLink(l.file, l.line, from: page)]),
                ])
            }),
        ])])
    }

    /// The number of lines of a file (a final newline does not start another).
    func lineCount(_ file: SiteFile) -> Int { prepared[file.path]?.lineCount ?? 1 }

    /// The text of line `l` (1-based), without its line break.
    func lineText(_ file: SiteFile, _ l: Int) -> String {
        guard let starts = prepared[file.path]?.lineStarts, l >= 1, l <= starts.count else { return "" }
        let start = starts[l - 1]
        var end = l < starts.count ? starts[l] - 1 : file.bytes.count
        if end > start && file.bytes[end - 1] == 0x0A { end -= 1 }
        if end > start && file.bytes[end - 1] == 0x0D { end -= 1 }
        return String(decoding: file.bytes[start..<end], as: UTF8.self)
    }

    /// A note in full: title, status of its anchors, body, tags.
    func noteCard(_ note: SiteNote, from page: SitePath) -> Node {
        el("article", [.cls("note-card")], [
            el("h3", [], [noteLink(note.id, text: note.title, from: page)]),
            el("div", [.cls("note-body")], [.trusted(note.body)]),
            note.tags.isEmpty ? .empty : el("p", [.cls("tags")], note.tags.map { el("span", [.cls("tag")], text: $0) }),
        ])
    }

    func renderNote(_ note: SiteNote, at path: SitePath) -> [UInt8] {
        let anchors: [Node] = note.anchors.map { a in
            var parts: [Node] = []
            var folder = a.file.rawValue
            while folder.hasSuffix("/") { folder.removeLast() }
            if filesByPath[a.file] == nil, let dirPage = links.page(forDirectory: folder) {
                parts.append(.text("the folder "))
                parts.append(link(dirPage.href(from: path), folder + "/", [.cls("file")]))
            } else if !a.status.isAttached {
                parts.append(.text("\(a.status.rawValue) — last known place "))
                parts.append(lineLink(a.file, a.lines.lowerBound, from: path,
                                      text: "\(a.file.rawValue):\(a.lines.lowerBound)–\(a.lines.upperBound)"))
            } else {
                parts.append(lineLink(a.file, a.lines.lowerBound, from: path,
                                      text: "\(a.file.rawValue):\(a.lines.lowerBound)–\(a.lines.upperBound)"))
            }
            if let s = a.symbol {
                parts.append(.text(" · "))
                parts.append(symbolLink(s, text: symbolsByID[s]?.qualifiedName ?? s.rawValue, from: path))
            }
            parts.append(.text(" "))
            parts.append(statusBadge(a))
            return el("li", [.cls("anchor status-\(a.status.rawValue)")], parts)
        }
        let content: [Node] = [
            el("h1", [], text: note.title),
            note.tags.isEmpty ? .empty : el("p", [.cls("tags")], note.tags.map { el("span", [.cls("tag")], text: $0) }),
            el("section", [.cls("anchors")], [el("h2", [], text: "Attached to"),
                                              anchors.isEmpty ? el("p", [.cls("empty")], text: "Not attached to code.")
                                                  : el("ul", [], anchors)]),
            el("div", [.cls("note-body")], [.trusted(note.body)]),
        ]
        let crumbs = simpleCrumbs([("Notes", links.page(.notes)), (note.title, nil)], at: path)
        return page(path, title: note.title, kind: "note", crumbs: crumbs, content)
    }

    func renderNotesIndex(at path: SitePath) -> [UInt8] {
        let notes = model.notes.sorted { ($0.title, $0.id) < ($1.title, $1.id) }
        var tagCounts: [String: Int] = [:]
        for n in notes { for t in Set(n.tags) { tagCounts[t, default: 0] += 1 } }
        let rows: [Node] = notes.map { n in
            let statuses = Set(n.anchors.map(\.status)).filter { $0 != .exact }.map(\.rawValue).sorted()
            return el("tr", [.data("tags", n.tags.joined(separator: " "))], [
                el("td", [], [noteLink(n.id, text: n.title, from: path)]),
                el("td", [], n.tags.map { el("span", [.cls("tag")], text: $0) }),
                el("td", [], n.anchors.first.map { a in [lineLink(a.file, a.lines.lowerBound, from: path)] } ?? []),
                el("td", [], text: statuses.isEmpty ? "in place" : statuses.joined(separator: ", ")),
            ])
        }
        let content: [Node] = [
            el("h1", [], text: "Notes"),
            el("p", [], text: "\(notes.count) notes. Tags: " + tagCounts.keys.sorted().map { "\($0) (\(tagCounts[$0]!))" }.joined(separator: ", ")),
            el("div", [.cls("table-wrap")], [el("table", [.cls("sortable notes-table")], [
                el("thead", [], [el("tr", [], ["Note", "Tags", "Attached to", "Re-anchoring"].map {
                    el("th", [Attribute("scope", "col")], text: $0)
                })]),
                el("tbody", [], rows),
            ])]),
        ]
        return page(path, title: "Notes", kind: "notes", crumbs: simpleCrumbs([("Notes", nil)], at: path), content)
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s.removeLast() }
        return String(s)
    }
}
