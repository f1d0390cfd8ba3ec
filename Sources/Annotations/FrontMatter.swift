// Reading and writing note files: YAML front matter (through Yams) plus a body kept byte for byte.
import IndexModel
import Yams

/// Parses and prints note files and tours. Problems are `Diagnostic`s carrying the file and the line
/// in that file; they are never thrown.
public enum NoteFileFormat {
    /// The result of parsing one note file.
    public struct Parsed: Sendable {
        /// The note, nil when the file was too broken to give one.
        public var note: Note?
        public var diagnostics: [Diagnostic]
    }

    /// Splits `bytes` into the front matter and the body, as byte offsets; nil when there is no front
    /// matter. The front matter ends at a `---` line, or at a `...` line, which a `---` line right after
    /// it joins (both close the front matter; the body starts after them).
    static func split(_ bytes: [UInt8]) -> (yaml: Range<Int>, bodyStart: Int)? {
        func lineEnd(_ p: Int) -> Int {
            var q = p
            while q < bytes.count, bytes[q] != 0x0a { q += 1 }
            return q
        }
        func isLine(_ p: Int, _ marker: String) -> Bool {
            var e = lineEnd(p)
            while e > p, bytes[e - 1] == 0x0d || bytes[e - 1] == 0x20 || bytes[e - 1] == 0x09 { e -= 1 }
            return Array(bytes[p..<e]) == Array(marker.utf8)
        }
        guard !bytes.isEmpty, isLine(0, "---") else { return nil }
        let yamlStart = min(bytes.count, lineEnd(0) + 1)
        var p = yamlStart
        while p < bytes.count {
            let next = min(bytes.count, lineEnd(p) + 1)
            if isLine(p, "---") { return (yamlStart..<p, next) }
            if isLine(p, "...") {
                if next < bytes.count, isLine(next, "---") { return (yamlStart..<p, min(bytes.count, lineEnd(next) + 1)) }
                return (yamlStart..<p, next)
            }
            p = next
        }
        return nil
    }

    /// Parses one note file. `path` is the file's path relative to the notes directory (for
    /// `Note.path`); `displayPath` is what diagnostics name (e.g. `Annotations/kernels/pa.md`).
    public static func parse(text: String, path: String, displayPath: String) -> Parsed {
        let file = RepoPath(displayPath)
        func problem(_ line: Int, _ message: String) -> Diagnostic {
            Diagnostic(file: file, line: line, severity: .error, message: message)
        }
        let bytes = Array(text.utf8)
        guard let (yamlRange, bodyStart) = split(bytes) else {
            return Parsed(note: nil, diagnostics: [problem(1, "no YAML front matter: the file must start with a '---' line and the front matter must end with another '---' line")])
        }
        let yamlText = String(decoding: bytes[yamlRange], as: UTF8.self)
        let body = String(decoding: bytes[bodyStart...], as: UTF8.self)
        // The YAML starts on line 2 of the file.
        let lineOffset = 1
        if let refused = YAMLBudget.problem(in: String(yamlText)) {
            return Parsed(note: nil, diagnostics: [problem(refused.line + lineOffset, "front matter refused: \(refused.message)")])
        }
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: String(yamlText)) else {
                return Parsed(note: nil, diagnostics: [problem(2, "empty front matter")])
            }
            node = composed
        } catch let yamlError as YamlError {
            let (line, message) = describe(yamlError)
            return Parsed(note: nil, diagnostics: [problem(line + lineOffset, "broken front matter: \(message)")])
        } catch {
            return Parsed(note: nil, diagnostics: [problem(2, "broken front matter: \(error)")])
        }
        var reader = NodeReader(file: file, lineOffset: lineOffset)
        reader.mapper = SourceMapper(bytes: bytes, yaml: yamlRange)
        var note = reader.note(from: node, body: body, path: path)
        if var source = reader.source {
            source.bytes = bytes
            source.yaml = yamlRange
            source.bodyStart = bodyStart
            note?.source = source
        }
        var diagnostics = reader.diagnostics
        if note != nil, let line = MarkdownRenderer.nestingProblem(in: body) {
            let bodyLine = bytes[..<bodyStart].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            diagnostics.append(problem(bodyLine + line - 1,
                "Markdown nested more than \(MarkdownRenderer.maxNesting) levels deep: the body is shown as plain text"))
        }
        return Parsed(note: note, diagnostics: diagnostics)
    }

    static func describe(_ error: YamlError) -> (line: Int, message: String) {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let ctx = context.map { "\($0.text) (line \($0.mark.line)) " } ?? ""
            return (mark.line, ctx + problem + " at column \(mark.column)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return (context.mark.line, "duplicated keys \(duplicates.sorted().joined(separator: ", "))")
        case let .reader(problem, _, _, _):
            return (1, problem)
        default:
            return (1, "\(error)")
        }
    }

    /// The file text for `note`. A note read from a file is rewritten in place (see `renderInPlace`):
    /// only the fields that changed differ, and evidence or status an earlier version kept in the front
    /// matter is dropped (it lives in the lock file). Otherwise, or when the change cannot be made in
    /// place: `---`, the front matter (id, title, release, tags, anchors with symbol, file and lines,
    /// unknown keys), `---` (or the file's own closing lines), then `note.body` unchanged.
    public static func render(_ note: Note) -> String {
        if let source = note.source, let text = renderInPlace(note, source) { return text }
        var pairs: [(Node, Node)] = []
        func add(_ key: String, _ value: Node) { pairs.append((Node(key), value)) }
        add("id", Node(note.id.rawValue))
        add("title", scalar(note.title))
        if !note.release.isEmpty { add("release", Node(note.release, Tag(.str), .doubleQuoted)) }
        if !note.tags.isEmpty {
            add("tags", .sequence(.init(note.tags.map { scalar($0) }, .implicit, .flow)))
        }
        if !note.anchors.isEmpty { add("anchors", .sequence(.init(note.anchors.map(anchorNode)))) }
        var yaml = (try? Yams.serialize(node: .mapping(.init(pairs)), indent: 2, width: -1, allowUnicode: true)) ?? ""
        for (key, value) in note.extra {
            yaml += key + ":" + value
        }
        var closing = "---\n"
        if let source = note.source {
            closing = String(decoding: source.bytes[source.yaml.upperBound..<source.bodyStart], as: UTF8.self)
        }
        return "---\n" + yaml + closing + note.body
    }

    static func scalar(_ s: String) -> Node {
        if s.contains("\n") { return .scalar(.init(s, .implicit, .literal)) }
        if s.isEmpty { return Node("", Tag(.str), .doubleQuoted) }
        return Node(s)
    }

    static func anchorNode(_ a: NoteAnchor) -> Node {
        var pairs: [(Node, Node)] = []
        func add(_ key: String, _ value: Node) { pairs.append((Node(key), value)) }
        if let s = a.symbol { add("symbol", scalar(s)) }
        add("file", scalar(a.file.rawValue))
        if let l = a.lines { add("lines", Node(l.description)) }
        return .mapping(.init(pairs))
    }

    /// Parses a tour file (`tours/*.yaml`).
    public static func parseTour(text: String, path: String, displayPath: String) -> (Tour?, [Diagnostic]) {
        let file = RepoPath(displayPath)
        if let refused = YAMLBudget.problem(in: text) {
            return (nil, [Diagnostic(file: file, line: refused.line, severity: .error, message: "tour refused: \(refused.message)")])
        }
        let node: Node
        do {
            guard let n = try Yams.compose(yaml: text) else {
                return (nil, [Diagnostic(file: file, line: 1, severity: .error, message: "empty tour")])
            }
            node = n
        } catch let e as YamlError {
            let (line, message) = describe(e)
            return (nil, [Diagnostic(file: file, line: line, severity: .error, message: "broken tour: \(message)")])
        } catch {
            return (nil, [Diagnostic(file: file, line: 1, severity: .error, message: "broken tour: \(error)")])
        }
        var reader = NodeReader(file: file, lineOffset: 0)
        let tour = reader.tour(from: node, path: path)
        return (tour, reader.diagnostics)
    }
}

extension Substring {
    func trimmingTrailingCR() -> Substring {
        var s = self
        while let l = s.last, l == "\r" || l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

/// Walks a composed YAML node, building model values and collecting diagnostics with file lines.
struct NodeReader {
    let file: RepoPath
    let lineOffset: Int
    var diagnostics: [Diagnostic] = []
    /// Set for note files: where fields sit, for in-place rewrites (`NoteSource`).
    var mapper: SourceMapper?
    var source: NoteSource?
    /// Front matter keys of anchors that earlier versions wrote (evidence); read, then moved to the lock.
    static let legacyEvidenceKeys: Set<String> = ["kind", "signature", "quote", "context_before", "context_after", "body_hash",
                                                  "line_hashes", "symbol_lines", "offset", "body_sketch", "body_lines"]

    init(file: RepoPath, lineOffset: Int) {
        self.file = file
        self.lineOffset = lineOffset
    }

    /// True when `node` is written in flow style (`{...}` / `[...]`).
    func isFlow(_ node: Node) -> Bool {
        guard let mapper, let p = mapper.offset(node.mark), p < mapper.yamlEnd else { return false }
        return mapper.bytes[p] == UInt8(ascii: "{") || mapper.bytes[p] == UInt8(ascii: "[")
    }

    mutating func report(_ node: Node?, _ message: String, _ severity: Diagnostic.Severity = .error) {
        let line = (node?.mark?.line ?? 1) + lineOffset
        let column = node?.mark?.column ?? 0
        diagnostics.append(Diagnostic(file: file, line: line, column: column, severity: severity, message: message))
    }

    func string(_ node: Node?) -> String? {
        guard case let .scalar(s)? = node else { return nil }
        return s.string
    }

    mutating func strings(_ node: Node?, key: String) -> [String] {
        guard let node else { return [] }
        switch node {
        case let .sequence(seq):
            var out: [String] = []
            for item in seq {
                if let s = string(item) { out.append(s) } else { report(item, "'\(key)' items must be strings") }
            }
            return out
        case let .scalar(s) where s.string.isEmpty:
            return []
        default:
            report(node, "'\(key)' must be a list")
            return []
        }
    }

    mutating func note(from node: Node, body: String, path: String) -> Note? {
        guard case let .mapping(map) = node else {
            report(node, "front matter must be a mapping of keys to values")
            return nil
        }
        let known: Set<String> = ["id", "title", "release", "tags", "anchors", "status"]
        var values: [String: Node] = [:]
        var extra: [(String, String)] = []
        var src = NoteSource(bytes: [], yaml: 0..<0, bodyStart: 0, top: [], anchors: [], legacy: [], id: "", title: "",
                             release: "", tags: [], anchorFields: [], extraKeys: [])
        var mapped = mapper != nil && !isFlow(node)
        for (k, v) in map {
            guard let key = string(k) else { report(k, "front matter keys must be strings"); continue }
            if let mapper, mapped {
                if let entry = mapper.entry(key: key, keyNode: k, value: v, flow: false) {
                    src.top.append(entry)
                    if key == "status" { src.legacy.append(mapper.extendingOverBlankLines(entry.lines)) }
                } else { mapped = false }
            }
            if !known.contains(key) { src.extraKeys.append(key) }
            if known.contains(key) {
                values[key] = v
            } else {
                let text = (try? Yams.serialize(node: .mapping(.init([(Node("k"), v)])), indent: 2, width: -1,
                                                allowUnicode: true)) ?? " null\n"
                extra.append((key, String(text.dropFirst(2))))
            }
        }
        guard let idNode = values["id"], let idText = string(idNode), !idText.isEmpty else {
            report(values["id"] ?? node, "missing 'id'")
            return nil
        }
        let id = NoteID(idText)
        if !id.isWellFormed { report(idNode, "id '\(idText)' must use only a-z, 0-9 and '-'") }
        var title = string(values["title"]) ?? ""
        if title.isEmpty {
            report(values["title"] ?? idNode, "missing 'title'", .warning)
            title = idText
        }
        var note = Note(id: id, title: title, release: string(values["release"]) ?? "",
                        tags: strings(values["tags"], key: "tags"), body: body, path: path)
        note.extra = extra
        if let anchors = values["anchors"] {
            if case let .sequence(seq) = anchors {
                for item in seq {
                    guard let (a, slots, legacy) = anchor(from: item) else { mapped = false; continue }
                    note.anchors.append(a)
                    if let slots { src.anchors.append(slots) } else { mapped = false }
                    src.legacy += legacy
                }
            } else if string(anchors) != "" {
                report(anchors, "'anchors' must be a list")
            }
        }
        if case let .sequence(seq)? = values["status"] {
            for item in seq { if let r = statusRecord(from: item) { note.status.append(r) } }
        }
        if mapped {
            src.id = idText
            src.title = string(values["title"]) ?? ""
            src.release = note.release
            src.tags = note.tags
            src.anchorFields = note.anchors.map { .init(symbol: $0.symbol, file: $0.file.rawValue, lines: $0.lines?.description) }
            // Fields written in a form the editor does not track are rewritten as a whole.
            if title.isEmpty || src.title != title { src.title = title }
            source = src
        }
        return note
    }

    /// One anchor, where its fields sit (nil when they cannot be mapped), and the lines of evidence keys
    /// an earlier version wrote into it.
    mutating func anchor(from node: Node) -> (NoteAnchor, AnchorSlots?, [Range<Int>])? {
        guard case let .mapping(map) = node else {
            report(node, "each anchor must be a mapping with at least 'file'")
            return nil
        }
        var v: [String: Node] = [:]
        // Yams reports a mapping's style from its end event; the text says it.
        let flow = isFlow(node)
        var slots: AnchorSlots? = AnchorSlots(flow: flow, entries: [])
        var legacy: [Range<Int>] = []
        for (k, value) in map {
            guard let key = string(k) else { continue }
            v[key] = value
            if let mapper, let entry = mapper.entry(key: key, keyNode: k, value: value, flow: flow) {
                slots?.entries.append(entry)
                if Self.legacyEvidenceKeys.contains(key) {
                    if entry.ownLine, !flow { legacy.append(mapper.extendingOverBlankLines(entry.lines)) } else { slots = nil }
                }
            } else {
                slots = nil
            }
        }
        guard let fileText = string(v["file"]), !fileText.isEmpty else {
            report(node, "anchor without 'file'")
            return nil
        }
        var anchor = NoteAnchor(symbol: string(v["symbol"]).flatMap { $0.isEmpty ? nil : $0 },
                                file: RepoPath(fileText.hasPrefix("./") ? String(fileText.dropFirst(2)) : fileText))
        if fileText.hasPrefix("./") { slots = nil }
        if let linesNode = v["lines"] {
            if let text = string(linesNode), let span = LineSpan(parsing: text) {
                anchor.lines = span
                if span.description != text.trimmingCharacters(in: " \t") { slots = nil }
            } else {
                report(linesNode, "anchor 'lines' must be 'A-B' with 1 <= A <= B")
            }
        }
        if Self.legacyEvidenceKeys.contains(where: { v[$0] != nil }) {
            // Evidence as earlier versions wrote it (the anchored text itself): kept as fingerprints.
            var e = AnchorEvidence()
            e.kind = string(v["kind"]) ?? ""
            let signature = string(v["signature"]) ?? ""
            e.signature = signature.isEmpty ? "" : Fingerprint.line(signature[...])
            let quote = LineTable(text: string(v["quote"]) ?? "")
            if quote.count > 0 {
                e.lineHashes = quote.lines.map { Fingerprint.line($0) }
                e.lineGrams = quote.lines.map { Fingerprint.grams($0) }
            } else {
                e.lineHashes = strings(v["line_hashes"], key: "line_hashes")
            }
            e.contextBefore = LineTable(text: string(v["context_before"]) ?? "").lines.map { Fingerprint.line($0) }
            e.contextAfter = LineTable(text: string(v["context_after"]) ?? "").lines.map { Fingerprint.line($0) }
            e.bodyHash = string(v["body_hash"]) ?? ""
            e.symbolLines = string(v["symbol_lines"]).flatMap { LineSpan(parsing: $0) }
            e.offset = string(v["offset"]).flatMap { Int($0) }
            e.bodySketch = strings(v["body_sketch"], key: "body_sketch")
            e.bodyLines = string(v["body_lines"]).flatMap { Int($0) } ?? 0
            anchor.evidence = e
        }
        return (anchor, slots, legacy)
    }

    mutating func statusRecord(from node: Node) -> AnchorStatusRecord? {
        guard case let .mapping(map) = node else { report(node, "status entries must be mappings", .warning); return nil }
        var v: [String: Node] = [:]
        for (k, value) in map { if let key = string(k) { v[key] = value } }
        guard let index = string(v["anchor"]).flatMap({ Int($0) }),
              let status = string(v["status"]).flatMap({ AnchorStatus(rawValue: $0) }) else {
            report(node, "status entry needs 'anchor' (index) and a known 'status'", .warning)
            return nil
        }
        var r = AnchorStatusRecord(anchor: index, release: string(v["release"]) ?? "", status: status,
                                   confidence: string(v["confidence"]).flatMap { Double($0) } ?? 0)
        r.agreed = strings(v["agreed"], key: "agreed")
        r.disagreed = strings(v["disagreed"], key: "disagreed")
        if case let .sequence(seq)? = v["candidates"] {
            for item in seq {
                guard case let .mapping(cm) = item else { continue }
                var c: [String: Node] = [:]
                for (k, value) in cm { if let key = string(k) { c[key] = value } }
                if let f = string(c["file"]), let l = string(c["lines"]).flatMap({ LineSpan(parsing: $0) }) {
                    r.candidates.append(AnchorCandidate(file: RepoPath(f), lines: l, symbol: string(c["symbol"]),
                                                        score: string(c["score"]).flatMap { Double($0) } ?? 0))
                }
            }
        }
        return r
    }

    mutating func tour(from node: Node, path: String) -> Tour? {
        guard case let .mapping(map) = node else { report(node, "a tour must be a mapping"); return nil }
        var v: [String: Node] = [:]
        for (k, value) in map { if let key = string(k) { v[key] = value } }
        guard let id = string(v["id"]), !id.isEmpty else { report(node, "tour without 'id'"); return nil }
        var tour = Tour(id: id, title: string(v["title"]) ?? id, steps: [], path: path)
        tour.release = string(v["release"]) ?? ""
        guard case let .sequence(steps)? = v["steps"] else { report(v["steps"] ?? node, "tour needs a 'steps' list"); return tour }
        for step in steps {
            guard case let .mapping(sm) = step else { report(step, "each step must be a mapping"); continue }
            var s: [String: Node] = [:]
            for (k, value) in sm { if let key = string(k) { s[key] = value } }
            if let n = string(s["note"]) {
                tour.steps.append(.note(NoteID(n)))
            } else if s["symbol"] != nil || s["file"] != nil {
                var lines: LineSpan?
                if let l = s["lines"] {
                    lines = string(l).flatMap { LineSpan(parsing: $0) }
                    if lines == nil { report(l, "step 'lines' must be 'A-B'") }
                }
                tour.steps.append(.code(symbol: string(s["symbol"]), file: string(s["file"]).map { RepoPath($0) },
                                        lines: lines, text: string(s["text"]) ?? ""))
            } else {
                report(step, "a step needs 'note' or 'symbol'/'file'")
            }
        }
        return tour
    }
}
