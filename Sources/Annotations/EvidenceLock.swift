// The lock file: the machine state of a notes directory (`notes.lock` at its root), written only by
// the tool. It holds, per note and anchor, the fingerprints `notes capture` took, the last re-anchoring
// outcome and the anchor's review state, so that note files stay what people write: id, title, release,
// tags, anchors (symbol, file, lines) and the body. It holds no text of the anchored code.
import Foundation
import IndexModel

/// Whether a person has checked a note's prose against its anchor's current code.
public enum ReviewState: String, Codable, Sendable {
    /// The code changed under the note (edited, moved to another file, renamed, split, merged) and no
    /// one has said the note still holds.
    case needed
    /// `notes review` (or `migrate --accept`) recorded that a person checked it.
    case checked
}

/// The lock file's contents.
public struct EvidenceLock: Codable, Sendable, Equatable {
    public static let fileName = "notes.lock"
    public static let currentVersion = 1

    /// One anchor's machine state, keyed by the anchor it was recorded for.
    public struct Entry: Codable, Sendable, Equatable {
        public var symbol: String?
        public var file: String
        public var lines: String?
        /// The release the evidence was captured in.
        public var release: String
        public var evidence: AnchorEvidence?
        /// The last `notes migrate` outcome for this anchor.
        public var status: AnchorStatusRecord?
        public var review: ReviewState?
        /// Why a review is needed (`edited in 0.7.3`), or who/when it was checked, in words.
        public var reviewNote: String?

        func matches(_ a: NoteAnchor) -> Bool {
            symbol == a.symbol && file == a.file.rawValue && lines == a.lines?.description
        }
    }

    public var about: String
    public var version: Int
    /// Note id -> its anchors' entries, in anchor order.
    public var notes: [String: [Entry]]

    public init(notes: [String: [Entry]] = [:]) {
        about = "Written by marginalia (notes capture, migrate, review); do not edit. Fingerprints of the anchored code (FNV-1a of whitespace-free lines, min-hash sketches), never its text."
        version = Self.currentVersion
        self.notes = notes
    }

    /// Reads `notes.lock` under `root`; an empty lock when there is none.
    public static func read(in root: URL) throws -> EvidenceLock {
        let url = root.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return EvidenceLock() }
        do {
            let lock = try JSONDecoder().decode(EvidenceLock.self, from: data)
            guard lock.version <= currentVersion else {
                throw LockError(message: "\(fileName) has version \(lock.version); this marginalia reads version \(currentVersion) or older")
            }
            return lock
        } catch let e as LockError {
            throw e
        } catch {
            throw LockError(message: "\(fileName) is not a lock file marginalia wrote (\(error)); move it away and run notes capture")
        }
    }

    struct LockError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// The file text: sorted keys, one field per line, so that the same state always gives the same bytes.
    public func text() -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? enc.encode(self)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }

    /// Attaches the lock's evidence, status and review state to the notes' anchors. An entry belongs to
    /// the anchor with the same symbol, file and lines, so editing an anchor in the note leaves its stale
    /// evidence behind (it is captured again on first use).
    func apply(to notes: inout [Note]) {
        for k in notes.indices {
            guard let entries = self.notes[notes[k].id.rawValue] else { continue }
            var used = Set<Int>()
            var status: [AnchorStatusRecord] = []
            for (i, a) in notes[k].anchors.enumerated() {
                // Same index first, then any unused entry for the same anchor.
                let pick = (i < entries.count && entries[i].matches(a)) ? i
                    : entries.indices.first { !used.contains($0) && entries[$0].matches(a) }
                guard let j = pick, !used.contains(j) else { continue }
                used.insert(j)
                let e = entries[j]
                if notes[k].anchors[i].evidence == nil {
                    notes[k].anchors[i].evidence = e.evidence
                    notes[k].anchors[i].evidenceRelease = e.release
                }
                notes[k].anchors[i].review = e.review
                notes[k].anchors[i].reviewNote = e.reviewNote
                if var r = e.status {
                    r.anchor = i
                    status.append(r)
                }
            }
            if notes[k].status.isEmpty { notes[k].status = status }
        }
    }

    /// Replaces the entries of `notes` with their current anchors' evidence, status and review state.
    mutating func record(_ notes: [Note]) {
        for n in notes {
            var entries: [Entry] = []
            for (i, a) in n.anchors.enumerated() {
                let r = n.status.first { $0.anchor == i }
                guard a.evidence != nil || r != nil || a.review != nil else { continue }
                entries.append(Entry(symbol: a.symbol, file: a.file.rawValue, lines: a.lines?.description,
                                     release: a.evidenceRelease ?? n.release, evidence: a.evidence, status: r,
                                     review: a.review, reviewNote: a.reviewNote))
            }
            if entries.isEmpty { self.notes.removeValue(forKey: n.id.rawValue) } else { self.notes[n.id.rawValue] = entries }
        }
    }
}

extension AnchorEvidence {
    enum CodingKeys: String, CodingKey {
        case kind, signature, lineHashes = "lines", lineGrams = "grams", contextBefore = "before", contextAfter = "after"
        case bodyHash = "body", symbolLines = "symbolLines", offset, bodySketch = "sketch", bodyLines = "bodyLines"
    }

    /// Lists of fingerprints are written as one space-separated string each: one line per field.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if !kind.isEmpty { try c.encode(kind, forKey: .kind) }
        if !signature.isEmpty { try c.encode(signature, forKey: .signature) }
        try c.encode(lineHashes.joined(separator: " "), forKey: .lineHashes)
        try c.encode(lineGrams.joined(separator: " "), forKey: .lineGrams)
        try c.encode(contextBefore.joined(separator: " "), forKey: .contextBefore)
        try c.encode(contextAfter.joined(separator: " "), forKey: .contextAfter)
        if !bodyHash.isEmpty { try c.encode(bodyHash, forKey: .bodyHash) }
        if let s = symbolLines { try c.encode(s.description, forKey: .symbolLines) }
        if let o = offset { try c.encode(o, forKey: .offset) }
        if !bodySketch.isEmpty { try c.encode(bodySketch.joined(separator: " "), forKey: .bodySketch) }
        if bodyLines != 0 { try c.encode(bodyLines, forKey: .bodyLines) }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func list(_ k: CodingKeys) throws -> [String] {
            (try c.decodeIfPresent(String.self, forKey: k) ?? "").split(separator: " ").map(String.init)
        }
        self.init(kind: try c.decodeIfPresent(String.self, forKey: .kind) ?? "",
                  signature: try c.decodeIfPresent(String.self, forKey: .signature) ?? "",
                  lineHashes: try list(.lineHashes), lineGrams: try list(.lineGrams),
                  contextBefore: try list(.contextBefore), contextAfter: try list(.contextAfter),
                  bodyHash: try c.decodeIfPresent(String.self, forKey: .bodyHash) ?? "",
                  symbolLines: try c.decodeIfPresent(String.self, forKey: .symbolLines).flatMap { LineSpan(parsing: $0) },
                  offset: try c.decodeIfPresent(Int.self, forKey: .offset),
                  bodySketch: try list(.bodySketch), bodyLines: try c.decodeIfPresent(Int.self, forKey: .bodyLines) ?? 0)
    }
}
