// Observed calls against the static graph: which edge (if any) each observed call is, and why not.
import CallGraph
import IndexModel

/// What the matcher needs to know about the index. The pipeline module conforms with the store;
/// tests use `InMemoryStaticGraph`.
public protocol StaticGraphView {
    /// Edges whose caller is `node` (any kind, any confidence).
    func edges(from node: String) -> [Edge]
    /// Whether any edge names `node` as caller or callee (for torch op nodes).
    func isGraphNode(_ node: String) -> Bool
    /// The call sites written in `caller`'s body: their file and start..end lines.
    func callSites(of caller: String) -> [SiteSpan]
    /// The Python definition named `name`: kind, file, lines, decorators.
    func definition(of name: String) -> DefinitionInfo?
    /// The name the index gives the lambda defined at `file:line` (`x = lambda ...` is `scope.x`), if any.
    func lambda(file: RepoPath, line: Int) -> String?
}

/// Where a call site is: its file and the lines its expression spans.
public struct SiteSpan: Hashable, Sendable {
    public var file: RepoPath
    public var startLine: Int
    /// 1-based UTF-8 column of the call expression's start; 0 when unknown.
    public var startColumn: Int
    public var endLine: Int
    public init(file: RepoPath, startLine: Int, startColumn: Int = 0, endLine: Int) {
        self.file = file
        self.startLine = startLine
        self.startColumn = startColumn
        self.endLine = endLine
    }
}

/// The start of a call site: line and column (column 0: every site starting on the line).
public struct SitePosition: Hashable, Codable, Sendable, Comparable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public static func < (a: SitePosition, b: SitePosition) -> Bool { (a.line, a.column) < (b.line, b.column) }
    /// Whether an edge made at `line:column` is at this site.
    func holds(_ e: Edge) -> Bool { e.line == line && (column == 0 || e.column == column) }
}

/// What the index knows of a definition.
public struct DefinitionInfo: Hashable, Sendable {
    public var kind: SymbolKind
    public var file: RepoPath
    public var startLine: Int
    public var endLine: Int
    /// Decorators and other attributes the indexer recorded (`property`, `cached_property`, ...).
    public var attributes: [String]
    public init(kind: SymbolKind, file: RepoPath, startLine: Int, endLine: Int, attributes: [String] = []) {
        self.kind = kind
        self.file = file
        self.startLine = startLine
        self.endLine = endLine
        self.attributes = attributes
    }
}

/// How an observed call corresponds to the static graph.
public enum MatchRoute: String, Codable, Sendable, Comparable {
    /// An edge from the caller to the callee at the call site.
    case direct
    /// An edge from the caller to a torch op node, and the op's edge to the callee (a Python op implementation).
    case op
    /// An edge from the caller to a dispatch hub (`torch.nn.Module.__call__`), and the hub's dispatch edge to the callee.
    case dispatch
    /// An edge from the caller to a class, and the callee is that class's `__init__`/`__new__`/`__post_init__`
    /// (or an inherited constructor run with `self` of that class).
    case constructor

    var rank: Int { [.direct: 0, .op: 1, .dispatch: 2, .constructor: 3][self]! }
    public static func < (a: MatchRoute, b: MatchRoute) -> Bool { a.rank < b.rank }
}

/// One static edge (or two-edge route) that an observed call is.
public struct EdgeMatch: Hashable, Codable, Sendable {
    public var route: MatchRoute
    /// The edge at the call site.
    public var edge: Edge
    /// The second edge for `op` and `dispatch` routes.
    public var via: Edge?
    /// The weaker of the route's edges.
    public var confidence: Confidence
}

/// Why an observed call is not an edge of the static graph.
public enum MissCause: String, Codable, Sendable, CaseIterable, Comparable {
    /// There is a call site at the line, but no edge from it to what ran.
    case noStaticEdge = "no-static-edge"
    /// The line is in the caller's body but holds no call site: a property getter, a `with` or `for`
    /// protocol method, an operator, a decorator applied at definition time.
    case implicitCall = "implicit-call"
    /// What ran has no definition in the index (generated code, or another release).
    case calleeNotIndexed = "callee-not-indexed"
    /// The caller has no definition in the index.
    case callerNotIndexed = "caller-not-indexed"
    /// The line is outside the caller's definition: the trace is probably of another release.
    case lineNotACallSite = "line-not-a-call-site"
    /// The run's copy of the caller's file differs from the one indexed (an installed build that
    /// patches a few files of the source release): its lines cannot be trusted.
    case fileDiffers = "file-differs"

    /// The phrase reports print.
    public var explanation: String {
        switch self {
        case .noStaticEdge: return "no static edge"
        case .implicitCall: return "no call written at this line (implicit call: property, with/for, operator)"
        case .calleeNotIndexed: return "callee not indexed"
        case .callerNotIndexed: return "caller not indexed"
        case .lineNotACallSite: return "line not a call site: trace of another release?"
        case .fileDiffers: return "the run's copy of the file differs from the indexed one"
        }
    }
    public static func < (a: MissCause, b: MissCause) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// An observed call with its static counterpart, or the reason it has none.
public struct ClassifiedCall: Hashable, Codable, Sendable {
    public var observed: ObservedCall
    /// The call sites the observed call belongs to (empty when none): the one starting at its line and
    /// column; without a column (or for a generator, which starts where it is first iterated), every
    /// site starting on the line, else the innermost one spanning it.
    public var sites: [SitePosition]
    /// The surest route, nil when the call is a miss.
    public var match: EdgeMatch?
    /// Every static edge at the site that the observed call accounts for (the first edge of each route).
    public var matchedEdges: [Edge]
    /// Why no edge, when `match` is nil.
    public var miss: MissCause?
    /// For misses: what kind of callee ran (`property getter`, `__call__`, ...), "" when nothing special.
    public var calleeHint: String
}

/// Matches observed calls to static edges. Lookups are cached per node: build one per report.
public final class TraceMatcher {
    let graph: StaticGraphView
    private var outCache: [String: [Edge]] = [:]
    private var siteCache: [String: [SiteSpan]] = [:]
    private var defCache: [String: DefinitionInfo?] = [:]

    /// Files whose text in the run differs from the index's.
    public let differingFiles: Set<RepoPath>

    public init(graph: StaticGraphView, differingFiles: Set<RepoPath> = []) {
        self.graph = graph
        self.differingFiles = differingFiles
    }

    func edges(_ n: String) -> [Edge] {
        if let c = outCache[n] { return c }
        let e = graph.edges(from: n)
        outCache[n] = e
        return e
    }

    func definition(_ n: String) -> DefinitionInfo? {
        if let c = defCache[n] { return c }
        let d = graph.definition(of: n)
        defCache[n] = d
        return d
    }

    /// The recorder names a lambda by its definition line (`m.f.<lambda:12>`); the index names a lambda
    /// bound to a name by that name. Lambdas the index has no name for fold into the enclosing function.
    public func canonicalName(_ name: String, file: RepoPath) -> String {
        guard name.contains("<lambda:") else { return name }
        var parts = name.split(separator: ".").map(String.init)
        var i = 0
        while i < parts.count {
            let p = parts[i]
            if p.hasPrefix("<lambda:"), p.hasSuffix(">"), let line = Int(p.dropFirst(8).dropLast()) {
                if i == parts.count - 1, let named = graph.lambda(file: file, line: line) {
                    return named
                }
                parts.remove(at: i)
            } else {
                i += 1
            }
        }
        return parts.joined(separator: ".")
    }

    /// The trace with lambda names in the index's form, records that become equal merged.
    public func canonical(_ trace: RecordedTrace) -> RecordedTrace {
        var merged: [ObservedCall: Int] = [:]
        for c in trace.calls {
            var k = c
            k.caller = canonicalName(c.caller, file: c.file)
            if c.kind == .call { k.callee = canonicalName(c.callee, file: c.calleeFile) }
            k.count = 0
            merged[k, default: 0] += c.count
        }
        var t = trace
        t.calls = merged.map { k, n in var c = k; c.count = n; return c }.sorted()
        var entries: [String: Int] = [:]
        for (k, n) in trace.entries { entries[k, default: 0] += n }
        t.entries = entries
        return t
    }

    /// The call sites of `caller` an observed call belongs to (see `ClassifiedCall.sites`).
    public func sites(caller: String, file: RepoPath, line: Int, column: Int) -> [SitePosition] {
        let all: [SiteSpan]
        if let c = siteCache[caller] { all = c } else {
            all = graph.callSites(of: caller)
            siteCache[caller] = all
        }
        let inFile = all.filter { $0.file == file }
        if column > 0, inFile.contains(where: { $0.startLine == line && $0.startColumn == column }) {
            return [SitePosition(line: line, column: column)]
        }
        if inFile.contains(where: { $0.startLine == line }) { return [SitePosition(line: line, column: 0)] }
        let spanning = inFile.filter { $0.startLine <= line && line <= $0.endLine }
        guard let inner = spanning.max(by: { ($0.startLine, $0.startColumn) < ($1.startLine, $1.startColumn) }) else { return [] }
        return [SitePosition(line: inner.startLine, column: inner.startColumn)]
    }

    /// Static edges of `caller` at the given sites of `file`.
    func siteEdges(caller: String, file: RepoPath, sites: [SitePosition]) -> [Edge] {
        edges(caller).filter { e in e.file == file && sites.contains { $0.holds(e) } }
    }

    static let constructors: Set<String> = ["__init__", "__new__", "__post_init__"]

    /// Every route by which the static edge `e` accounts for the observed call `o`.
    func routes(_ e: Edge, _ o: ObservedCall) -> [EdgeMatch] {
        var out: [EdgeMatch] = []
        if e.callee == o.callee {
            out.append(EdgeMatch(route: .direct, edge: e, via: nil, confidence: e.confidence))
            return out
        }
        guard o.kind == .call else { return out }
        let second = edges(e.callee).filter { $0.callee == o.callee }
        if let v = second.min(by: { $0.confidence < $1.confidence }) {
            let route: MatchRoute = e.callee.hasPrefix("torch.ops.") ? .op : .dispatch
            if route == .op || v.kind == .dispatch {
                out.append(EdgeMatch(route: route, edge: e, via: v, confidence: e.confidence.weakened(by: v.confidence)))
            }
        }
        let last = o.callee.split(separator: ".").last.map(String.init) ?? ""
        if Self.constructors.contains(last) {
            let owner = String(o.callee.dropLast(last.count + 1))
            if (owner == e.callee || o.selfClass == e.callee), definition(e.callee)?.kind == .class {
                out.append(EdgeMatch(route: .constructor, edge: e, via: nil, confidence: e.confidence))
            }
        }
        return out
    }

    /// Classifies one observed call (names already canonical).
    public func classify(_ o: ObservedCall) -> ClassifiedCall {
        let positions = sites(caller: o.caller, file: o.file, line: o.line, column: o.resumable ? 0 : o.column)
        let candidates = siteEdges(caller: o.caller, file: o.file,
                                   sites: positions.isEmpty ? [SitePosition(line: o.line, column: 0)] : positions)
        var all: [EdgeMatch] = []
        for e in candidates { all += routes(e, o) }
        let best = all.min { a, b in
            if a.confidence != b.confidence { return a.confidence < b.confidence }
            if a.route != b.route { return a.route < b.route }
            return a.edge < b.edge
        }
        var matched: [Edge] = []
        for m in all where !matched.contains(m.edge) { matched.append(m.edge) }
        var miss: MissCause? = nil
        var hint = ""
        if best == nil {
            miss = missCause(o, lines: positions.map(\.line))
            hint = calleeHint(o)
        }
        return ClassifiedCall(observed: o, sites: positions, match: best, matchedEdges: matched.sorted(), miss: miss,
                              calleeHint: hint)
    }

    func missCause(_ o: ObservedCall, lines: [Int]) -> MissCause {
        if differingFiles.contains(o.file) { return .fileDiffers }
        guard let caller = definition(o.caller) else { return .callerNotIndexed }
        if o.kind == .op {
            if !graph.isGraphNode(o.callee) { return .calleeNotIndexed }
        } else if definition(o.callee) == nil {
            return .calleeNotIndexed
        }
        // A module's calls are anywhere in its file; a function's inside its lines.
        let inside = caller.file == o.file
            && (caller.kind == .module || (caller.startLine <= o.line && o.line <= caller.endLine))
        if !inside { return .lineNotACallSite }
        return lines.isEmpty ? .implicitCall : .noStaticEdge
    }

    /// What kind of function ran, for the miss tables (the causes the call graph must learn).
    func calleeHint(_ o: ObservedCall) -> String {
        guard o.kind == .call else { return "" }
        let attrs = Set(definition(o.callee)?.attributes ?? [])
        for a in ["cached_property", "property", "functools.cached_property"] where attrs.contains(a) {
            return a.hasSuffix("cached_property") ? "cached_property getter" : "property getter"
        }
        if attrs.contains(where: { $0.hasSuffix(".setter") }) { return "property setter" }
        let last = o.callee.split(separator: ".").last.map(String.init) ?? ""
        switch last {
        case "__call__": return "__call__ of a callable object"
        case "__post_init__": return "dataclass __post_init__"
        case "__init__", "__new__": return "constructor"
        case "__enter__", "__exit__": return "context manager"
        case "__iter__", "__next__", "__len__", "__getitem__", "__setitem__", "__contains__", "__bool__",
             "__eq__", "__hash__", "__repr__", "__str__", "__getattr__", "__del__":
            return "special method \(last)"
        default: break
        }
        if last.hasPrefix("__"), last.hasSuffix("__"), last.count > 4 { return "special method \(last)" }
        if !o.selfClass.isEmpty { return "method of a subclass instance (\(o.selfClass))" }
        if let k = definition(o.caller)?.kind, k == .module || k == .class {
            return "from a module or class body (import time: decorator, registration)"
        }
        return ""
    }
}

/// Edges in memory, for tests and fixtures.
public struct InMemoryStaticGraph: StaticGraphView {
    public var edgesByCaller: [String: [Edge]]
    public var nodes: Set<String>
    public var sites: [String: [SiteSpan]]
    public var definitions: [String: DefinitionInfo]
    public var lambdas: [String: String]

    public init(edges: [Edge], sites: [String: [SiteSpan]], definitions: [String: DefinitionInfo],
                lambdas: [RepoPath: [Int: String]] = [:])
    {
        var by: [String: [Edge]] = [:]
        var nodes = Set<String>()
        for e in edges.sorted() {
            by[e.caller, default: []].append(e)
            nodes.insert(e.caller)
            nodes.insert(e.callee)
        }
        edgesByCaller = by
        self.nodes = nodes
        self.sites = sites
        self.definitions = definitions
        var l: [String: String] = [:]
        for (f, m) in lambdas { for (line, n) in m { l["\(f.rawValue):\(line)"] = n } }
        self.lambdas = l
    }
    public func edges(from node: String) -> [Edge] { edgesByCaller[node] ?? [] }
    public func isGraphNode(_ node: String) -> Bool { nodes.contains(node) }
    public func callSites(of caller: String) -> [SiteSpan] { sites[caller] ?? [] }
    public func definition(of name: String) -> DefinitionInfo? { definitions[name] }
    public func lambda(file: RepoPath, line: Int) -> String? { lambdas["\(file.rawValue):\(line)"] }
}
