// Re-anchoring: finding, in a new release, the code each anchor pointed at, or saying honestly that
// it is ambiguous or gone. Signals are tried cheapest first: qualified name, qualified name without its
// module path, body similarity over the whole new index (one-to-one), then the quoted text with its
// context inside the matched symbol, and the position inside that symbol.
import IndexModel

/// The result of re-anchoring one anchor.
public struct AnchorResolution: Sendable {
    public var status: AnchorStatus
    /// 0...1. Attached results are at least `Reanchorer.attachThreshold`.
    public var confidence: Double
    /// The new location when attached; the last known location otherwise.
    public var file: RepoPath
    /// Lines in the new release (symbol or snippet); nil for file and directory anchors.
    public var lines: LineSpan?
    /// The (new) qualified name, nil for file anchors.
    public var symbol: String?
    /// Signals that agreed / disagreed, in words (`qualified name`, `body identical`, `quote exact`, ...).
    public var agreed: [String]
    public var disagreed: [String]
    /// Ambiguous: up to three candidates. Orphaned: at most one low-confidence suggestion.
    public var candidates: [AnchorCandidate]
    /// The anchor for the new release with fresh evidence when attached; the old anchor unchanged otherwise.
    public var anchor: NoteAnchor
}

/// Re-anchors anchors captured in one release against another release.
///
/// Not thread-safe (it caches file tables); make one per target release and per thread.
public final class Reanchorer {
    /// Results under this confidence are never reported as attached.
    public static let attachThreshold = 0.6

    let target: ReleaseSnapshot
    /// Qualified names of the previous release (when known): a new symbol carrying one of these names
    /// belongs to that old symbol and cannot be claimed by another one through similarity.
    let previousNames: Set<String>
    let previousByFile: [RepoPath: [Symbol]]

    var byQN: [String: [Int]] = [:]
    var byLocal: [String: [Int]] = [:]
    var byFile: [RepoPath: [Int]] = [:]
    var tables: [RepoPath: LineTable?] = [:]
    var sets: [Int: Set<UInt64>] = [:]
    var bodyHashes: [Int: String] = [:]
    var postings: [UInt64: [Int32]]?
    var linePostings: [UInt64: [(file: Int32, line: Int32)]]?
    var knownFiles: [RepoPath] = []
    var destinations: [RepoPath: RepoPath?] = [:]
    var byLast: [String: [Int]] = [:]

    /// `previous`: the symbols of the release the anchors were captured in, when available; it lets
    /// re-anchoring refuse to move a note onto code that has its own continuing identity.
    public init(target: ReleaseSnapshot, previous: [Symbol]? = nil) {
        self.target = target
        self.previousNames = Set((previous ?? []).map(\.qualifiedName))
        self.previousByFile = Dictionary(grouping: previous ?? [], by: \.file)
        for (i, s) in target.symbols.enumerated() {
            byQN[s.qualifiedName, default: []].append(i)
            byLocal[Self.localName(s.qualifiedName, file: s.file), default: []].append(i)
            byFile[s.file, default: []].append(i)
        }
        knownFiles = byFile.keys.sorted()
    }

    // MARK: Names

    /// The qualified name without its module path (Python); C++ names have none and stay as they are.
    static func localName(_ qn: String, file: RepoPath) -> String {
        guard Language.of(path: file.rawValue) == .python else { return qn }
        var module = file.rawValue
        if module.hasSuffix("/__init__.py") { module.removeLast("/__init__.py".count) }
        else if module.hasSuffix(".pyi") { module.removeLast(4) }
        else if module.hasSuffix(".py") { module.removeLast(3) }
        module = module.replacingOccurrences(of: "/", with: ".")
        if qn.hasPrefix(module + ".") { return String(qn.dropFirst(module.count + 1)) }
        return qn
    }

    static func lastComponent(_ qn: String) -> String {
        if let r = qn.range(of: "::", options: .backwards) { return String(qn[r.upperBound...]) }
        if let d = qn.lastIndex(of: ".") { return String(qn[qn.index(after: d)...]) }
        return qn
    }

    static func isCFamily(_ l: Language) -> Bool { l != .python }

    // MARK: Text

    func table(_ file: RepoPath) -> LineTable? {
        if let t = tables[file] { return t }
        let t = target.checkout.text(of: file).map { LineTable(text: $0) }
        tables[file] = t
        return t
    }

    func span(of i: Int) -> LineSpan {
        let r = target.symbols[i].range.lines
        return LineSpan(r)
    }

    func informative(_ i: Int) -> Set<UInt64> {
        if let s = sets[i] { return s }
        let s = table(target.symbols[i].file).map { AnchorCapture.informativeSet(span(of: i), $0) } ?? []
        sets[i] = s
        return s
    }

    func bodyHash(_ i: Int) -> String {
        if let h = bodyHashes[i] { return h }
        let h = table(target.symbols[i].file).map { Fingerprint.block($0.slice(span(of: i).range)) } ?? ""
        bodyHashes[i] = h
        return h
    }

    /// Estimated Jaccard similarity of the old body (from its sketch) and symbol `i`'s body; 1 when the
    /// body fingerprints are equal.
    func similarity(_ e: AnchorEvidence, _ i: Int) -> Double {
        if !e.bodyHash.isEmpty, bodyHash(i) == e.bodyHash { return 1 }
        let sketch = e.bodySketch.compactMap { UInt64($0, radix: 16) }
        guard !sketch.isEmpty else { return 0 }
        let b = informative(i)
        let hits = sketch.filter { b.contains($0) }.count
        let nA = Double(max(e.bodyLines, sketch.count))
        let inter = Double(hits) / Double(sketch.count) * nA
        let union = nA + Double(b.count) - inter
        return union > 0 ? min(1, inter / union) : 0
    }

    func kindsCompatible(_ old: String, _ new: SymbolKind) -> Bool {
        let callables: Set<String> = ["function", "method", "lambda", "kernel", "device_function"]
        let types: Set<String> = ["class", "struct"]
        if old.isEmpty { return true }
        if callables.contains(old) { return callables.contains(new.rawValue) }
        if types.contains(old) { return types.contains(new.rawValue) }
        return old == new.rawValue
    }

    /// Symbols sharing informative lines with the sketch, by number of shared sketch lines.
    func similarityCandidates(_ e: AnchorEvidence) -> [Int] {
        if postings == nil {
            var p: [UInt64: [Int32]] = [:]
            let bodied: Set<SymbolKind> = [.function, .method, .lambda, .kernel, .deviceFunction, .class, .struct]
            for (i, s) in target.symbols.enumerated() where bodied.contains(s.kind) {
                for h in informative(i) { p[h, default: []].append(Int32(i)) }
            }
            postings = p
        }
        var hits: [Int32: Int] = [:]
        for hex in e.bodySketch {
            // Lines found in very many symbols say nothing about identity.
            guard let h = UInt64(hex, radix: 16), let list = postings?[h], list.count <= 2_000 else { continue }
            for i in list { hits[i, default: 0] += 1 }
        }
        let need = max(2, e.bodySketch.count / 4)
        return hits.filter { $0.value >= need }.map { Int($0.key) }.sorted()
    }

    // MARK: Symbols

    enum Route { case qualifiedName, localName, similarity, oldFileNamesIt, fileMove }

    struct SymbolHit {
        var index: Int
        var sim: Double
        var route: Route
    }

    enum SymbolOutcome {
        case found(SymbolHit)
        case ambiguous([SymbolHit])
        case missing(SymbolHit?)
    }

    func isClaimed(_ i: Int, by qn: String) -> Bool {
        let other = target.symbols[i].qualifiedName
        return other != qn && previousNames.contains(other)
    }

    func locateSymbol(_ a: NoteAnchor, _ qn: String, _ e: AnchorEvidence) -> SymbolOutcome {
        let oldName = Self.lastComponent(qn)
        // 1. Same qualified name.
        let exact = byQN[qn] ?? []
        if !exact.isEmpty {
            let ranked = exact.map { SymbolHit(index: $0, sim: similarity(e, $0), route: .qualifiedName) }
                .sorted { rank($0, a, e) > rank($1, a, e) }
            if ranked.count == 1 { return .found(ranked[0]) }
            let sameFile = ranked.filter { target.symbols[$0.index].file == a.file }
            if sameFile.count == 1 { return .found(sameFile[0]) }
            // Overloads in one file: the equally similar ones are told apart by the unchanged place,
            // then by the signature, then by the order of definition (the k-th overload stays k-th).
            let pool = sameFile.isEmpty ? ranked : sameFile
            let top = pool.filter { $0.sim >= pool.map(\.sim).max()! - 1e-9 }
            if top.count > 1 {
                if let old = e.symbolLines {
                    let same = top.filter { span(of: $0.index) == old }
                    if same.count == 1 { return .found(same[0]) }
                }
                if !e.signature.isEmpty {
                    let sig = top.filter { Fingerprint.line(target.symbols[$0.index].signature[...]) == e.signature }
                    if sig.count == 1 { return .found(sig[0]) }
                }
                if let old = e.symbolLines, let k = overloadOrdinal(qn, a.file, old), top.count == pool.count {
                    let ordered = pool.sorted { target.symbols[$0.index].range.start.line < target.symbols[$1.index].range.start.line }
                    if k < ordered.count, previousOverloadCount(qn, a.file) == ordered.count { return .found(ordered[k]) }
                }
            }
            if ranked[0].sim - ranked[1].sim >= 0.1 || rank(ranked[0], a, e) - rank(ranked[1], a, e) >= 0.1 {
                return .found(ranked[0])
            }
            return .ambiguous(Array(ranked.prefix(3)))
        }
        // 2. Same name inside its module: the file was renamed or moved.
        let local = Self.localName(qn, file: a.file)
        let localIndices: [Int] = (byLocal[local] ?? []).filter { (i: Int) -> Bool in
            admissible(i, for: qn, file: a.file) && kindsCompatible(e.kind, target.symbols[i].kind)
        }
        var localHits: [SymbolHit] = localIndices.map { SymbolHit(index: $0, sim: similarity(e, $0), route: .localName) }
        localHits = localHits.filter { (h: SymbolHit) -> Bool in h.sim >= 0.5 || (e.bodySketch.isEmpty && h.sim > 0) }
        localHits.sort { (x: SymbolHit, y: SymbolHit) -> Bool in x.sim > y.sim || (x.sim == y.sim && x.index < y.index) }
        if let best = localHits.first {
            if localHits.count == 1 || best.sim - localHits[1].sim >= 0.15 { return .found(best) }
            return .ambiguous(Array(localHits.prefix(3)))
        }
        // The only symbol of that name, and the old file (still there) names it: it uses the code
        // that moved, however much it was edited since.
        if localIndices.count == 1, table(a.file) != nil, fileNamesDestination(a.file, localIndices[0]) {
            let h = SymbolHit(index: localIndices[0], sim: similarity(e, localIndices[0]), route: .oldFileNamesIt)
            if h.sim > 0.1 || e.bodySketch.isEmpty { return .found(h) }
        }
        // The file is gone and most of its symbols went to one file: the one symbol of the same name
        // there is this one, even heavily edited.
        if let dest = destination(of: a.file) {
            var there = localIndices.filter { target.symbols[$0].file == dest }
            if there.isEmpty {
                // The class was renamed with its file: the one member of that name there.
                there = (byFile[dest] ?? []).filter { (i: Int) -> Bool in
                    Self.lastComponent(target.symbols[i].qualifiedName) == oldName
                        && kindsCompatible(e.kind, target.symbols[i].kind) && admissible(i, for: qn, file: a.file)
                }
            }
            if there.count == 1 {
                let h = SymbolHit(index: there[0], sim: similarity(e, there[0]), route: .fileMove)
                if h.sim > 0.1 || e.bodySketch.isEmpty { return .found(h) }
            }
        }
        // 3. Body similarity over the whole new index (renamed symbols, renamed classes).
        guard e.bodyLines >= 3 else { return .missing(nil) }
        var hits = similarityCandidates(e)
            .filter { admissible($0, for: qn, file: a.file) && kindsCompatible(e.kind, target.symbols[$0].kind) }
            .map { SymbolHit(index: $0, sim: similarity(e, $0), route: .similarity) }
        hits.sort { $0.sim > $1.sim || $0.sim == $1.sim && $0.index < $1.index }
        guard let best = hits.first else { return .missing(nil) }
        let sameName = Self.lastComponent(target.symbols[best.index].qualifiedName) == oldName
        let needed = sameName ? 0.55 : 0.7
        if best.sim >= needed {
            let second = hits.count > 1 ? hits[1].sim : 0
            if best.sim - second >= 0.15 { return .found(best) }
            return .ambiguous(Array(hits.prefix(3)))
        }
        return .missing(best.sim >= 0.25 ? best : nil)
    }

    /// Orders same-name candidates: similarity, then same file, then nearness to the old lines.
    func rank(_ h: SymbolHit, _ a: NoteAnchor, _ e: AnchorEvidence) -> Double {
        let s = target.symbols[h.index]
        var r = h.sim
        if s.file == a.file { r += 0.05 }
        if let old = e.symbolLines { r -= min(0.04, Double(abs(s.range.start.line - old.start)) / 100_000) }
        if !e.signature.isEmpty, !s.signature.isEmpty, Fingerprint.line(s.signature[...]) == e.signature { r += 0.02 }
        return r
    }

    // MARK: Quotes

    struct QuoteMatch {
        var span: LineSpan
        var score: Double
        var exact: Bool
        var context: Double
    }

    /// Parses stored hex fingerprints (malformed entries never match a line).
    static func hashes(_ hex: [String]) -> [UInt64] {
        hex.map { UInt64($0, radix: 16) ?? 0 }
    }

    /// Whether each anchored line is too plain to identify code (see `AnchorEvidence.lineGrams`).
    static func trivialLines(_ e: AnchorEvidence) -> [Bool] {
        e.lineHashes.indices.map { i in i < e.lineGrams.count ? e.lineGrams[i] == "-" : false }
    }

    /// Fraction of context lines that agree around `span` in `t`.
    func contextAgreement(_ e: AnchorEvidence, _ span: LineSpan, _ t: LineTable) -> Double {
        let before = Self.hashes(e.contextBefore), after = Self.hashes(e.contextAfter)
        var total = 0, ok = 0
        for (k, h) in before.reversed().enumerated() {
            let line = span.start - 1 - k
            total += 1
            if line >= 1, t.hashes[line - 1] == h { ok += 1 }
        }
        for (k, h) in after.enumerated() {
            let line = span.end + 1 + k
            total += 1
            if line <= t.count, t.hashes[line - 1] == h { ok += 1 }
        }
        return total == 0 ? 1 : Double(ok) / Double(total)
    }

    /// Exact occurrences of the quote inside `scope` of `t`.
    func exactMatches(_ q: [UInt64], _ t: LineTable, _ scope: LineSpan) -> [LineSpan] {
        let m = q.count
        guard m > 0, scope.end - scope.start + 1 >= m else { return [] }
        var out: [LineSpan] = []
        let lo = max(1, scope.start), hi = min(t.count, scope.end) - m + 1
        guard lo <= hi else { return [] }
        for p in lo...hi where t.hashes[p - 1] == q[0] {
            var ok = true
            for k in 1..<m where t.hashes[p - 1 + k] != q[k] { ok = false; break }
            if ok { out.append(LineSpan(p, p + m - 1)) }
        }
        return out
    }

    static func bigrams(_ s: String) -> [UInt32] {
        let u = Array(s.unicodeScalars)
        guard u.count >= 2 else { return [] }
        var out: [UInt32] = []
        out.reserveCapacity(u.count - 1)
        for i in 0..<(u.count - 1) { out.append(u[i].value &* 65_599 &+ u[i + 1].value) }
        return out.sorted()
    }

    static func dice(_ a: [UInt32], _ b: [UInt32]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var i = 0, j = 0, common = 0
        while i < a.count, j < b.count {
            if a[i] == b[j] { common += 1; i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        return 2 * Double(common) / Double(a.count + b.count)
    }

    /// Best fuzzy placements of the quote in `scope`: line-level alignment (weighted LCS) over windows.
    /// Returns the best match and the best one not overlapping it.
    func fuzzyMatches(_ e: AnchorEvidence, _ t: LineTable, _ scope: LineSpan) -> (QuoteMatch?, QuoteMatch?) {
        let qHashes = Self.hashes(e.lineHashes)
        let qTrivial = Self.trivialLines(e)
        let m = qHashes.count
        let lo = max(1, scope.start), hi = min(t.count, scope.end)
        guard m > 0, lo <= hi else { return (nil, nil) }
        let weights = qTrivial.map { $0 ? 0.2 : 1.0 }
        let totalWeight = weights.reduce(0, +)
        let qGrams: [[UInt8]?] = qHashes.indices.map { i in i < e.lineGrams.count ? Fingerprint.parseGrams(e.lineGrams[i]) : nil }
        let n = hi - lo + 1
        // sim[i][j]: quote line i vs scope line lo + j
        var sim = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
        var lineGrams: [[UInt8]?] = Array(repeating: nil, count: n)
        for j in 0..<n {
            let line = lo + j
            for i in 0..<m {
                if t.hashes[line - 1] == qHashes[i] { sim[i][j] = 1; continue }
                guard !qTrivial[i], !t.trivial[line - 1], let q = qGrams[i] else { continue }
                if lineGrams[j] == nil { lineGrams[j] = Fingerprint.gramBytes(Fingerprint.normalize(t.lines[line - 1])) }
                let d = Fingerprint.gramDice(q, lineGrams[j]!)
                if d >= 0.6 { sim[i][j] = d }
            }
        }
        let width = min(n, m + max(3, m / 2))
        var results: [QuoteMatch] = []
        var dp = [[Double]](repeating: [Double](repeating: 0, count: width + 1), count: m + 1)
        for start in 0...(n - min(n, max(1, min(width, m)))) {
            let w = min(width, n - start)
            for i in 1...m {
                for j in 1...w {
                    let s = sim[i - 1][start + j - 1]
                    var best = max(dp[i - 1][j], dp[i][j - 1])
                    if s > 0 { best = max(best, dp[i - 1][j - 1] + s * weights[i - 1]) }
                    dp[i][j] = best
                }
            }
            let score = dp[m][w] / totalWeight
            guard score > 0 else { continue }
            // Trace back to the first and last matched scope lines.
            var i = m, j = w, first = -1, last = -1
            while i > 0, j > 0 {
                let s = sim[i - 1][start + j - 1]
                if s > 0, abs(dp[i][j] - (dp[i - 1][j - 1] + s * weights[i - 1])) < 1e-9 {
                    if last < 0 { last = j }
                    first = j
                    i -= 1; j -= 1
                } else if dp[i - 1][j] >= dp[i][j - 1] { i -= 1 } else { j -= 1 }
            }
            guard first > 0 else { continue }
            let span = LineSpan(lo + start + first - 1, lo + start + last - 1)
            results.append(QuoteMatch(span: span, score: score, exact: false, context: contextAgreement(e, span, t)))
        }
        results.sort { ($0.score, $0.context, -$0.span.start) > ($1.score, $1.context, -$1.span.start) }
        guard let best = results.first else { return (nil, nil) }
        let second = results.first { $0.span.end < best.span.start || $0.span.start > best.span.end }
        return (best, second)
    }

    enum QuoteOutcome {
        case unique(QuoteMatch)
        case ambiguous([QuoteMatch])
        case none(QuoteMatch?)
    }

    /// Finds the quote in `scope`: exact first (disambiguated by context, then by position inside the
    /// enclosing symbol), then fuzzy.
    func findQuote(_ e: AnchorEvidence, _ t: LineTable, _ scope: LineSpan, expectedStart: Int?, fuzzy: Bool) -> QuoteOutcome {
        let q = Self.hashes(e.lineHashes)
        let spans = exactMatches(q, t, scope)
        if !spans.isEmpty {
            let matches = spans.map { QuoteMatch(span: $0, score: 1, exact: true, context: contextAgreement(e, $0, t)) }
            if matches.count == 1 { return .unique(matches[0]) }
            let bestContext = matches.map(\.context).max()!
            let top = matches.filter { $0.context == bestContext }
            if top.count == 1, bestContext > 0 { return .unique(top[0]) }
            if let expectedStart {
                let byPos = top.sorted { abs($0.span.start - expectedStart) < abs($1.span.start - expectedStart) }
                if abs(byPos[0].span.start - expectedStart) < abs(byPos[1].span.start - expectedStart),
                   abs(byPos[0].span.start - expectedStart) <= 2 {
                    return .unique(byPos[0])
                }
            }
            return .ambiguous(Array(top.prefix(3)))
        }
        guard fuzzy else { return .none(nil) }
        let (best, second) = fuzzyMatches(e, t, scope)
        guard let best else { return .none(nil) }
        if best.score >= 0.55 {
            if let second, second.score >= best.score - 0.05, second.context >= best.context {
                return .ambiguous([best, second])
            }
            return .unique(best)
        }
        return .none(best)
    }

    // MARK: Resolution

    /// Re-anchors `anchors` (each captured in the previous release). Results come in the same order.
    /// A new symbol reached through similarity goes to at most one old symbol (the most similar).
    public func resolve(_ anchors: [NoteAnchor]) -> [AnchorResolution] {
        var drafts = anchors.map { resolveOne($0) }
        // One-to-one: a new symbol reached by name or similarity (not by its own qualified name) keeps
        // only the old symbol that matches it best; the others become ambiguous.
        var claims: [String: (old: String, sim: Double, viaQN: Bool)] = [:]
        for d in drafts {
            guard d.resolution.status.isAttached, let newQN = d.newSymbolKey, let old = d.resolution.anchorOld.symbol else { continue }
            let viaQN = d.route == .qualifiedName
            if let c = claims[newQN] {
                if c.old == old { continue }
                // Identical duplicates (two old files' copies folded into one) may share it.
                if c.sim == 1, d.sim == 1 { continue }
                if c.viaQN { continue }
                if viaQN || d.sim > c.sim { claims[newQN] = (old, d.sim, viaQN) }
            } else {
                claims[newQN] = (old, d.sim, viaQN)
            }
        }
        for k in drafts.indices {
            let d = drafts[k]
            guard d.resolution.status.isAttached, let newQN = d.newSymbolKey, let old = d.resolution.anchorOld.symbol,
                  let c = claims[newQN], c.old != old, !(c.sim == 1 && d.sim == 1) else { continue }
            var r = d.resolution
            r.candidates = [AnchorCandidate(file: r.file, lines: r.lines ?? LineSpan(1, 1), symbol: r.symbol, score: d.sim)]
            r.disagreed.append("one-to-one: \(newQN) matches \(c.old) better")
            r.status = .ambiguous
            r.confidence = min(r.confidence, 0.4)
            r.file = r.anchorOld.file
            r.lines = r.anchorOld.lines ?? r.anchorOld.evidence?.symbolLines
            r.symbol = r.anchorOld.symbol
            r.anchor = r.anchorOld
            drafts[k].resolution = r
        }
        return drafts.map { $0.resolution.public }
    }

    struct Draft {
        var resolution: Working
        var route: Route?
        var sim: Double
        var newSymbolKey: String?
    }

    /// An `AnchorResolution` under construction, remembering the old anchor.
    struct Working {
        var anchorOld: NoteAnchor
        var status: AnchorStatus
        var confidence: Double
        var file: RepoPath
        var lines: LineSpan?
        var symbol: String?
        var agreed: [String] = []
        var disagreed: [String] = []
        var candidates: [AnchorCandidate] = []
        var anchor: NoteAnchor

        var `public`: AnchorResolution {
            AnchorResolution(status: status, confidence: (confidence * 100).rounded() / 100, file: file, lines: lines,
                             symbol: symbol, agreed: agreed, disagreed: disagreed, candidates: candidates, anchor: anchor)
        }
    }

    func orphan(_ a: NoteAnchor, _ agreed: [String], _ disagreed: [String], suggestion: AnchorCandidate?) -> Draft {
        var w = Working(anchorOld: a, status: .orphaned, confidence: 0, file: a.file,
                        lines: a.lines ?? a.evidence?.symbolLines, symbol: a.symbol, agreed: agreed,
                        disagreed: disagreed, anchor: a)
        if let s = suggestion { w.candidates = [s]; w.confidence = min(0.4, s.score * 0.5) }
        return Draft(resolution: w, route: nil, sim: 0, newSymbolKey: nil)
    }

    func ambiguous(_ a: NoteAnchor, _ agreed: [String], _ disagreed: [String], _ cands: [AnchorCandidate]) -> Draft {
        let w = Working(anchorOld: a, status: .ambiguous, confidence: 0.3, file: a.file,
                        lines: a.lines ?? a.evidence?.symbolLines, symbol: a.symbol, agreed: agreed,
                        disagreed: disagreed, candidates: Array(cands.prefix(3)), anchor: a)
        return Draft(resolution: w, route: nil, sim: 0, newSymbolKey: nil)
    }

    func candidate(_ h: SymbolHit) -> AnchorCandidate {
        let s = target.symbols[h.index]
        return AnchorCandidate(file: s.file, lines: span(of: h.index), symbol: s.qualifiedName, score: h.sim)
    }

    /// The innermost symbol of `file` whose lines contain `span`.
    func enclosingSymbol(_ file: RepoPath, _ span: LineSpan) -> Int? {
        let inside = (byFile[file] ?? []).filter { (i: Int) -> Bool in
            let r = self.span(of: i)
            return r.start <= span.start && r.end >= span.end && target.symbols[i].kind != .module
        }
        return inside.min { self.span(of: $0).count < self.span(of: $1).count }
    }

    func resolveOne(_ a: NoteAnchor) -> Draft {
        switch a.form {
        case .directory: return resolveDirectory(a)
        case .file: return resolveFile(a)
        case .symbol, .snippet: break
        }
        guard let e = a.evidence else {
            return orphan(a, [], ["no evidence captured: run notes capture"], suggestion: nil)
        }
        guard let qn = a.symbol else { return resolveFileSnippet(a, e) }
        var agreed: [String] = [], disagreed: [String] = []
        let outcome = locateSymbol(a, qn, e)
        switch outcome {
        case let .ambiguous(hits):
            return ambiguous(a, [], ["several symbols match \(qn)"], hits.map(candidate))
        case let .missing(suggestion):
            disagreed.append("no symbol named \(qn)")
            if a.form == .snippet, let found = snippetWithoutSymbol(a, e, qn) { return found }
            return orphan(a, [], disagreed + (suggestion == nil ? ["no similar body"] : ["best body similarity too low"]),
                          suggestion: suggestion.map(candidate))
        case let .found(hit):
            let s = target.symbols[hit.index]
            let oldLast = Self.lastComponent(qn)
            let newSpan = span(of: hit.index)
            switch hit.route {
            case .qualifiedName: agreed.append("qualified name")
            case .localName: agreed.append("qualified name without module path"); disagreed.append("module path")
            case .oldFileNamesIt: agreed.append("the only symbol of that name, and the old file names it"); disagreed.append("module path")
            case .fileMove: agreed.append("the only \(oldLast) in the file the old file's symbols went to"); disagreed.append("qualified name")
            case .similarity: agreed.append("body similarity \(formatScore(hit.sim))"); disagreed.append("qualified name")
            }
            if s.file == a.file { agreed.append("file") } else { disagreed.append("file") }
            let identical = hit.sim == 1 && !e.bodyHash.isEmpty && bodyHash(hit.index) == e.bodyHash
            if identical { agreed.append("body identical") } else { disagreed.append("body changed (similarity \(formatScore(hit.sim)))") }
            let renamed = Self.localName(s.qualifiedName, file: s.file) != Self.localName(qn, file: a.file)
            var confidence: Double
            switch hit.route {
            case .qualifiedName: confidence = identical ? 1 : 0.75 + 0.2 * hit.sim
            case .localName: confidence = 0.65 + 0.3 * hit.sim
            case .oldFileNamesIt, .fileMove: confidence = 0.62 + 0.3 * hit.sim
            case .similarity: confidence = 0.6 + 0.35 * (hit.sim - 0.55) / 0.45
            }
            if a.form == .symbol {
                let status: AnchorStatus
                if renamed { status = .renamed }
                else if identical { status = (s.file == a.file && newSpan == e.symbolLines) ? .exact : .moved }
                else { status = .edited }
                let anchor = (try? table(s.file).map { try AnchorCapture.capture(symbol: s, lines: nil, table: $0) }) ?? nil
                let w = Working(anchorOld: a, status: status, confidence: confidence, file: s.file, lines: newSpan,
                                symbol: s.qualifiedName, agreed: agreed, disagreed: disagreed, anchor: anchor ?? a)
                return Draft(resolution: w, route: hit.route, sim: hit.sim, newSymbolKey: s.qualifiedName + "@" + s.file.rawValue)
            }
            // Snippet inside the symbol.
            guard let t = table(s.file) else { return orphan(a, agreed, disagreed + ["file unreadable"], suggestion: nil) }
            let expected = e.offset.map { newSpan.start + $0 }
            var outcome = findQuote(e, t, newSpan, expectedStart: expected, fuzzy: true)
            var inSymbol = true
            if case let .none(best) = outcome, best == nil || best!.score < 0.55 {
                // Moved out of the symbol but still in its file?
                let wide = findQuote(e, t, LineSpan(1, max(1, t.count)), expectedStart: nil, fuzzy: false)
                if case .unique(let m) = wide, m.context >= 0.5 { outcome = wide; inSymbol = false }
            }
            switch outcome {
            case let .ambiguous(ms):
                return ambiguous(a, agreed, disagreed + ["quote found several times"],
                                 ms.map { AnchorCandidate(file: s.file, lines: $0.span, symbol: s.qualifiedName, score: $0.score) })
            case let .none(best):
                return orphan(a, agreed, disagreed + ["quote not found in symbol"],
                              suggestion: best.map { AnchorCandidate(file: s.file, lines: $0.span, symbol: s.qualifiedName, score: $0.score * 0.5) })
            case let .unique(m):
                if m.exact { agreed.append("quote exact") } else { disagreed.append("quote edited (\(formatScore(m.score)))") }
                if m.context == 1 { agreed.append("context") } else if m.context < 0.5 { disagreed.append("context") }
                if let o = e.offset, m.span.start - newSpan.start == o { agreed.append("position in symbol") }
                if !inSymbol { disagreed.append("outside the symbol") }
                let status: AnchorStatus
                if !m.exact { status = .edited }
                else if s.file == a.file, m.span == a.lines, !renamed { status = .exact }
                else { status = .moved }
                var conf = m.exact ? min(confidence, 0.8 + 0.2 * m.context) : min(confidence, 0.45 + 0.5 * m.score)
                if !inSymbol { conf = min(conf, 0.7) }
                conf = max(conf, Self.attachThreshold)
                let encl = inSymbol ? hit.index : (enclosingSymbol(s.file, m.span) ?? hit.index)
                let anchor = recapture(symbolIndex: encl, file: s.file, lines: m.span, table: t) ?? a
                let w = Working(anchorOld: a, status: status, confidence: conf, file: s.file, lines: m.span,
                                symbol: anchor.symbol, agreed: agreed, disagreed: disagreed, anchor: anchor)
                return Draft(resolution: w, route: hit.route, sim: hit.sim, newSymbolKey: s.qualifiedName + "@" + s.file.rawValue)
            }
        }
    }

    func recapture(symbolIndex: Int?, file: RepoPath, lines: LineSpan, table: LineTable) -> NoteAnchor? {
        if let i = symbolIndex {
            let s = target.symbols[i]
            let r = span(of: i)
            if r.start <= lines.start, r.end >= lines.end, s.file == file {
                return try? AnchorCapture.capture(symbol: s, lines: lines, table: table)
            }
        }
        if let i = enclosingSymbol(file, lines) { return try? AnchorCapture.capture(symbol: target.symbols[i], lines: lines, table: table) }
        var e = AnchorCapture.quoteEvidence(lines, table: table)
        e.offset = nil
        return NoteAnchor(symbol: nil, file: file, lines: lines, evidence: e)
    }

    /// A snippet whose symbol is gone: still attached when the old file holds the quote exactly once
    /// with its context; copies elsewhere are only suggested.
    func snippetWithoutSymbol(_ a: NoteAnchor, _ e: AnchorEvidence, _ qn: String) -> Draft? {
        guard let t = table(a.file) else { return nil }
        let outcome = findQuote(e, t, LineSpan(1, max(1, t.count)), expectedStart: nil, fuzzy: false)
        guard case let .unique(m) = outcome, m.context >= 0.5 else { return nil }
        let anchor = recapture(symbolIndex: enclosingSymbol(a.file, m.span), file: a.file, lines: m.span, table: t) ?? a
        let w = Working(anchorOld: a, status: .moved, confidence: 0.65, file: a.file, lines: m.span, symbol: anchor.symbol,
                        agreed: ["file", "quote exact", "context"], disagreed: ["no symbol named \(qn)"], anchor: anchor)
        return Draft(resolution: w, route: nil, sim: 0, newSymbolKey: nil)
    }

    /// A snippet anchored to a file only.
    func resolveFileSnippet(_ a: NoteAnchor, _ e: AnchorEvidence) -> Draft {
        guard let t = table(a.file) else {
            let global = globalExact(e).prefix(3)
            return orphan(a, [], ["file gone"], suggestion: global.first.map {
                AnchorCandidate(file: $0.file, lines: $0.lines, symbol: nil, score: 0.5) })
        }
        switch findQuote(e, t, LineSpan(1, max(1, t.count)), expectedStart: a.lines?.start, fuzzy: true) {
        case let .ambiguous(ms):
            return ambiguous(a, ["file"], ["quote found several times"], ms.map {
                AnchorCandidate(file: a.file, lines: $0.span, symbol: nil, score: $0.score) })
        case let .none(best):
            return orphan(a, ["file"], ["quote not found"], suggestion: best.map {
                AnchorCandidate(file: a.file, lines: $0.span, symbol: nil, score: $0.score * 0.5) })
        case let .unique(m):
            let status: AnchorStatus = !m.exact ? .edited : (m.span == a.lines ? .exact : .moved)
            let anchor = recapture(symbolIndex: nil, file: a.file, lines: m.span, table: t) ?? a
            var agreed = ["file"], disagreed: [String] = []
            if m.exact { agreed.append("quote exact") } else { disagreed.append("quote edited (\(formatScore(m.score)))") }
            let conf = max(Self.attachThreshold, m.exact ? 0.75 + 0.2 * m.context : 0.45 + 0.45 * m.score)
            var w = Working(anchorOld: a, status: status, confidence: conf, file: a.file, lines: m.span, symbol: nil,
                            agreed: agreed, disagreed: disagreed, anchor: anchor)
            w.anchor.symbol = nil
            return Draft(resolution: w, route: nil, sim: 0, newSymbolKey: nil)
        }
    }

    /// Exact occurrences of the quote anywhere in the indexed files (for suggestions only).
    func globalExact(_ e: AnchorEvidence) -> [(file: RepoPath, lines: LineSpan)] {
        let q = Self.hashes(e.lineHashes)
        guard !q.isEmpty else { return [] }
        if linePostings == nil {
            var p: [UInt64: [(file: Int32, line: Int32)]] = [:]
            for (fi, f) in knownFiles.enumerated() {
                guard let t = table(f) else { continue }
                for (li, h) in t.hashes.enumerated() where !t.trivial[li] { p[h, default: []].append((Int32(fi), Int32(li + 1))) }
            }
            linePostings = p
        }
        // Use the first informative line of the quote as the key.
        guard let k = Self.trivialLines(e).firstIndex(of: false) else { return [] }
        var out: [(file: RepoPath, lines: LineSpan)] = []
        for (fi, line) in linePostings?[q[k]] ?? [] {
            let f = knownFiles[Int(fi)]
            let start = Int(line) - k
            guard start >= 1, let t = table(f) else { continue }
            if exactMatches(q, t, LineSpan(start, start + q.count - 1)).count == 1 {
                out.append((f, LineSpan(start, start + q.count - 1)))
            }
        }
        return out.sorted { ($0.file, $0.lines) < ($1.file, $1.lines) }
    }

    func resolveFile(_ a: NoteAnchor) -> Draft {
        if let t = table(a.file) {
            let hash = Fingerprint.block(t.lines[...])
            let same = a.evidence.map { $0.bodyHash.isEmpty || $0.bodyHash == hash } ?? true
            let anchor = (try? AnchorCapture.capture(file: a.file, lines: nil, fileText: t.text(1...max(1, t.count)))) ?? a
            let w = Working(anchorOld: a, status: same ? .exact : .edited, confidence: same ? 1 : 0.9, file: a.file,
                            lines: nil, symbol: nil, agreed: ["file"], disagreed: same ? [] : ["content changed"],
                            anchor: a.evidence == nil ? a : anchor)
            return Draft(resolution: w, route: nil, sim: 0, newSymbolKey: nil)
        }
        // The file is gone: where did its symbols go?
        var destinations: [RepoPath: Int] = [:]
        for s in previousByFile[a.file] ?? [] where s.kind != .module && s.kind != .variable {
            if let hits = byQN[s.qualifiedName], hits.count == 1 {
                destinations[target.symbols[hits[0]].file, default: 0] += 1
            } else if let hits = byLocal[Self.localName(s.qualifiedName, file: s.file)], hits.count == 1 {
                destinations[target.symbols[hits[0]].file, default: 0] += 1
            }
        }
        let total = (previousByFile[a.file] ?? []).filter { $0.kind != .module && $0.kind != .variable }.count
        let ranked = destinations.sorted { $0.value > $1.value || $0.value == $1.value && $0.key < $1.key }
        let found = ranked.reduce(0) { $0 + $1.value }
        if let top = ranked.first, total > 0, Double(found) / Double(total) >= 0.5 {
            let cands = ranked.prefix(3).map { AnchorCandidate(file: $0.key, lines: LineSpan(1, 1), symbol: nil,
                                                               score: Double($0.value) / Double(total)) }
            let status: AnchorStatus
            if ranked.count > 1, Double(ranked[1].value) / Double(found) >= 0.2 { status = .split }
            else if !(previousByFile[top.key] ?? []).isEmpty { status = .merged }
            else { status = .moved }
            var anchor = a
            anchor.file = top.key
            if let t = table(top.key), let e = try? AnchorCapture.capture(file: top.key, lines: nil, fileText: t.text(1...max(1, t.count))) {
                anchor = e
            }
            let w = Working(anchorOld: a, status: status, confidence: 0.6 + 0.3 * Double(found) / Double(total),
                            file: top.key, lines: nil, symbol: nil,
                            agreed: ["\(found) of \(total) symbols found"], disagreed: ["file gone"],
                            candidates: status == .split ? Array(cands) : [], anchor: anchor)
            return Draft(resolution: w, route: nil, sim: 0, newSymbolKey: nil)
        }
        let suggestion = knownFiles.first { $0.fileName == a.file.fileName }
        return orphan(a, [], ["file gone"], suggestion: suggestion.map { AnchorCandidate(file: $0, lines: LineSpan(1, 1), symbol: nil, score: 0.3) })
    }

    func resolveDirectory(_ a: NoteAnchor) -> Draft {
        let path = RepoPath(String(a.file.rawValue.dropLast()))
        if target.checkout.isDirectory(path) {
            let w = Working(anchorOld: a, status: .exact, confidence: 1, file: a.file, lines: nil, symbol: nil,
                            agreed: ["directory"], anchor: a)
            return Draft(resolution: w, route: nil, sim: 0, newSymbolKey: nil)
        }
        let name = path.fileName
        let suggestion = knownFiles.first { $0.directory.hasSuffix("/" + name) || $0.directory == name }
        return orphan(a, [], ["directory gone"], suggestion: suggestion.map {
            AnchorCandidate(file: RepoPath($0.directory + "/"), lines: LineSpan(1, 1), symbol: nil, score: 0.3) })
    }
}
