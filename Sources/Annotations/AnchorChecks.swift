// Anchor validation and evidence on first use: every anchor is checked against the release its note
// was written for (file exists, symbol defined in it, lines inside the symbol), and anchors without
// evidence in the lock file get it captured from that release in memory, or a diagnostic naming the
// command to run.
import IndexModel

/// Checks anchors against a release and captures missing evidence.
public struct AnchorChecker {
    /// The release the notes are written against, when it is at hand.
    let snapshot: ReleaseSnapshot
    var byQN: [String: [Symbol]] = [:]
    var byFile: [RepoPath: [Symbol]] = [:]
    let table: SymbolTable

    public init(snapshot: ReleaseSnapshot) {
        self.snapshot = snapshot
        for s in snapshot.symbols {
            byQN[s.qualifiedName, default: []].append(s)
            byFile[s.file, default: []].append(s)
        }
        table = SymbolTable(symbols: snapshot.symbols)
    }

    /// The problem with `a` in this release, nil when the anchor is sound.
    public func problem(_ a: NoteAnchor) -> String? {
        if a.isDirectory {
            return snapshot.checkout.isDirectory(RepoPath(String(a.file.rawValue.dropLast()))) ? nil
                : "no directory \(a.file) in \(snapshot.release)"
        }
        guard let text = snapshot.checkout.text(of: a.file) else {
            let near = NearMiss.best(for: a.file.rawValue, among: Array(Set(snapshot.symbols.map(\.file.rawValue))), limit: 2)
            return "no file \(a.file) in \(snapshot.release)" + (near.isEmpty ? "" : "; did you mean \(near.joined(separator: ", "))?")
        }
        guard let qn = a.symbol else {
            if let l = a.lines {
                let count = LineTable(text: text).count
                if l.end > count { return "lines \(l) are outside \(a.file) (\(count) lines)" }
            }
            return nil
        }
        let defs = (byQN[qn] ?? []).filter { $0.file == a.file }
        guard !defs.isEmpty else {
            let elsewhere = Set((byQN[qn] ?? []).map(\.file.rawValue)).sorted()
            if !elsewhere.isEmpty { return "\(qn) is not defined in \(a.file) but in \(elsewhere.prefix(3).joined(separator: ", "))" }
            // Names defined in that file first: a typo is nearly always of one of them.
            let local = Array(Set(byFile[a.file]?.map(\.qualifiedName) ?? [])).sorted()
            var near = NearMiss.best(for: qn, among: local, limit: 3)
            if near.isEmpty { near = NearMiss.best(for: qn, among: table.suggestionCandidates(for: qn), limit: 3) }
            return "no symbol \(qn) in \(a.file) (\(snapshot.release))" + (near.isEmpty ? "" : "; did you mean \(near.joined(separator: ", "))?")
        }
        if let l = a.lines, !defs.contains(where: { $0.range.lines.contains(l.start) && $0.range.lines.contains(l.end) }) {
            let spans = defs.map { "\($0.range.start.line)-\($0.range.end.line)" }.joined(separator: ", ")
            return "lines \(l) are outside \(qn) (lines \(spans))"
        }
        return nil
    }

    /// Fresh evidence for a sound anchor; nil for directory anchors and unsound ones.
    public func capture(_ a: NoteAnchor) -> NoteAnchor? {
        guard !a.isDirectory, problem(a) == nil, let text = snapshot.checkout.text(of: a.file) else { return nil }
        var out: NoteAnchor?
        if let qn = a.symbol {
            let defs = (byQN[qn] ?? []).filter { $0.file == a.file }
            let s = defs.first { c in a.lines.map { c.range.lines.contains($0.start) } ?? true } ?? defs.first
            out = s.flatMap { try? AnchorCapture.capture(symbol: $0, lines: a.lines, fileText: text) }
        } else {
            out = try? AnchorCapture.capture(file: a.file, lines: a.lines, fileText: text)
        }
        guard var fresh = out else { return nil }
        fresh.evidenceRelease = snapshot.release
        fresh.review = a.review
        fresh.reviewNote = a.reviewNote
        return fresh
    }
}

/// What to do about notes whose anchors lack evidence before re-anchoring them.
public enum FirstUse {
    /// Validates every anchor of the notes written for a release at hand (`sources`: release name ->
    /// snapshot) and gives anchors without evidence evidence captured in memory. Notes whose release is
    /// not at hand and that lack evidence get a warning that says what to run. Returns the notes and
    /// the diagnostics (anchor problems are errors).
    public static func prepare(_ notes: [Note], sources: [ReleaseSnapshot], displayPrefix: String) -> ([Note], [Diagnostic]) {
        var checkers: [String: AnchorChecker] = [:]
        for s in sources where checkers[s.release] == nil { checkers[s.release] = AnchorChecker(snapshot: s) }
        var out = notes
        var diagnostics: [Diagnostic] = []
        var missing: [String: [String]] = [:]
        for k in out.indices {
            let n = out[k]
            let display = RepoPath(displayPrefix.isEmpty ? n.path : displayPrefix + "/" + n.path)
            let line = anchorsLine(n)
            guard let checker = checkers[n.release] else {
                if n.anchors.contains(where: { $0.evidence == nil && !$0.isDirectory }) {
                    missing[n.release, default: []].append(n.id.rawValue)
                }
                continue
            }
            for (i, a) in n.anchors.enumerated() {
                if let p = checker.problem(a) {
                    diagnostics.append(Diagnostic(file: display, line: line, severity: .error, message: "\(n.id) anchor \(i): \(p)"))
                } else if a.evidence == nil, let fresh = checker.capture(a) {
                    out[k].anchors[i] = fresh
                }
            }
        }
        for (release, ids) in missing.sorted(by: { $0.key < $1.key }) {
            let what = release.isEmpty ? "notes without a 'release:'" : "notes written for \(release)"
            let run = release.isEmpty
                ? "add 'release:' to them"
                : "marginalia index ~/.cache/marginalia/vllm/vllm-\(release) (scripts/fetch-vllm \(release) first if it is missing), then marginalia notes capture --db <that index>"
            diagnostics.append(Diagnostic(file: RepoPath(displayPrefix), line: 0, severity: .warning,
                message: "\(ids.count) \(what) have anchors with no evidence and no index of that release is at hand, so they cannot be followed (\(ids.prefix(5).joined(separator: ", "))\(ids.count > 5 ? ", ..." : "")): run \(run)"))
        }
        return (out, diagnostics)
    }

    /// The file line of a note's `anchors:` key (2 when unknown).
    static func anchorsLine(_ n: Note) -> Int {
        guard let s = n.source, let e = s.top.first(where: { $0.key == "anchors" }) else { return 2 }
        return s.bytes[..<e.keyStart].reduce(1) { $1 == 0x0a ? $0 + 1 : $0 }
    }
}

/// Body links to symbols an anchor followed to a new name.
public enum BodyLinks {
    /// `body` with `[[old]]` links (full names or unique suffixes of a renamed anchor's old name)
    /// rewritten to the new name, as short as the new release allows; and the links that resolve in
    /// neither form (reported, left as written).
    public static func rewrite(_ body: String, renames: [(old: String, new: String)], target: SymbolTable)
        -> (body: String, rewritten: [(String, String)], dangling: [String])
    {
        var text = body
        var rewritten: [(String, String)] = []
        var dangling: [String] = []
        for link in MarkdownRenderer.links(in: body) where link.noteID == nil {
            let t = link.target
            if let r = renames.first(where: { $0.old == t || $0.old.hasSuffix("." + t) || $0.old.hasSuffix("::" + t) }),
               target.symbols(matching: t).isEmpty
            {
                let replacement = shortest(r.new, like: t, in: target)
                if replacement != t {
                    text = text.replacingOccurrences(of: "[[" + t + "]]", with: "[[" + replacement + "]]")
                    text = text.replacingOccurrences(of: "[[" + t + "|", with: "[[" + replacement + "|")
                    rewritten.append((t, replacement))
                    continue
                }
            }
            if target.symbols(matching: t).isEmpty { dangling.append(t) }
        }
        return (text, rewritten, dangling)
    }

    /// The suffix of `qn` with as many components as `like` has (or more), unique in `target`.
    static func shortest(_ qn: String, like: String, in target: SymbolTable) -> String {
        let sep = qn.contains("::") ? "::" : "."
        let parts = qn.components(separatedBy: sep)
        let want = max(1, like.components(separatedBy: like.contains("::") ? "::" : ".").count)
        for k in want...max(want, parts.count) where k <= parts.count {
            let candidate = parts.suffix(k).joined(separator: sep)
            let hits = target.symbols(matching: candidate)
            if !hits.isEmpty, hits.allSatisfy({ $0.qualifiedName == qn }) { return candidate }
        }
        return qn
    }
}
