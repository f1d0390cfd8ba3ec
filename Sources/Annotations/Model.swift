// The note model: what a note file says, as Swift values. Reading and writing live in FrontMatter.swift.
import IndexModel

/// A note's stable identifier: lower-case letters, digits and `-`.
public struct NoteID: RawRepresentable, Hashable, Codable, Sendable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { self.rawValue = raw }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (a: NoteID, b: NoteID) -> Bool { a.rawValue < b.rawValue }

    /// True when the identifier uses only `[a-z0-9-]` and is not empty.
    public var isWellFormed: Bool {
        !rawValue.isEmpty && rawValue.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2d }
    }
}

/// A 1-based inclusive line range, written `200-231` (or `200` for one line).
public struct LineSpan: Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    public var start: Int
    public var end: Int
    public init(_ start: Int, _ end: Int) { self.start = start; self.end = max(start, end) }
    public init(_ range: ClosedRange<Int>) { self.init(range.lowerBound, range.upperBound) }

    /// Parses `A-B` or `A`; nil when malformed, non-positive, or reversed.
    public init?(parsing text: String) {
        let parts = text.trimmingCharacters(in: " \t").split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2,
              let a = Int(parts[0]), let b = Int(parts.count == 2 ? parts[1] : parts[0]),
              a >= 1, b >= a else { return nil }
        self.init(a, b)
    }

    public var description: String { start == end ? "\(start)" : "\(start)-\(end)" }
    public var range: ClosedRange<Int> { start...end }
    public var count: Int { end - start + 1 }
    public static func < (a: LineSpan, b: LineSpan) -> Bool { (a.start, a.end) < (b.start, b.end) }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = self[...]
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

/// What `notes capture` records about the code an anchor points at, so that the anchor can be found
/// again in a later release. It lives in the notes directory's lock file (`notes.lock`, see
/// `EvidenceLock`), never in the note, and holds fingerprints only: no text of the anchored code.
public struct AnchorEvidence: Hashable, Codable, Sendable {
    /// The symbol's kind (`function`, `kernel`, ...), "" for file anchors.
    public var kind: String
    /// Fingerprint of the symbol's signature as the indexer reported it ("" when none).
    public var signature: String
    /// Fingerprints of each anchored line (snippets) or of the symbol's first lines.
    public var lineHashes: [String]
    /// Per anchored line: `-` for a line too plain to identify code, else a 64-hex-digit sketch of its
    /// character pairs (32 one-byte min-hashes) that estimates how similar an edited line is.
    public var lineGrams: [String]
    /// Fingerprints of up to `AnchorCapture.contextLines` lines before / after the anchored lines.
    public var contextBefore: [String]
    public var contextAfter: [String]
    /// Fingerprint of the whole symbol body (normalized, see `Fingerprint.block`); "" for file anchors.
    public var bodyHash: String
    /// The enclosing symbol's lines when captured (the last known location of the symbol).
    public var symbolLines: LineSpan?
    /// For snippets: the snippet's first line minus the symbol's first line.
    public var offset: Int?
    /// Bottom-k sketch of the body's distinct informative line fingerprints, for similarity search.
    public var bodySketch: [String]
    /// Number of distinct informative lines in the body (the sketch's population).
    public var bodyLines: Int

    public init(kind: String = "", signature: String = "", lineHashes: [String] = [], lineGrams: [String] = [],
                contextBefore: [String] = [], contextAfter: [String] = [], bodyHash: String = "",
                symbolLines: LineSpan? = nil, offset: Int? = nil, bodySketch: [String] = [], bodyLines: Int = 0)
    {
        self.kind = kind
        self.signature = signature
        self.lineHashes = lineHashes
        self.lineGrams = lineGrams
        self.contextBefore = contextBefore
        self.contextAfter = contextAfter
        self.bodyHash = bodyHash
        self.symbolLines = symbolLines
        self.offset = offset
        self.bodySketch = bodySketch
        self.bodyLines = bodyLines
    }
}

/// Where a note points: a symbol, a snippet inside a symbol or file, a file, or a directory.
public struct NoteAnchor: Hashable, Codable, Sendable {
    /// Qualified name (Python dotted, C++ `ns::name`); nil for file and directory anchors.
    public var symbol: String?
    /// Path relative to the checkout; a trailing `/` marks a directory.
    public var file: RepoPath
    /// A snippet's lines (1-based inclusive); nil means the whole symbol (or file).
    public var lines: LineSpan?
    /// Captured evidence (from the lock file); nil until `notes capture` ran. Not part of the note file.
    public var evidence: AnchorEvidence?
    /// The release `evidence` was captured in, when known (lock file).
    public var evidenceRelease: String?
    /// Whether a person must check the note against this anchor's code (lock file); nil: never asked.
    public var review: ReviewState?
    /// Why a review is needed, or when it was checked, in words.
    public var reviewNote: String?

    /// True when the note's prose was written for code that has changed since and no one checked it.
    public var needsReview: Bool { review == .needed }

    public init(symbol: String? = nil, file: RepoPath, lines: LineSpan? = nil, evidence: AnchorEvidence? = nil) {
        self.symbol = symbol
        self.file = file
        self.lines = lines
        self.evidence = evidence
    }

    /// True for a directory anchor (`vllm/core/`).
    public var isDirectory: Bool { file.rawValue.hasSuffix("/") }

    /// What sort of anchor this is.
    public var form: Form {
        if isDirectory { return .directory }
        switch (symbol, lines) {
        case (nil, nil): return .file
        case (_, .some): return .snippet
        case (.some, nil): return .symbol
        }
    }

    /// The sorts of anchor.
    public enum Form: String, Codable, Sendable { case symbol, snippet, file, directory }
}

/// A place an anchor could go, with its score (0...1).
public struct AnchorCandidate: Hashable, Codable, Sendable, CustomStringConvertible {
    public var file: RepoPath
    public var lines: LineSpan
    public var symbol: String?
    public var score: Double
    public init(file: RepoPath, lines: LineSpan, symbol: String?, score: Double) {
        self.file = file
        self.lines = lines
        self.symbol = symbol
        self.score = score
    }
    public var description: String {
        "\(file):\(lines)" + (symbol.map { " \($0)" } ?? "") + " (\(formatScore(score)))"
    }
}

func formatScore(_ x: Double) -> String {
    let r = (x * 100).rounded() / 100
    var s = String(r)
    if s.hasSuffix(".0") { s.removeLast(2) }
    return s
}

/// What migrate records about one anchor in a note's `status:` list.
public struct AnchorStatusRecord: Hashable, Codable, Sendable {
    /// Index of the anchor in the note's `anchors:` list.
    public var anchor: Int
    /// The release the anchor was checked against.
    public var release: String
    public var status: AnchorStatus
    public var confidence: Double
    /// Signals that agreed / disagreed (`qualified name`, `body hash`, `quote exact`, `context`, ...).
    public var agreed: [String]
    public var disagreed: [String]
    /// Up to three candidates (ambiguous) or one low-confidence suggestion (orphaned).
    public var candidates: [AnchorCandidate]

    public init(anchor: Int, release: String, status: AnchorStatus, confidence: Double, agreed: [String] = [],
                disagreed: [String] = [], candidates: [AnchorCandidate] = [])
    {
        self.anchor = anchor
        self.release = release
        self.status = status
        self.confidence = confidence
        self.agreed = agreed
        self.disagreed = disagreed
        self.candidates = candidates
    }
}

/// One study note: front matter plus a Markdown body kept byte for byte.
public struct Note: Sendable {
    public var id: NoteID
    public var title: String
    /// The vLLM release the anchors were written (or last migrated) against.
    public var release: String
    public var tags: [String]
    public var anchors: [NoteAnchor]
    /// Written by migrate; empty otherwise.
    public var status: [AnchorStatusRecord]
    /// The Markdown after the closing `---` line, byte-identical to the file.
    public var body: String
    /// Path of the note file relative to the notes directory (`kernels/pa-v1.md`).
    public var path: String
    /// Front matter keys Marginalia does not know, kept in order so a rewrite keeps them.
    var extra: [(key: String, yaml: String)]
    /// The file as read, so a rewrite changes only the fields that changed (nil for new notes).
    var source: NoteSource?
    /// True when the front matter carries evidence or status an earlier version wrote there (the next
    /// save moves it to the lock file).
    public var hasLegacyFrontMatter: Bool { !(source?.legacy.isEmpty ?? true) }

    public init(id: NoteID, title: String, release: String = "", tags: [String] = [], anchors: [NoteAnchor] = [],
                status: [AnchorStatusRecord] = [], body: String = "", path: String = "")
    {
        self.id = id
        self.title = title
        self.release = release
        self.tags = tags
        self.anchors = anchors
        self.status = status
        self.body = body
        self.path = path
        self.extra = []
        self.source = nil
    }
}

/// A guided walk through notes and code, from `Annotations/tours/*.yaml`.
public struct Tour: Hashable, Codable, Sendable {
    /// One stop: a note, or a piece of code with a short text.
    public enum Step: Hashable, Codable, Sendable {
        case note(NoteID)
        case code(symbol: String?, file: RepoPath?, lines: LineSpan?, text: String)
    }
    public var id: String
    public var title: String
    /// The vLLM release the steps were written against ("" when the tour does not say).
    public var release: String = ""
    public var steps: [Step]
    /// Path relative to the notes directory.
    public var path: String
    public init(id: String, title: String, steps: [Step], path: String) {
        self.id = id
        self.title = title
        self.steps = steps
        self.path = path
    }
}
