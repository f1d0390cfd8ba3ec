// The notes commands' plumbing: snapshots of an indexed release for the Annotations module, and
// `notes add` / `list` / `show`.
import Annotations
import Foundation
import IndexDatabase
import IndexModel

/// The store as the notes module's symbol look-up (links in note bodies).
public struct StoreSymbolLookup: SymbolLookup {
    let table: SymbolTable
    public init(store: IndexStore) throws { table = SymbolTable(symbols: try store.allSymbols()) }
    public func symbols(matching name: String) -> [LinkTarget] { table.symbols(matching: name) }
    public func suggestionCandidates(for name: String) -> [String] { table.suggestionCandidates(for: name) }
}

public enum NotesService {
    /// The release an index describes, as the re-anchoring engine reads it.
    public static func snapshot(store: IndexStore) throws -> ReleaseSnapshot {
        guard let root = try store.meta("root") else {
            throw UserError("marginalia: the index \(store.path) records no checkout root; index it again")
        }
        return ReleaseSnapshot(release: try store.meta("release") ?? "", symbols: try store.allSymbols(),
                               checkout: DirectoryCheckout(root: URL(fileURLWithPath: root)))
    }

    /// The index of `checkout`, built first when there is none (or when `refresh` asks).
    public static func indexedStore(checkout: String, database: String?, progress: ProgressSink) throws -> IndexStore {
        let scanner = try CheckoutScanner(root: checkout)
        let db = database ?? IndexLocation.defaultIndex(forCheckout: scanner.root)
        let fresh = !FileManager.default.fileExists(atPath: db)
        if fresh { _ = try IndexPipeline(root: checkout, database: db, progress: progress).run() }
        return try IndexStore(path: db, readOnly: true)
    }

    /// The symbols of the release the notes were written against, when an index of it is at hand
    /// (a fetched release in the cache that was indexed): it keeps re-anchoring from moving a note
    /// onto code that carries another symbol's name over.
    public static func previousSymbols(release: String) -> [Symbol]? {
        previousSnapshot(release: release)?.symbols
    }

    /// The release the notes were written against as a snapshot (symbols and files), when its
    /// checkout is in the cache and indexed: anchors are validated and evidence captured against it.
    public static func previousSnapshot(release: String) -> ReleaseSnapshot? {
        guard !release.isEmpty else { return nil }
        let root = IndexLocation.cacheDirectory.appendingPathComponent("vllm/vllm-\(release)")
        let db = IndexLocation.defaultIndex(forCheckout: root)
        guard FileManager.default.fileExists(atPath: db), let store = try? IndexStore(path: db, readOnly: true),
              let symbols = try? store.allSymbols() else {
            return nil
        }
        return ReleaseSnapshot(release: release, symbols: symbols, checkout: DirectoryCheckout(root: root))
    }

    /// `notes add`: a new note file whose anchor is captured from the index; returns its path.
    /// `target` is a symbol name (qualified or unique suffix) or `FILE:START-END`.
    public static func add(target: String, title: String?, tags: [String], notes: URL, store: IndexStore) throws -> String {
        let snapshot = try snapshot(store: store)
        var anchor: NoteAnchor
        var defaultTitle: String
        if let (file, span) = parseFileSpan(target) {
            guard let text = snapshot.checkout.text(of: file) else {
                throw UserError("marginalia: no file \(file) in the indexed checkout")
            }
            let enclosing = try store.symbols(inFile: file)
                .filter { $0.kind.isCallable || $0.kind == .class || $0.kind == .struct }
                .filter { $0.range.start.line <= span.start && $0.range.end.line >= span.end }
                .min { $0.range.end.line - $0.range.start.line < $1.range.end.line - $1.range.start.line }
            if let sym = enclosing {
                anchor = try AnchorCapture.capture(symbol: sym, lines: span, fileText: text)
            } else {
                anchor = try AnchorCapture.capture(file: file, lines: span, fileText: text)
            }
            defaultTitle = "\(file.fileName) lines \(span.start)-\(span.end)"
        } else {
            let syms = try SymbolQueries(store: store).resolve(target)
            guard syms.count == 1 || Set(syms.map(\.file)).count == 1, let sym = syms.first else {
                let list = syms.map { "  \($0.qualifiedName) \($0.file):\($0.range.start.line)" }.joined(separator: "\n")
                throw UserError("marginalia: '\(target)' has \(syms.count) definitions; anchor one by FILE:START-END:\n\(list)")
            }
            guard let text = snapshot.checkout.text(of: sym.file) else {
                throw UserError("marginalia: cannot read \(sym.file)")
            }
            anchor = try AnchorCapture.capture(symbol: sym, lines: nil, fileText: text)
            defaultTitle = sym.qualifiedName
        }
        anchor.evidenceRelease = snapshot.release
        let finalTitle = title ?? defaultTitle
        let directory = NoteDirectory(root: notes)
        let existing = Set(directory.load().notes.map(\.id.rawValue))
        var base = slug(finalTitle)
        if base.isEmpty { base = "note" }
        var id = base
        var n = 2
        while existing.contains(id) { id = "\(base)-\(n)"; n += 1 }
        let note = Note(id: NoteID(rawValue: id), title: finalTitle, release: snapshot.release, tags: tags,
                        anchors: [anchor], status: [], body: "\nWrite the note here.\n", path: "\(id).md")
        try directory.save([note])
        return notes.appendingPathComponent("\(id).md").path
    }

    static func parseFileSpan(_ s: String) -> (RepoPath, LineSpan)? {
        guard let colon = s.lastIndex(of: ":") else { return nil }
        let spec = s[s.index(after: colon)...]
        guard let span = LineSpan(parsing: String(spec)) else { return nil }
        return (RepoPath(String(s[..<colon])), span)
    }

    static func slug(_ s: String) -> String {
        var out = ""
        var dash = false
        for ch in s.lowercased() {
            if ch.isASCII && (ch.isLetter || ch.isNumber) {
                out.append(ch)
                dash = false
            } else if !dash && !out.isEmpty {
                out.append("-")
                dash = true
            }
            if out.count >= 60 { break }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out
    }

    /// `notes list`, optionally filtered by tag or by a symbol an anchor names (suffix match).
    public static func list(_ set: NoteSet, tag: String?, symbol: String?) -> [Note] {
        set.notes.filter { n in
            (tag == nil || n.tags.contains(tag!))
                && (symbol == nil || n.anchors.contains { a in
                    guard let q = a.symbol else { return false }
                    return q == symbol! || q.hasSuffix("." + symbol!) || q.hasSuffix("::" + symbol!)
                })
        }.sorted { $0.id.rawValue < $1.id.rawValue }
    }

    public static func anchorText(_ a: NoteAnchor) -> String {
        var s = a.symbol.map { "\($0) " } ?? ""
        s += a.file.rawValue
        if let l = a.lines { s += ":\(l.start)-\(l.end)" }
        return s
    }

    public static func listJSON(_ notes: [Note]) -> String {
        let arr: [[String: Any]] = notes.map { n in
            ["id": n.id.rawValue, "title": n.title,
             "anchors": n.anchors.map { a -> [String: Any] in
                 var o: [String: Any] = ["file": a.file.rawValue, "needs_review": a.needsReview]
                 if let s = a.symbol { o["symbol"] = s }
                 if let l = a.lines { o["start"] = l.start; o["end"] = l.end }
                 return o
             }]
        }
        return SymbolJSON.encode(arr)
    }
}
