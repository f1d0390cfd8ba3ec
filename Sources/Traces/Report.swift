// The static-vs-observed measures: how much of a run the call graph has, why it misses the rest, and
// whether the labels `exact` and `inferred` name what ran at the call sites that executed.
import CallGraph
import IndexModel

/// A share with its numerator and denominator (so reports can be summed across runs).
public struct Share: Hashable, Codable, Sendable {
    public var count: Int
    public var total: Int
    public init(_ count: Int, of total: Int) {
        self.count = count
        self.total = total
    }
    /// In percent, 0 when the total is 0.
    public var percent: Double { total == 0 ? 0 : 100 * Double(count) / Double(total) }
    public var text: String { total == 0 ? "-" : "\(count)/\(total) (\(formatPercent(percent)))" }
}

func formatPercent(_ p: Double) -> String {
    let tenths = Int((p * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)%"
}

/// A static edge with an observable callee at a call site that executed, and whether its callee ran there.
public struct LabelCheck: Hashable, Codable, Sendable, Comparable {
    public var edge: Edge
    public var ran: Bool
    /// What the run called from that site (callees of the observed calls there), sorted.
    public var ranInstead: [String]
    public static func < (a: LabelCheck, b: LabelCheck) -> Bool { a.edge < b.edge }
}

/// A call site with several observable static callees (a dispatch site) and the ones that ran.
public struct DispatchSite: Hashable, Codable, Sendable, Comparable {
    public var caller: String
    public var file: RepoPath
    public var line: Int
    /// Static callees at the site with their confidence, sorted by name.
    public var candidates: [Edge]
    /// The callees the run took there (observed names), sorted.
    public var ran: [String]
    public static func < (a: DispatchSite, b: DispatchSite) -> Bool {
        (a.file.rawValue, a.line, a.caller) < (b.file.rawValue, b.line, b.caller)
    }
}

/// The whole comparison of one run with the static graph.
public struct TraceDiff: Codable, Sendable {
    public var trace: String
    public var release: String
    /// Every distinct observed vllm -> vllm call (runtime classes merged), classified, sorted.
    public var calls: [ClassifiedCall]
    /// Every distinct observed torch op call, classified, sorted.
    public var ops: [ClassifiedCall]
    /// Observed calls that are static edges, any confidence (name-only included).
    public var staticEdges: Share
    /// Observed calls that are exact or inferred edges (through a route: its weakest edge).
    public var exactOrInferred: Share
    public var opStaticEdges: Share
    public var opExactOrInferred: Share
    /// Matched calls by the confidence of their surest route.
    public var byConfidence: [String: Int]
    /// Matched calls by route (direct, op, dispatch, constructor).
    public var byRoute: [String: Int]
    /// Misses by cause (vllm -> vllm calls).
    public var missesByCause: [String: Int]
    /// Misses of `no-static-edge` and `implicit-call` by the kind of callee that ran.
    public var missesByHint: [String: Int]
    /// Observed ops without a static edge, by cause.
    public var opMissesByCause: [String: Int]
    /// Label checks at executed sites, per confidence (`exact`, `inferred`, `candidate`, `nameOnly`).
    public var labels: [String: Share]
    /// Every check, sorted: the wrong ones are those with `ran == false`.
    public var checks: [LabelCheck]
    /// Edges at executed sites whose callee is a class with no constructor code the run could see.
    public var unverifiable: Int
    /// Sites with two or more observable static callees.
    public var dispatchSites: [DispatchSite]
}

/// Builds the diff: classification of every observed call, then the label checks at executed sites.
public func traceDiff(name: String, trace: RecordedTrace, matcher: TraceMatcher) -> TraceDiff {
    let t = matcher.canonical(trace)
    // Runtime classes merged: the measures count distinct (caller, callee, site).
    var merged: [ObservedCall: Int] = [:]
    var selfClasses: [ObservedCall: Set<String>] = [:]
    for c in t.calls {
        var k = c
        k.count = 0
        k.selfClass = ""
        k.within = false
        merged[k, default: 0] += c.count
        if !c.selfClass.isEmpty { selfClasses[k, default: []].insert(c.selfClass) }
    }
    let distinct = merged.map { k, n -> ObservedCall in
        var c = k
        c.count = n
        // One runtime class kept for matching constructors (the smallest name: deterministic).
        c.selfClass = selfClasses[k]?.sorted().first ?? ""
        return c
    }.sorted()
    var classifiedCalls: [ClassifiedCall] = []
    var classifiedOps: [ClassifiedCall] = []
    for o in distinct {
        let c = matcher.classify(o)
        if o.kind == .op { classifiedOps.append(c) } else { classifiedCalls.append(c) }
    }
    func shares(_ cs: [ClassifiedCall]) -> (Share, Share) {
        let m = cs.filter { $0.match != nil }.count
        let ei = cs.filter { ($0.match?.confidence ?? .nameOnly) <= .inferred }.count
        return (Share(m, of: cs.count), Share(ei, of: cs.count))
    }
    let (se, ei) = shares(classifiedCalls)
    let (ose, oei) = shares(classifiedOps)
    var byConfidence: [String: Int] = [:], byRoute: [String: Int] = [:], misses: [String: Int] = [:]
    var hints: [String: Int] = [:], opMisses: [String: Int] = [:]
    for c in classifiedCalls {
        if let m = c.match {
            byConfidence[m.confidence.rawValue, default: 0] += 1
            byRoute[m.route.rawValue, default: 0] += 1
        } else if let cause = c.miss {
            misses[cause.rawValue, default: 0] += 1
            if cause == .noStaticEdge || cause == .implicitCall {
                hints[c.calleeHint.isEmpty ? "plain function or method" : c.calleeHint, default: 0] += 1
            }
        }
    }
    for c in classifiedOps where c.match == nil { opMisses[c.miss!.rawValue, default: 0] += 1 }

    // Executed sites: (caller, file, site line) of every observed call that belongs to a call site.
    struct Site: Hashable { var caller: String; var file: RepoPath; var position: SitePosition }
    var ranAt: [Site: Set<String>] = [:]
    var accounted = Set<Edge>()
    for c in classifiedCalls + classifiedOps where !matcher.differingFiles.contains(c.observed.file) {
        for p in c.sites { ranAt[Site(caller: c.observed.caller, file: c.observed.file, position: p), default: []].insert(c.observed.callee) }
        for e in c.matchedEdges { accounted.insert(e) }
    }
    // Classes whose construction the run could see: a constructor of theirs or one run with self of them.
    var constructed = Set<String>()
    for c in classifiedCalls {
        let last = c.observed.callee.split(separator: ".").last.map(String.init) ?? ""
        if TraceMatcher.constructors.contains(last) {
            constructed.insert(String(c.observed.callee.dropLast(last.count + 1)))
            if !c.observed.selfClass.isEmpty { constructed.insert(c.observed.selfClass) }
        }
    }
    var checks: [LabelCheck] = []
    var unverifiable = 0
    var dispatch: [DispatchSite] = []
    // A site known by its line only covers every site starting on the line: checked once.
    var checked = Set<Edge>()
    for site in ranAt.keys.sorted(by: { ($0.file.rawValue, $0.position, $0.caller) < ($1.file.rawValue, $1.position, $1.caller) }) {
        let edges = matcher.edges(site.caller).filter {
            $0.file == site.file && site.position.holds($0) && $0.kind != .reference && !checked.contains($0)
        }
        checked.formUnion(edges)
        var observable: [Edge] = []
        for e in edges {
            // Checked: what the run accounts for (a hub it went through included), torch ops, and the
            // package's own functions; edges to other libraries are not observable.
            if accounted.contains(e) || e.callee.hasPrefix("torch.ops.") { observable.append(e); continue }
            guard let d = matcher.definition(e.callee), d.file.rawValue.hasPrefix(trace.run.package + "/") else { continue }
            if d.kind == .class {
                let own = TraceMatcher.constructors.contains { matcher.definition(e.callee + "." + $0) != nil }
                if !own && !constructed.contains(e.callee) { unverifiable += 1; continue }
            }
            observable.append(e)
        }
        let ran = ranAt[site]!.sorted()
        for e in observable {
            checks.append(LabelCheck(edge: e, ran: accounted.contains(e), ranInstead: accounted.contains(e) ? [] : ran))
        }
        let distinctCallees = Set(observable.map(\.callee))
        if distinctCallees.count >= 2 {
            var best: [String: Edge] = [:]
            for e in observable where best[e.callee].map({ e.confidence < $0.confidence }) ?? true { best[e.callee] = e }
            dispatch.append(DispatchSite(caller: site.caller, file: site.file, line: site.position.line,
                                         candidates: best.values.sorted { $0.callee < $1.callee }, ran: ran))
        }
    }
    checks.sort()
    var labels: [String: Share] = [:]
    for conf in Confidence.allCases {
        let cs = checks.filter { $0.edge.confidence == conf }
        labels[conf.rawValue] = Share(cs.filter(\.ran).count, of: cs.count)
    }
    return TraceDiff(trace: name, release: trace.run.release, calls: classifiedCalls, ops: classifiedOps,
                     staticEdges: se, exactOrInferred: ei, opStaticEdges: ose, opExactOrInferred: oei,
                     byConfidence: byConfidence, byRoute: byRoute, missesByCause: misses, missesByHint: hints,
                     opMissesByCause: opMisses, labels: labels, checks: checks, unverifiable: unverifiable,
                     dispatchSites: dispatch.sorted())
}

/// The part of a run under `entry`: the calls whose caller the run reached from `entry` (through
/// observed calls), and the op calls they made. An approximation where a function runs both under the
/// entry and elsewhere: its calls from elsewhere are kept too.
public func restricted(_ trace: RecordedTrace, under entry: String) -> RecordedTrace {
    if entry == trace.run.within {
        // The recorder marked what ran while `entry` was running: exact.
        var t = trace
        t.calls = trace.calls.filter(\.within)
        return t
    }
    var out: [String: [String]] = [:]
    for c in trace.calls where c.kind == .call { out[c.caller, default: []].append(c.callee) }
    var seen: Set<String> = [entry]
    var frontier = [entry]
    while let n = frontier.popLast() {
        for m in out[n] ?? [] where seen.insert(m).inserted { frontier.append(m) }
    }
    var t = trace
    t.calls = trace.calls.filter { seen.contains($0.caller) }
    return t
}

// MARK: Chains

/// One hop of an observed chain, with its static counterpart.
public struct ChainHop: Hashable, Codable, Sendable {
    public var call: ClassifiedCall
}

/// The observed route from the entry point to one torch op: the fewest hops, ties broken by name.
public struct ObservedChain: Hashable, Codable, Sendable {
    public var entry: String
    public var target: String
    public var hops: [ChainHop]
}

/// For every op the run called under `entry`, the shortest observed chain from `entry` to it.
/// Chains walk observed calls only (every hop ran); each hop says whether the static graph has it.
public func observedChains(from entry: String, trace: RecordedTrace, matcher: TraceMatcher) -> [ObservedChain] {
    // Under the function the recorder marked, only what ran while it was running.
    let t = restricted(matcher.canonical(trace), under: entry)
    var out: [String: [ObservedCall]] = [:]
    for c in t.calls { out[c.caller, default: []].append(c) }
    for k in out.keys { out[k]!.sort { ($0.callee, $0.file.rawValue, $0.line) < ($1.callee, $1.file.rawValue, $1.line) } }
    // Breadth first over callers, remembering the first (sorted) call that reached each node.
    var parent: [String: ObservedCall] = [:]
    var seen: Set<String> = [entry]
    var frontier = [entry]
    var opsReached: [String: ObservedCall] = [:]
    while !frontier.isEmpty {
        var next: [String] = []
        for n in frontier {
            for c in out[n] ?? [] {
                if c.kind == .op {
                    if opsReached[c.callee] == nil { opsReached[c.callee] = c }
                    continue
                }
                if seen.insert(c.callee).inserted {
                    parent[c.callee] = c
                    next.append(c.callee)
                }
            }
        }
        frontier = next
    }
    var chains: [ObservedChain] = []
    for op in opsReached.keys.sorted() {
        var hops: [ObservedCall] = [opsReached[op]!]
        var n = hops[0].caller
        while n != entry, let p = parent[n] {
            hops.append(p)
            n = p.caller
        }
        hops.reverse()
        chains.append(ObservedChain(entry: entry, target: op, hops: hops.map { ChainHop(call: matcher.classify($0)) }))
    }
    return chains
}
