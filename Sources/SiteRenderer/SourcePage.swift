// A source page: every line numbered and anchored (#L12), highlighted from the indexer's token spans,
// every resolved identifier linked to its definition, and the notes set beside the lines they are
// anchored to.

import IndexModel

extension SiteBuild {
    /// The CSS class for a token class; nil where plain text is enough (keeps pages small).
    private static func cssClass(_ c: TokenClass) -> StaticString? {
        switch c {
        case .keyword: return "k"
        case .string: return "s"
        case .number: return "m"
        case .comment: return "c"
        case .decorator: return "d"
        case .preprocessor: return "pp"
        case .identifier, .operator, .punctuation, .whitespace, .other: return nil
        }
    }

    /// Tokens sorted, in range and not overlapping; the rest is dropped (and counted).
    static func cleanSpans<T>(_ spans: [T], count n: Int, start: (T) -> Int, end: (T) -> Int) -> (kept: [T], dropped: Int) {
        let sorted = spans.sorted { (start($0), end($0)) < (start($1), end($1)) }
        var kept: [T] = []
        kept.reserveCapacity(sorted.count)
        var last = 0
        var dropped = 0
        for s in sorted {
            if start(s) < last || start(s) >= end(s) || end(s) > n || start(s) < 0 {
                dropped += 1
                continue
            }
            kept.append(s)
            last = end(s)
        }
        return (kept, dropped)
    }

    func renderSource(_ file: SiteFile, at path: SitePath, diagnostics: inout [Diagnostic]) -> [UInt8] {
        let bytes = file.bytes
        let n = bytes.count
        let (tokens, droppedTokens) = SiteBuild.cleanSpans(
            file.tokens.filter { SiteBuild.cssClass($0.tokenClass) != nil }, count: n,
            start: { $0.start }, end: { $0.end })
        let (refs, droppedRefs) = SiteBuild.cleanSpans(file.references, count: n, start: { $0.start }, end: { $0.end })
        if droppedTokens + droppedRefs > 0 {
            diagnostics.append(Diagnostic(file: file.path, line: 0, severity: .warning,
                message: "site: skipped \(droppedTokens) token spans and \(droppedRefs) references that overlap or fall outside the file"))
        }

        // Line starts.
        var lineStarts = [0]
        for i in 0..<n where bytes[i] == 0x0A && i + 1 < n { lineStarts.append(i + 1) }
        let lineCount = lineStarts.count

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

        // The symbols a reference may show in its tooltip, numbered in order of first use.
        var defIndex: [SiteSymbolID: Int] = [:]
        var defOrder: [SiteSymbolID] = []
        var unknownTargets = 0

        let crumbs = breadcrumbs(forFile: file.path, at: path)
        let page = theme.page(at: path, title: file.path.rawValue, siteTitle: model.title, kind: "source",
                              breadcrumbs: crumbs) { out in
            // Header.
            let symbolsHere = (symbolsByFile[file.path] ?? []).filter { $0.kind != .variable || true }
            var head: [Node] = [
                el("h1", [.cls("path")], text: file.path.rawValue),
                el("p", [.cls("meta")], text: [file.language?.rawValue ?? "text",
                                                "\(lineCount) lines",
                                                "\(symbolsHere.count) symbols",
                                                placed.isEmpty ? nil : "\(Set(placed.map(\.note.id)).count) notes"]
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

            out.markup(placed.isEmpty ? "<div class=\"source\">" : "<div class=\"source with-notes\">")
            out.markup("<div class=\"code\">\n")

            var pos = 0
            var ti = 0
            var ri = 0
            var openClass = false
            var openRef = false
            var line = 1
            bytes.withUnsafeBufferPointer { src in
                func startLine(_ l: Int) {
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
                }
                func endLine(_ l: Int) {
                    if openClass { out.markup("</span>"); openClass = false }
                    if openRef { out.markup("</a>"); openRef = false }
                    out.markup("</code></div>\n")
                    for p in asidesAfter[l] ?? [] { writeAside(p, into: &out, from: path) }
                }
                startLine(1)
                var currentRef = -1
                var currentTok = -1
                while pos < n {
                    if src[pos] == 0x0A {
                        endLine(line)
                        currentRef = -1
                        currentTok = -1
                        pos += 1
                        if pos < n {
                            line += 1
                            startLine(line)
                        }
                        continue
                    }
                    while ti < tokens.count && tokens[ti].end <= pos { ti += 1 }
                    while ri < refs.count && refs[ri].end <= pos { ri += 1 }
                    var end = pos + 1
                    while end < n && src[end] != 0x0A { end += 1 }  // the rest of the line, narrowed below
                    var tok = -1
                    if ti < tokens.count {
                        if tokens[ti].start <= pos { tok = ti; end = min(end, tokens[ti].end) }
                        else { end = min(end, tokens[ti].start) }
                    }
                    var ref = -1
                    if ri < refs.count {
                        if refs[ri].start <= pos { ref = ri; end = min(end, refs[ri].end) }
                        else { end = min(end, refs[ri].start) }
                    }
                    if ref != currentRef {
                        if openClass { out.markup("</span>"); openClass = false; currentTok = -1 }
                        if openRef { out.markup("</a>"); openRef = false }
                        currentRef = ref
                        if ref >= 0 {
                            let r = refs[ref]
                            if let href = referenceHref(r, from: path) {
                                var k = defIndex[r.target] ?? -1
                                if k < 0 {
                                    k = defOrder.count
                                    defIndex[r.target] = k
                                    defOrder.append(r.target)
                                }
                                out.markup(r.isDefinition ? "<a class=\"r def\" href=\"" : "<a class=\"r\" href=\"")
                                out.text(href.value)
                                out.markup("\" aria-describedby=\"d")
                                out.number(k)
                                out.markup("\">")
                                openRef = true
                            } else {
                                unknownTargets += 1
                            }
                        }
                    }
                    if tok != currentTok {
                        if openClass { out.markup("</span>"); openClass = false }
                        currentTok = tok
                        if tok >= 0, let cls = SiteBuild.cssClass(tokens[tok].tokenClass) {
                            out.markup("<span class=\"")
                            out.markup(cls)
                            out.markup("\">")
                            openClass = true
                        }
                    }
                    out.escapeBytes(UnsafeBufferPointer(rebasing: src[pos..<end]))
                    pos = end
                }
                if n == 0 || src[n - 1] != 0x0A { endLine(line) }
                if n == 0 {}  // an empty file is one empty line
            }
            out.markup("</div></div>\n")

            // What the tooltips show: one entry per symbol referenced on this page.
            if !defOrder.isEmpty {
                var defs: [Node] = []
                defs.reserveCapacity(defOrder.count)
                for (k, id) in defOrder.enumerated() {
                    let s = symbolsByID[id]
                    defs.append(el("span", [.id("d\(k)"), .data("kind", s?.kind.rawValue ?? "symbol")], [
                        el("b", [], text: s?.qualifiedName ?? id.rawValue),
                        el("i", [], text: s?.signature ?? ""),
                    ]))
                }
                out.write(el("div", [.cls("defs"), Attribute("hidden", "")], defs))
            }
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
        guard a.status != .exact else { return .empty }
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
