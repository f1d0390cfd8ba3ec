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

    /// Splits `text` into the front matter YAML and the body; nil when there is no front matter.
    /// The body is everything after the closing `---` line, untouched.
    static func split(_ text: String) -> (yaml: Substring, body: Substring)? {
        var lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        guard lines.count == 2, lines[0].trimmingTrailingCR() == "---" else { return nil }
        var rest = lines[1]
        let yamlStart = rest.startIndex
        while !rest.isEmpty {
            lines = rest.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
            let line = lines[0].trimmingTrailingCR()
            if line == "---" || line == "..." {
                let yaml = text[yamlStart..<lines[0].startIndex]
                let body = lines.count == 2 ? lines[1] : text[text.endIndex...]
                return (yaml, body)
            }
            rest = lines.count == 2 ? lines[1] : text[text.endIndex...]
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
        guard let (yamlText, body) = split(text) else {
            return Parsed(note: nil, diagnostics: [problem(1, "no YAML front matter: the file must start with a '---' line and the front matter must end with another '---' line")])
        }
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
        let note = reader.note(from: node, body: String(body), path: path)
        var diagnostics = reader.diagnostics
        if note != nil, let line = MarkdownRenderer.nestingProblem(in: String(body)) {
            let bodyLine = text[..<body.startIndex].utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
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

    /// The file text for `note`: `---`, the front matter, `---`, then `note.body` unchanged.
    public static func render(_ note: Note) -> String {
        var pairs: [(Node, Node)] = []
        func add(_ key: String, _ value: Node) { pairs.append((Node(key), value)) }
        add("id", Node(note.id.rawValue))
        add("title", scalar(note.title))
        if !note.release.isEmpty { add("release", Node(note.release, Tag(.str), .doubleQuoted)) }
        if !note.tags.isEmpty {
            add("tags", .sequence(.init(note.tags.map { scalar($0) }, .implicit, .flow)))
        }
        if !note.anchors.isEmpty { add("anchors", .sequence(.init(note.anchors.map(anchorNode)))) }
        if !note.status.isEmpty { add("status", .sequence(.init(note.status.map(statusNode)))) }
        var yaml = (try? Yams.serialize(node: .mapping(.init(pairs)), indent: 2, width: -1, allowUnicode: true)) ?? ""
        for (key, value) in note.extra {
            yaml += key + ":" + value
        }
        return "---\n" + yaml + "---\n" + note.body
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
        if let e = a.evidence {
            add("kind", scalar(e.kind))
            add("signature", scalar(e.signature))
            add("quote", scalar(e.quote))
            add("context_before", scalar(e.contextBefore))
            add("context_after", scalar(e.contextAfter))
            add("body_hash", scalar(e.bodyHash))
            add("line_hashes", .sequence(.init(e.lineHashes.map { Node($0) }, .implicit, .flow)))
            if let s = e.symbolLines { add("symbol_lines", Node(s.description)) }
            if let o = e.offset { add("offset", Node(String(o))) }
            if !e.bodySketch.isEmpty {
                add("body_sketch", .sequence(.init(e.bodySketch.map { Node($0) }, .implicit, .flow)))
                add("body_lines", Node(String(e.bodyLines)))
            }
        }
        return .mapping(.init(pairs))
    }

    static func statusNode(_ r: AnchorStatusRecord) -> Node {
        var pairs: [(Node, Node)] = []
        func add(_ key: String, _ value: Node) { pairs.append((Node(key), value)) }
        add("anchor", Node(String(r.anchor)))
        add("release", Node(r.release, Tag(.str), .doubleQuoted))
        add("status", Node(r.status.rawValue))
        add("confidence", Node(formatScore(r.confidence)))
        if !r.agreed.isEmpty { add("agreed", .sequence(.init(r.agreed.map { scalar($0) }, .implicit, .flow))) }
        if !r.disagreed.isEmpty { add("disagreed", .sequence(.init(r.disagreed.map { scalar($0) }, .implicit, .flow))) }
        if !r.candidates.isEmpty {
            add("candidates", .sequence(.init(r.candidates.map { c in
                var p: [(Node, Node)] = [(Node("file"), scalar(c.file.rawValue)), (Node("lines"), Node(c.lines.description))]
                if let s = c.symbol { p.append((Node("symbol"), scalar(s))) }
                p.append((Node("score"), Node(formatScore(c.score))))
                return .mapping(.init(p))
            })))
        }
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

    init(file: RepoPath, lineOffset: Int) {
        self.file = file
        self.lineOffset = lineOffset
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
        for (k, v) in map {
            guard let key = string(k) else { report(k, "front matter keys must be strings"); continue }
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
                for item in seq { if let a = anchor(from: item) { note.anchors.append(a) } }
            } else if string(anchors) != "" {
                report(anchors, "'anchors' must be a list")
            }
        }
        if case let .sequence(seq)? = values["status"] {
            for item in seq { if let r = statusRecord(from: item) { note.status.append(r) } }
        }
        return note
    }

    mutating func anchor(from node: Node) -> NoteAnchor? {
        guard case let .mapping(map) = node else {
            report(node, "each anchor must be a mapping with at least 'file'")
            return nil
        }
        var v: [String: Node] = [:]
        for (k, value) in map { if let key = string(k) { v[key] = value } }
        guard let fileText = string(v["file"]), !fileText.isEmpty else {
            report(node, "anchor without 'file'")
            return nil
        }
        var anchor = NoteAnchor(symbol: string(v["symbol"]).flatMap { $0.isEmpty ? nil : $0 },
                                file: RepoPath(fileText.hasPrefix("./") ? String(fileText.dropFirst(2)) : fileText))
        if let linesNode = v["lines"] {
            if let text = string(linesNode), let span = LineSpan(parsing: text) {
                anchor.lines = span
            } else {
                report(linesNode, "anchor 'lines' must be 'A-B' with 1 <= A <= B")
            }
        }
        let evidenceKeys = ["kind", "signature", "quote", "context_before", "context_after", "body_hash", "line_hashes"]
        if evidenceKeys.contains(where: { v[$0] != nil }) {
            var e = AnchorEvidence()
            e.kind = string(v["kind"]) ?? ""
            e.signature = string(v["signature"]) ?? ""
            e.quote = string(v["quote"]) ?? ""
            e.contextBefore = string(v["context_before"]) ?? ""
            e.contextAfter = string(v["context_after"]) ?? ""
            e.bodyHash = string(v["body_hash"]) ?? ""
            e.lineHashes = strings(v["line_hashes"], key: "line_hashes")
            e.symbolLines = string(v["symbol_lines"]).flatMap { LineSpan(parsing: $0) }
            e.offset = string(v["offset"]).flatMap { Int($0) }
            e.bodySketch = strings(v["body_sketch"], key: "body_sketch")
            e.bodyLines = string(v["body_lines"]).flatMap { Int($0) } ?? 0
            anchor.evidence = e
        }
        return anchor
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
