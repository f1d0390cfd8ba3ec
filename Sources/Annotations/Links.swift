// Resolving `[[...]]` links against the symbols of a release, with "did you mean" suggestions.
import IndexModel

/// Where a symbol link points.
public struct LinkTarget: Hashable, Codable, Sendable {
    public var qualifiedName: String
    public var file: RepoPath
    public var line: Int
    public var kind: SymbolKind
    public init(qualifiedName: String, file: RepoPath, line: Int, kind: SymbolKind) {
        self.qualifiedName = qualifiedName
        self.file = file
        self.line = line
        self.kind = kind
    }
}

/// How Annotations looks symbols up. The store conforms (higher module); `SymbolTable` is the
/// in-memory version.
public protocol SymbolLookup {
    /// Symbols whose qualified name is `name`, or ends with `.name` or `::name` (a unique suffix).
    func symbols(matching name: String) -> [LinkTarget]
    /// Qualified names worth comparing with `name` for near-miss suggestions (may be all names).
    func suggestionCandidates(for name: String) -> [String]
}

/// A `SymbolLookup` over an array of symbols.
public struct SymbolTable: SymbolLookup, Sendable {
    var byQN: [String: [LinkTarget]] = [:]
    var byLast: [String: [String]] = [:]
    let names: [String]

    public init(symbols: [Symbol]) {
        for s in symbols where s.kind != .external {
            let t = LinkTarget(qualifiedName: s.qualifiedName, file: s.file, line: s.range.start.line, kind: s.kind)
            byQN[s.qualifiedName, default: []].append(t)
        }
        names = byQN.keys.sorted()
        for n in names { byLast[Reanchorer.lastComponent(n), default: []].append(n) }
    }

    public func symbols(matching name: String) -> [LinkTarget] {
        if let exact = byQN[name] { return exact }
        let last = Reanchorer.lastComponent(name)
        return (byLast[last] ?? []).filter { $0.hasSuffix("." + name) || $0.hasSuffix("::" + name) || $0 == name }
            .flatMap { byQN[$0] ?? [] }
    }

    public func suggestionCandidates(for name: String) -> [String] { names }
}

/// What a link resolves to.
public enum LinkResolution: Hashable, Sendable {
    case symbol(LinkTarget)
    case note(NoteID)
    /// Several symbols share the suffix; the link must be more specific.
    case ambiguous([LinkTarget])
    /// Nothing matches; `suggestions` are the nearest names (best first, at most three).
    case unknown(suggestions: [String])
}

/// Resolves links of notes against a symbol lookup and the loaded notes.
public struct LinkResolver {
    public let lookup: any SymbolLookup
    public let notes: Set<NoteID>

    public init(lookup: any SymbolLookup, notes: [NoteID]) {
        self.lookup = lookup
        self.notes = Set(notes)
    }

    public func resolve(_ link: WikiLink) -> LinkResolution {
        if let id = link.noteID {
            if notes.contains(id) { return .note(id) }
            return .unknown(suggestions: NearMiss.best(for: id.rawValue, among: notes.map(\.rawValue), limit: 3))
        }
        let hits = lookup.symbols(matching: link.target)
        // The same qualified name defined twice (overloads, .py and .pyi) still names one thing.
        if let first = hits.first, hits.allSatisfy({ $0.qualifiedName == first.qualifiedName }) {
            return .symbol(hits.min { ($0.file, $0.line) < ($1.file, $1.line) }!)
        }
        if !hits.isEmpty { return .ambiguous(hits.sorted { ($0.qualifiedName, $0.file) < ($1.qualifiedName, $1.file) }) }
        return .unknown(suggestions: NearMiss.best(for: link.target, among: lookup.suggestionCandidates(for: link.target), limit: 3))
    }

    /// Diagnostics for the unknown and ambiguous links in `note` (file = the note's display path).
    public func check(_ note: Note, displayPath: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let bodyLine = bodyStartLine(note)
        for (link, line) in linksWithLines(note.body) {
            switch resolve(link) {
            case .symbol, .note: continue
            case let .ambiguous(targets):
                out.append(Diagnostic(file: RepoPath(displayPath), line: bodyLine + line - 1, severity: .warning,
                                      message: "link [[\(link.target)]] is ambiguous: \(targets.prefix(3).map(\.qualifiedName).joined(separator: ", "))"))
            case let .unknown(suggestions):
                let hint = suggestions.isEmpty ? "" : "; did you mean " + suggestions.map { "[[\($0)]]" }.joined(separator: ", ") + "?"
                out.append(Diagnostic(file: RepoPath(displayPath), line: bodyLine + line - 1, severity: .warning,
                                      message: "unknown link [[\(link.target)]]\(hint)"))
            }
        }
        return out
    }

    func bodyStartLine(_ note: Note) -> Int {
        let text = NoteFileFormat.render(note)
        return text.utf8.count > note.body.utf8.count
            ? text.prefix(text.count - note.body.count).filter { $0 == "\n" }.count + 1 : 1
    }

    /// Links (outside code) with the 1-based body line they are written on.
    func linksWithLines(_ body: String) -> [(WikiLink, Int)] {
        let links = MarkdownRenderer.links(in: body)
        var out: [(WikiLink, Int)] = []
        var searchFrom = body.startIndex
        for link in links {
            if let r = body.range(of: "[[" + link.target, range: searchFrom..<body.endIndex) {
                out.append((link, body[..<r.lowerBound].filter { $0 == "\n" }.count + 1))
                searchFrom = r.upperBound
            } else {
                out.append((link, 1))
            }
        }
        return out
    }
}
