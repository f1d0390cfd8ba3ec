// Rewriting a note file in place: a note read from disk remembers its text and where each field the
// tool may change (id, title, release, each anchor's symbol, file and lines) sits in it, so a rewrite
// replaces exactly those bytes and keeps the writer's comments, quoting, layout, delimiters and body.
import Yams

/// Where one scalar value sits in the file (UTF-8 byte offsets), and how it is written.
struct ScalarSlot: Sendable, Equatable {
    enum Style: Sendable, Equatable { case plain, doubleQuoted, singleQuoted, block }
    var range: Range<Int>
    var style: Style
    /// Inside a flow collection (`{...}`, `[...]`): plain values stop at `,`, `]`, `}`.
    var flow: Bool
}

/// One `key: value` entry of a mapping in the file.
struct EntrySlot: Sendable, Equatable {
    var key: String
    /// Byte offset of the key's first character.
    var keyStart: Int
    /// The key's 0-based column (characters), i.e. the mapping's indentation for block mappings.
    var keyColumn: Int
    var value: ScalarSlot?
    /// The entry's whole lines (block mappings): from its line's start to the end of its last line.
    var lines: Range<Int>
    /// True when the key is the first thing on its line after indentation (not after `- `).
    var ownLine: Bool
}

/// One anchor mapping in the file.
struct AnchorSlots: Sendable, Equatable {
    var flow: Bool
    var entries: [EntrySlot]
    func entry(_ key: String) -> EntrySlot? { entries.first { $0.key == key } }
}

/// What a note file looked like when read, for rewriting it in place.
struct NoteSource: Sendable {
    /// The file's bytes.
    var bytes: [UInt8]
    /// The front matter (between the delimiters) and the body start, as byte offsets.
    var yaml: Range<Int>
    var bodyStart: Int
    /// Top-level entries (`id`, `title`, `release`, ...).
    var top: [EntrySlot]
    var anchors: [AnchorSlots]
    /// Whole-line byte ranges of the front matter the tool no longer keeps there (evidence and status
    /// written into notes by earlier versions); a rewrite drops them, the lock file holds the data.
    var legacy: [Range<Int>]
    /// The fields as read, to see what a rewrite changes.
    var id: String
    var title: String
    var release: String
    var tags: [String]
    var anchorFields: [AnchorFields]
    /// Unknown top-level keys as read.
    var extraKeys: [String]

    struct AnchorFields: Sendable, Equatable {
        var symbol: String?
        var file: String
        var lines: String?
    }
}

/// Maps Yams marks (1-based line and column in Unicode scalars, counted in the front matter) to byte
/// offsets in the whole file, and finds where scalars end.
struct SourceMapper {
    let bytes: [UInt8]
    let yamlStart: Int
    let yamlEnd: Int
    /// Byte offsets of the front matter's line starts.
    let lineStarts: [Int]

    init(bytes: [UInt8], yaml: Range<Int>) {
        self.bytes = bytes
        yamlStart = yaml.lowerBound
        yamlEnd = yaml.upperBound
        var starts = [yaml.lowerBound]
        for i in yaml where bytes[i] == 0x0a { starts.append(i + 1) }
        lineStarts = starts
    }

    func offset(_ mark: Mark?) -> Int? {
        guard let mark, mark.line >= 1, mark.line <= lineStarts.count else { return nil }
        var p = lineStarts[mark.line - 1]
        var column = 1
        while column < mark.column, p < yamlEnd, bytes[p] != 0x0a {
            p += 1
            while p < yamlEnd, bytes[p] & 0xc0 == 0x80 { p += 1 }
            column += 1
        }
        return p
    }

    func lineStart(_ p: Int) -> Int {
        var q = p
        while q > yamlStart, bytes[q - 1] != 0x0a { q -= 1 }
        return q
    }

    /// End of the line holding `p`, after its `\n` (or the front matter's end).
    func lineEnd(_ p: Int) -> Int {
        var q = p
        while q < yamlEnd, bytes[q] != 0x0a { q += 1 }
        return min(yamlEnd, q + 1)
    }

    func indent(ofLineAt start: Int) -> Int? {
        var q = start, n = 0
        while q < yamlEnd, bytes[q] == 0x20 { q += 1; n += 1 }
        if q >= yamlEnd || bytes[q] == 0x0a || bytes[q] == 0x0d { return nil }  // blank
        return n
    }

    /// The scalar starting at `start`: quoted scalars to their closing quote, plain scalars to the end
    /// of the line, a comment, or (in flow context) a flow indicator; trailing blanks excluded.
    func scalar(at start: Int, style: Node.Scalar.Style, flow: Bool) -> ScalarSlot? {
        guard start < yamlEnd else { return nil }
        let c = bytes[start]
        if c == UInt8(ascii: "\"") {
            var q = start + 1
            while q < yamlEnd, bytes[q] != UInt8(ascii: "\"") {
                if bytes[q] == UInt8(ascii: "\\") { q += 1 }
                if q < yamlEnd, bytes[q] == 0x0a { return nil }
                q += 1
            }
            return q < yamlEnd ? ScalarSlot(range: start..<(q + 1), style: .doubleQuoted, flow: flow) : nil
        }
        if c == UInt8(ascii: "'") {
            var q = start + 1
            while q < yamlEnd {
                if bytes[q] == 0x0a { return nil }
                if bytes[q] == UInt8(ascii: "'") {
                    if q + 1 < yamlEnd, bytes[q + 1] == UInt8(ascii: "'") { q += 2; continue }
                    return ScalarSlot(range: start..<(q + 1), style: .singleQuoted, flow: flow)
                }
                q += 1
            }
            return nil
        }
        if style == .literal || style == .folded || c == UInt8(ascii: "|") || c == UInt8(ascii: ">") {
            return ScalarSlot(range: start..<start, style: .block, flow: flow)
        }
        var q = start
        while q < yamlEnd, bytes[q] != 0x0a {
            if bytes[q] == UInt8(ascii: "#"), q > start, bytes[q - 1] == 0x20 || bytes[q - 1] == 0x09 { break }
            if flow, bytes[q] == UInt8(ascii: ",") || bytes[q] == UInt8(ascii: "]") || bytes[q] == UInt8(ascii: "}") { break }
            q += 1
        }
        var end = q
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 || bytes[end - 1] == 0x0d { end -= 1 }
        // A plain scalar continued on the next line is not edited in place.
        if !flow, q < yamlEnd, bytes[q] == 0x0a {
            let next = q + 1
            let ownIndent = indent(ofLineAt: lineStart(start)) ?? 0
            if next < yamlEnd, let ind = indent(ofLineAt: next), ind > ownIndent,
               !isEntryLine(next) { return ScalarSlot(range: start..<end, style: .block, flow: flow) }
        }
        return ScalarSlot(range: start..<end, style: .plain, flow: flow)
    }

    /// True when the line at `start` is a comment, a `key:` entry or a `- ` item (not a continuation).
    func isEntryLine(_ start: Int) -> Bool {
        var q = start
        while q < yamlEnd, bytes[q] == 0x20 { q += 1 }
        guard q < yamlEnd else { return false }
        if bytes[q] == UInt8(ascii: "#") || bytes[q] == UInt8(ascii: "-") { return true }
        while q < yamlEnd, bytes[q] != 0x0a {
            if bytes[q] == UInt8(ascii: ":"), q + 1 >= yamlEnd || bytes[q + 1] == 0x20 || bytes[q + 1] == 0x0a { return true }
            q += 1
        }
        return false
    }

    /// `r` extended over the blank lines right after it (kept-chomping block scalars end in them).
    func extendingOverBlankLines(_ r: Range<Int>) -> Range<Int> {
        var end = r.upperBound
        while end < yamlEnd, indent(ofLineAt: end) == nil { end = lineEnd(end) }
        return r.lowerBound..<end
    }

    /// The entry for a key node and its value in a block or flow mapping.
    func entry(key: String, keyNode: Node, value: Node, flow: Bool) -> EntrySlot? {
        guard let keyStart = offset(keyNode.mark) else { return nil }
        let lineStart = lineStart(keyStart)
        var ownLine = true
        for q in lineStart..<keyStart where bytes[q] != 0x20 { ownLine = false }
        var column = 0
        var q = lineStart
        while q < keyStart { if bytes[q] & 0xc0 != 0x80 { column += 1 }; q += 1 }
        var slot: ScalarSlot?
        if case let .scalar(s) = value, let vs = offset(value.mark) {
            slot = scalar(at: vs, style: s.style, flow: flow)
        }
        // Block entries own their key line and every following line indented deeper than the key
        // (blank lines only when more of the entry follows).
        var end = lineEnd(keyStart)
        if !flow {
            // Comment lines end an entry unless its value is a block scalar (where they are text).
            var isBlockScalar = false
            if case let .scalar(s) = value { isBlockScalar = s.style == .literal || s.style == .folded }
            // A block sequence may sit at its key's own indentation (`key:` then `- item` lines).
            var isBlockSequence = false
            if case .sequence = value, let vs = offset(value.mark), vs < yamlEnd { isBlockSequence = bytes[vs] == UInt8(ascii: "-") }
            var p = end
            while p < yamlEnd {
                let next = lineEnd(p)
                if let ind = indent(ofLineAt: p) {
                    let c = bytes[p + ind]
                    let item = isBlockSequence && ind == column && c == UInt8(ascii: "-")
                    if !item && (ind <= column || !isBlockScalar && c == UInt8(ascii: "#")) { break }
                    end = next
                }
                p = next
            }
        }
        return EntrySlot(key: key, keyStart: keyStart, keyColumn: column, value: slot, lines: lineStart..<end,
                         ownLine: ownLine)
    }
}

extension NoteFileFormat {
    /// Formats `value` for a slot written in `style`: the same quoting when it can hold the value,
    /// plain when safe, else double quotes.
    static func yamlText(_ value: String, style: ScalarSlot.Style, flow: Bool) -> String {
        switch style {
        case .doubleQuoted: return doubleQuoted(value)
        case .singleQuoted where !value.contains("\n"): return "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
        default: return isPlainSafe(value, flow: flow) ? value : doubleQuoted(value)
        }
    }

    static func doubleQuoted(_ value: String) -> String {
        var out = "\""
        for u in value.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7f { out += "\\x" + (u.value < 16 ? "0" : "") + String(u.value, radix: 16) }
                else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    static func isPlainSafe(_ v: String, flow: Bool) -> Bool {
        guard let first = v.unicodeScalars.first, let last = v.unicodeScalars.last else { return false }
        if " \t".unicodeScalars.contains(first) || " \t:".unicodeScalars.contains(last) { return false }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) { return false }
        if v.contains(": ") || v.contains(" #") || v.contains("\n") || v.contains("\t") || v.contains("\r") { return false }
        if flow, v.contains(where: { ",[]{}".contains($0) }) { return false }
        let lower = v.lowercased()
        return !["null", "~", "true", "false", "yes", "no", "on", "off"].contains(lower)
    }

    /// The file text for `note` rewritten in place over `source`; nil when a change cannot be made in
    /// place (the anchors list grew or shrank, tags changed, a value is a multi-line block).
    static func renderInPlace(_ note: Note, _ source: NoteSource) -> String? {
        guard note.anchors.count == source.anchorFields.count, note.tags == source.tags else { return nil }
        var edits: [(range: Range<Int>, text: String)] = []
        func replace(_ entry: EntrySlot?, _ old: String?, _ new: String) -> Bool {
            guard let entry, let slot = entry.value, slot.style != .block else { return false }
            if old != new { edits.append((slot.range, yamlText(new, style: slot.style, flow: slot.flow))) }
            return true
        }
        func top(_ key: String) -> EntrySlot? { source.top.first { $0.key == key } }
        guard note.id.rawValue == source.id || replace(top("id"), source.id, note.id.rawValue),
              note.title == source.title || replace(top("title"), source.title, note.title) else { return nil }
        if note.release != source.release {
            if let e = top("release") {
                guard replace(e, source.release, note.release) else { return nil }
            } else {
                guard let after = top("title") ?? top("id"), !after.lines.isEmpty else { return nil }
                edits.append((after.lines.upperBound..<after.lines.upperBound,
                              String(repeating: " ", count: after.keyColumn) + "release: " + doubleQuoted(note.release) + "\n"))
            }
        }
        for (i, a) in note.anchors.enumerated() {
            let old = source.anchorFields[i], slots = source.anchors[i]
            let new = NoteSource.AnchorFields(symbol: a.symbol, file: a.file.rawValue, lines: a.lines?.description)
            for (key, o, n) in [("symbol", old.symbol, new.symbol), ("file", Optional(old.file), Optional(new.file)),
                                ("lines", old.lines, new.lines)] where o != n
            {
                switch (o, n) {
                case let (_?, n?):
                    guard replace(slots.entry(key), o, n) else { return nil }
                case (_?, nil):
                    guard let e = slots.entry(key), e.ownLine, !slots.flow else { return nil }
                    edits.append((e.lines, ""))
                case let (nil, n?):
                    // After the last of symbol / file / lines present, in the same style.
                    guard let last = ["symbol", "file", "lines"].compactMap({ slots.entry($0) }).max(by: { $0.keyStart < $1.keyStart }),
                          let v = last.value else { return nil }
                    if slots.flow {
                        edits.append((v.range.upperBound..<v.range.upperBound, ", \(key): " + yamlText(n, style: .plain, flow: true)))
                    } else {
                        guard !last.lines.isEmpty else { return nil }
                        edits.append((last.lines.upperBound..<last.lines.upperBound,
                                      String(repeating: " ", count: last.keyColumn) + "\(key): " + yamlText(n, style: .plain, flow: false) + "\n"))
                    }
                case (nil, nil): break
                }
            }
        }
        for r in source.legacy { edits.append((r, "")) }
        let body = Array(note.body.utf8)
        if body != Array(source.bytes[source.bodyStart...]) {
            edits.append((source.bodyStart..<source.bytes.count, note.body))
        }
        // Apply from the end; overlapping edits mean the layout is not one this editor understands.
        edits.sort { ($0.range.lowerBound, $0.range.upperBound) > ($1.range.lowerBound, $1.range.upperBound) }
        var bytes = source.bytes
        var limit = Int.max
        for e in edits {
            guard e.range.upperBound <= limit || e.range.isEmpty && e.range.lowerBound <= limit else { return nil }
            bytes.replaceSubrange(e.range, with: Array(e.text.utf8))
            limit = e.range.lowerBound
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
