// A source page: every line numbered and anchored (#L12), highlighted from the indexer's token spans,
// every resolved identifier linked to its definition, and the notes set beside the lines they are
// anchored to.

import IndexModel

extension SiteBuild {
    func renderSource(_ file: SiteFile, at path: SitePath, diagnostics: inout [Diagnostic]) -> [UInt8] {
        let prep = prepared[file.path] ?? PreparedFile(file)
        if prep.droppedTokens + prep.droppedRefs > 0 {
            diagnostics.append(Diagnostic(file: file.path, line: 0, severity: .warning,
                message: "site: skipped \(prep.droppedTokens) token spans and \(prep.droppedRefs) references that overlap or fall outside the file"))
        }
        let lineCount = prep.lineCount

        // Notes placed in this file, by the line after which they sit.
        let placed = notesByFile[file.path] ?? []
        var asidesAfter: [Int: [PlacedNote]] = [:]
        var anchoredLines = [Bool](repeating: false, count: lineCount + 2)
        var markAt: [Int: [PlacedNote]] = [:]
        for p in placed where p.anchor.status.isAttached {
            let first = min(max(p.anchor.lines.lowerBound, 1), lineCount)
            let last = min(max(p.anchor.lines.upperBound, first), lineCount)
            if p.anchor.lines.upperBound > lineCount {
                diagnostics.append(Diagnostic(file: file.path, line: p.anchor.lines.lowerBound, severity: .warning,
                    message: "site: note \(p.note.id) is anchored past the end of the file (\(lineCount) lines)"))
            }
            asidesAfter[last, default: []].append(p)
            markAt[first, default: []].append(p)
            for l in first...last { anchoredLines[l] = true }
        }
        let orphans = placed.filter { !$0.anchor.status.isAttached }

        var tooltips = TooltipTable(prefix: "d")
        var unknownTargets = 0

        let crumbs = breadcrumbs(forFile: file.path, at: path)
        let page = theme.page(at: path, title: file.path.rawValue, siteTitle: model.title, kind: "source",
                              breadcrumbs: crumbs) { out in
            // Header.
            let symbolsHere = symbolsByFile[file.path] ?? []
            var head: [Node] = [
                el("h1", [.cls("path")], text: file.path.rawValue),
                el("p", [.cls("meta")], text: [file.language?.rawValue ?? "text",
                                                count(lineCount, "line"),
                                                count(symbolsHere.count, "symbol"),
                                                placed.isEmpty ? nil : count(Set(placed.map(\.note.id)).count, "note")]
                    .compactMap { $0 }.joined(separator: " · ")),
            ]
            if !symbolsHere.isEmpty {
                let items: [Node] = symbolsHere.map { s in
                    el("li", [], [
                        symbolLink(s.id, text: s.qualifiedName, from: path),
                        el("span", [.cls("kind")], text: s.kind.rawValue),
                        link(definitionHref(file: s.file, line: s.lines.lowerBound, from: path), "L\(s.lines.lowerBound)",
                             [.cls("line-link")]),
                    ])
                }
                head.append(el("details", [.cls("outline")], [
                    el("summary", [], text: "Symbols in this file"),
                    el("ul", [], items),
                ]))
            }
            if !orphans.isEmpty {
                head.append(el("section", [.cls("orphans")], [
                    el("h2", [], text: "Notes that lost their place here"),
                    el("ul", [], orphans.map { p in
                        el("li", [], [
                            noteLink(p.note.id, text: p.note.title, from: path),
                            .text(" — last seen at lines \(p.anchor.lines.lowerBound)–\(p.anchor.lines.upperBound)"),
                            statusBadge(p.anchor),
                        ])
                    }),
                ]))
            }
            out.write(el("header", [.cls("source-head")], head))

            out.markup(asidesAfter.isEmpty ? "<div class=\"source\">" : "<div class=\"source with-notes\">")
            out.markup("<div class=\"code\">\n")

            unknownTargets = writeCode(file, prep, lines: 1...lineCount, from: path, into: &out, tooltips: &tooltips,
                open: { l, out in
                    out.markup(anchoredLines[l] ? "<div class=\"l anchored\" id=\"L" : "<div class=\"l\" id=\"L")
                    out.number(l)
                    out.markup("\"><a class=\"n\" href=\"#L")
                    out.number(l)
                    out.markup("\">")
                    out.number(l)
                    out.markup("</a>")
                    for p in markAt[l] ?? [] {
                        out.write(link(.fragment(p.asideID), "", [
                            .cls("mark status-\(p.anchor.status.rawValue)"),
                            Attribute("title", "Note: " + p.note.title),
                            Attribute("aria-label", "Note: " + p.note.title),
                        ]))
                    }
                    out.markup("<code>")
                },
                close: { l, out in
                    out.markup("</code></div>\n")
                    for p in asidesAfter[l] ?? [] { writeAside(p, into: &out, from: path) }
                })
            out.markup("</div></div>\n")
            out.write(tooltipDefinitions(tooltips))
        }
        if unknownTargets > 0 {
            diagnostics.append(Diagnostic(file: file.path, line: 0, severity: .note,
                message: "site: \(unknownTargets) references name symbols without a page; shown unlinked"))
        }
        return page
    }

    /// Where a reference leads: a definition's line, or (at the definition itself) the symbol's page.
    func referenceHref(_ r: SiteReference, from page: SitePath) -> Href? {
        if r.isDefinition, let p = links.page(forSymbol: r.target) { return p.href(from: page) }
        if let (defPage, line) = links.definition(of: r.target) {
            return defPage == page ? .fragment("L\(line)") : defPage.href(from: page).with(fragment: "L\(line)")
        }
        return links.page(forSymbol: r.target)?.href(from: page)
    }

    /// A note beside its lines.
    func writeAside(_ p: PlacedNote, into out: inout HTMLBuffer, from page: SitePath) {
        let a = p.anchor
        var header: [Node] = [
            noteLink(p.note.id, text: p.note.title, from: page),
            el("span", [.cls("lines")], text: a.lines.lowerBound == a.lines.upperBound
                ? "L\(a.lines.lowerBound)" : "L\(a.lines.lowerBound)–\(a.lines.upperBound)"),
        ]
        header.append(statusBadge(a))
        out.write(el("aside", [
            .cls("note status-\(a.status.rawValue)"), .id(p.asideID),
            .data("start", String(a.lines.lowerBound)), .data("end", String(a.lines.upperBound)),
        ], [
            el("header", [], header),
            el("div", [.cls("note-body")], [.trusted(p.note.body)]),
            p.note.tags.isEmpty ? .empty : el("p", [.cls("tags")], p.note.tags.map { el("span", [.cls("tag")], text: $0) }),
        ]))
    }

    /// "moved from X", "edited", "orphaned" with the confidence; nothing for an exact anchor.
    func statusBadge(_ a: NoteAnchor) -> Node {
        let review: Node = a.needsReview
            ? el("span", [.cls("status needs-review"), Attribute("title", "Written for code that changed since; not checked yet")],
                 text: "needs review") : .empty
        guard a.status != .exact else { return review }
        if a.needsReview { return .group([plainStatusBadge(a), .text(" "), review]) }
        return plainStatusBadge(a)
    }

    func plainStatusBadge(_ a: NoteAnchor) -> Node {
        var text = a.status.rawValue
        if let pf = a.previousFile, let pl = a.previousLines, a.status.isAttached {
            text += pf == a.file ? " from L\(pl.lowerBound)–\(pl.upperBound)" : " from \(pf.rawValue):\(pl.lowerBound)"
        }
        text += " · \(Int((a.confidence * 100).rounded()))%"
        return el("span", [.cls("status status-\(a.status.rawValue)"),
                           Attribute("title", "Re-anchoring: \(a.status.rawValue), confidence \(Int((a.confidence * 100).rounded()))%")],
                  text: text)
    }
}
