// Anchor capture: turning a symbol or a line span plus the file's text into the evidence that lets
// re-anchoring find the same code in a later release.
import IndexModel

/// Records evidence for anchors. Pure: it reads only the values passed in.
public enum AnchorCapture {
    /// Lines of context kept before and after a quote.
    public static let contextLines = 3
    /// Lines quoted for a whole-symbol anchor (its first lines).
    public static let symbolQuoteLines = 6
    /// Size of the body sketch (bottom-k of the distinct informative line fingerprints).
    public static let sketchSize = 32

    /// Problems capture can meet.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The lines lie outside the file or outside the symbol.
        case linesOutside(LineSpan, String)
        public var description: String {
            switch self {
            case let .linesOutside(span, what): "lines \(span) are outside \(what)"
            }
        }
    }

    /// Evidence for a symbol anchor (lines nil) or a snippet inside `symbol` (lines given, which must lie
    /// inside the symbol). `fileText` is the text of `symbol.file`.
    public static func capture(symbol: Symbol, lines: LineSpan? = nil, fileText: String) throws -> NoteAnchor {
        let table = LineTable(text: fileText)
        return try capture(symbol: symbol, lines: lines, table: table)
    }

    static func capture(symbol: Symbol, lines: LineSpan?, table: LineTable) throws -> NoteAnchor {
        let symLines = clampedSpan(symbol.range.lines, table)
        if let lines, lines.start < symLines.start || lines.end > symLines.end {
            throw Failure.linesOutside(lines, "\(symbol.qualifiedName) (\(symLines))")
        }
        var e = quoteEvidence(lines ?? LineSpan(symLines.start, min(symLines.end, symLines.start + symbolQuoteLines - 1)),
                              table: table)
        e.kind = symbol.kind.rawValue
        e.signature = symbol.signature.isEmpty ? "" : Fingerprint.line(symbol.signature[...])
        e.symbolLines = symLines
        if let lines { e.offset = lines.start - symLines.start }
        let body = table.slice(symLines.range)
        e.bodyHash = Fingerprint.block(body)
        (e.bodySketch, e.bodyLines) = sketch(of: symLines, in: table)
        return NoteAnchor(symbol: symbol.qualifiedName, file: symbol.file, lines: lines, evidence: e)
    }

    /// Evidence for a file anchor (lines nil: the first lines are quoted) or a snippet of a file with no
    /// enclosing symbol.
    public static func capture(file: RepoPath, lines: LineSpan?, fileText: String) throws -> NoteAnchor {
        let table = LineTable(text: fileText)
        if let lines, lines.end > table.count { throw Failure.linesOutside(lines, "\(file) (\(table.count) lines)") }
        var e = quoteEvidence(lines ?? LineSpan(1, max(1, min(table.count, symbolQuoteLines))), table: table)
        if lines == nil {
            e.bodyHash = Fingerprint.block(table.lines[...])
            (e.bodySketch, e.bodyLines) = sketch(of: LineSpan(1, max(1, table.count)), in: table)
        }
        return NoteAnchor(symbol: nil, file: file, lines: lines, evidence: e)
    }

    static func clampedSpan(_ r: ClosedRange<Int>, _ table: LineTable) -> LineSpan {
        let hi = max(1, min(r.upperBound, table.count))
        return LineSpan(min(max(1, r.lowerBound), hi), hi)
    }

    static func quoteEvidence(_ span: LineSpan, table: LineTable) -> AnchorEvidence {
        var e = AnchorEvidence()
        let quoted = table.slice(span.range)
        e.lineHashes = quoted.map { Fingerprint.line($0) }
        e.lineGrams = quoted.map { Fingerprint.grams($0) }
        e.contextBefore = table.slice((span.start - contextLines)...(span.start - 1)).map { Fingerprint.line($0) }
        e.contextAfter = table.slice((span.end + 1)...(span.end + contextLines)).map { Fingerprint.line($0) }
        return e
    }

    /// Bottom-k sketch: the `sketchSize` smallest distinct fingerprints of informative lines, and the
    /// number of distinct informative lines.
    static func sketch(of span: LineSpan, in table: LineTable) -> ([String], Int) {
        let set = informativeSet(span, table)
        return (set.sorted().prefix(sketchSize).map { Fingerprint.hex($0) }, set.count)
    }

    static func informativeSet(_ span: LineSpan, _ table: LineTable) -> Set<UInt64> {
        var set = Set<UInt64>()
        let lo = max(1, span.start), hi = min(table.count, span.end)
        guard lo <= hi else { return set }
        for i in (lo - 1)...(hi - 1) where !table.trivial[i] { set.insert(table.hashes[i]) }
        return set
    }
}
