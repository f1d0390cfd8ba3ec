// Writing highlighted, linked code: shared by source pages and the excerpts on symbol and tour pages.

import Dispatch
import IndexModel

/// A file's spans made ready for writing once: sorted, inside the file, not overlapping (the rest is
/// counted and reported), and where each line starts.
struct PreparedFile: Sendable {
    /// Only the token classes that get a CSS class.
    let tokens: [TokenSpan]
    let refs: [SiteReference]
    /// Byte offset of each line's start (a final newline starts no line).
    let lineStarts: [Int]
    let droppedTokens: Int
    let droppedRefs: Int

    var lineCount: Int { lineStarts.count }

    init(_ file: SiteFile) {
        let n = file.bytes.count
        (tokens, droppedTokens) = PreparedFile.clean(file.tokens.filter { cssClass($0.tokenClass) != nil }, count: n,
                                                     start: { $0.start }, end: { $0.end })
        (refs, droppedRefs) = PreparedFile.clean(file.references, count: n, start: { $0.start }, end: { $0.end })
        var starts = [0]
        file.bytes.withUnsafeBufferPointer { b in
            for i in 0..<n where b[i] == 0x0A && i + 1 < n { starts.append(i + 1) }
        }
        lineStarts = starts
    }

    /// Prepares every file, in parallel.
    static func all(_ files: [SiteFile]) -> [RepoPath: PreparedFile] {
        final class Slots: @unchecked Sendable { var items: [PreparedFile?]; init(_ n: Int) { items = Array(repeating: nil, count: n) } }
        let slots = Slots(files.count)
        slots.items.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: files.count) { i in out[i] = PreparedFile(files[i]) }
        }
        var result: [RepoPath: PreparedFile] = [:]
        for (i, f) in files.enumerated() where result[f.path] == nil { result[f.path] = slots.items[i] }
        return result
    }

    /// Spans sorted by start, inside `[0, n)`, non-empty and not overlapping.
    static func clean<T>(_ spans: [T], count n: Int, start: (T) -> Int, end: (T) -> Int) -> ([T], Int) {
        var sorted = spans
        var isSorted = true
        for i in sorted.indices.dropFirst() where (start(sorted[i - 1]), end(sorted[i - 1])) > (start(sorted[i]), end(sorted[i])) {
            isSorted = false
            break
        }
        if !isSorted { sorted.sort { (start($0), end($0)) < (start($1), end($1)) } }
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
}

/// The CSS class for a token class; nil where plain text is enough (keeps pages small).
func cssClass(_ c: TokenClass) -> StaticString? {
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

/// The symbols referenced on one page, numbered in order of first use, for the tooltips.
struct TooltipTable {
    let prefix: String
    private(set) var order: [SiteSymbolID] = []
    private var index: [SiteSymbolID: Int] = [:]
    init(prefix: String) { self.prefix = prefix }

    mutating func number(_ id: SiteSymbolID) -> Int {
        if let k = index[id] { return k }
        index[id] = order.count
        order.append(id)
        return order.count - 1
    }
}

extension SiteBuild {
    /// Writes lines `lines` of `file`: each line between `open(line)` and `close(line)`, highlighted,
    /// with every reference that resolves as a link. Returns how many references had no target.
    func writeCode(_ file: SiteFile, _ prep: PreparedFile, lines: ClosedRange<Int>, from page: SitePath,
                   into out: inout HTMLBuffer, tooltips: inout TooltipTable,
                   open: (Int, inout HTMLBuffer) -> Void, close: (Int, inout HTMLBuffer) -> Void) -> Int
    {
        let n = file.bytes.count
        let first = min(max(lines.lowerBound, 1), prep.lineCount)
        let last = min(max(lines.upperBound, first), prep.lineCount)
        let start = prep.lineStarts[first - 1]
        let end = last < prep.lineCount ? prep.lineStarts[last] : n
        let tokens = prep.tokens, refs = prep.refs
        var ti = firstIndex(tokens.count) { tokens[$0].end > start }
        var ri = firstIndex(refs.count) { refs[$0].end > start }
        var openClass = false
        var openRef = false
        var currentRef = -1
        var currentTok = -1
        var unlinked = 0
        var line = first
        var pos = start
        let prefixBytes = Array(tooltips.prefix.utf8)
        file.bytes.withUnsafeBufferPointer { src in
            open(line, &out)
            while pos < end {
                if src[pos] == 0x0A {
                    if openClass { out.markup("</span>"); openClass = false }
                    if openRef { out.markup("</a>"); openRef = false }
                    close(line, &out)
                    currentRef = -1
                    currentTok = -1
                    pos += 1
                    if pos < end {
                        line += 1
                        open(line, &out)
                    }
                    continue
                }
                while ti < tokens.count && tokens[ti].end <= pos { ti += 1 }
                while ri < refs.count && refs[ri].end <= pos { ri += 1 }
                var stop = pos + 1
                while stop < end && src[stop] != 0x0A { stop += 1 }
                var tok = -1
                if ti < tokens.count {
                    if tokens[ti].start <= pos { tok = ti; stop = min(stop, tokens[ti].end) }
                    else { stop = min(stop, tokens[ti].start) }
                }
                var ref = -1
                if ri < refs.count {
                    if refs[ri].start <= pos { ref = ri; stop = min(stop, refs[ri].end) }
                    else { stop = min(stop, refs[ri].start) }
                }
                if ref != currentRef {
                    if openClass { out.markup("</span>"); openClass = false; currentTok = -1 }
                    if openRef { out.markup("</a>"); openRef = false }
                    currentRef = ref
                    if ref >= 0 {
                        let r = refs[ref]
                        if let href = referenceHref(r, from: page) {
                            let k = tooltips.number(r.target)
                            out.markup(r.isDefinition ? "<a class=\"r def\" href=\"" : "<a class=\"r\" href=\"")
                            out.text(href.value)
                            out.markup("\" aria-describedby=\"")
                            out.bytes.append(contentsOf: prefixBytes)
                            out.number(k)
                            out.markup("\">")
                            openRef = true
                        } else {
                            unlinked += 1
                        }
                    }
                }
                if tok != currentTok {
                    if openClass { out.markup("</span>"); openClass = false }
                    currentTok = tok
                    if tok >= 0, let cls = cssClass(tokens[tok].tokenClass) {
                        out.markup("<span class=\"")
                        out.markup(cls)
                        out.markup("\">")
                        openClass = true
                    }
                }
                out.escapeBytes(UnsafeBufferPointer(rebasing: src[pos..<stop]))
                pos = stop
            }
            if pos == start || src[end - 1] != 0x0A {
                if openClass { out.markup("</span>") }
                if openRef { out.markup("</a>") }
                close(line, &out)
            }
        }
        return unlinked
    }

    /// What the tooltips show: one hidden entry per referenced symbol (kind, name, signature).
    func tooltipDefinitions(_ table: TooltipTable) -> Node {
        guard !table.order.isEmpty else { return .empty }
        var defs: [Node] = []
        defs.reserveCapacity(table.order.count)
        for (k, id) in table.order.enumerated() {
            let s = symbolsByID[id]
            defs.append(el("span", [.id("\(table.prefix)\(k)"), .data("kind", s?.kind.rawValue ?? "symbol")], [
                el("b", [], text: s?.qualifiedName ?? id.rawValue),
                el("i", [], text: s?.signature ?? ""),
            ]))
        }
        return el("div", [.cls("defs"), Attribute("hidden", "")], defs)
    }

    /// Lines of a file, highlighted and linked, each number linking to the line on the source page.
    func excerpt(_ file: SiteFile, lines: ClosedRange<Int>, maxLines: Int, from page: SitePath) -> Node {
        guard let prep = prepared[file.path] else { return .empty }
        let first = max(1, lines.lowerBound)
        let last = min(prep.lineCount, lines.upperBound, first + maxLines - 1)
        guard first <= last else { return el("p", [.cls("empty")], text: "(lines not in the file)") }
        var out = HTMLBuffer(capacity: 4096)
        var tooltips = TooltipTable(prefix: "x")
        out.markup("<div class=\"excerpt\">")
        _ = writeCode(file, prep, lines: first...last, from: page, into: &out, tooltips: &tooltips,
                      open: { l, out in
                          out.markup("<span class=\"xl\"><a class=\"n\" href=\"")
                          out.text(definitionHref(file: file.path, line: l, from: page).value)
                          out.markup("\">")
                          out.number(l)
                          out.markup("</a><code>")
                      },
                      close: { _, out in out.markup("</code></span>\n") })
        out.markup("</div>")
        var parts: [Node] = [.rendered(out.bytes), tooltipDefinitions(tooltips)]
        if last < lines.upperBound {
            parts.append(el("p", [.cls("more")], [
                .text("… \(lines.upperBound - last) more lines in "),
                lineLink(file.path, last + 1, from: page, text: file.path.fileName),
            ]))
        }
        return .group(parts)
    }
}

/// The first index in `0..<count` where `predicate` holds (it must be false then true).
func firstIndex(_ count: Int, where predicate: (Int) -> Bool) -> Int {
    var lo = 0, hi = count
    while lo < hi {
        let mid = (lo + hi) / 2
        if predicate(mid) { hi = mid } else { lo = mid + 1 }
    }
    return lo
}
