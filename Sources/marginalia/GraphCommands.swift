import ArgumentParser
import CallGraph
import Foundation
import IndexModel
import MarginaliaKit

struct GraphOutputOptions: ParsableArguments {
    @Flag(help: "JSON output.") var json = false
    @Flag(help: "Graphviz dot output.") var dot = false
    @Option(name: .customLong("min-confidence"), help: "Weakest edges followed: exact, inferred, candidate, name-only.")
    var minConfidence: String = "candidate"
    @Option(name: .customLong("max-children"), parsing: .unconditional, help: "Callers/callees: at most this many neighbours shown per node.")
    var maxChildren = 60
    @Option(name: .customLong("max-nodes"), parsing: .unconditional, help: "Callers/callees: at most this many nodes in the tree.")
    var maxNodes = 5000
    @Option(help: "Leave out code in these top-level folders or packages, comma-separated (e.g. tests,benchmarks).")
    var exclude: String?
    @Flag(help: "Only edges a recorded run took (marginalia trace import), with their counts.")
    var observed = false
    @Option(name: .customLong("trace"), help: "With --observed: which recorded run (default: the only one).")
    var traceName: String?

    /// The static edges, or with --observed the edges of a recorded run.
    func edges(_ q: GraphQueries) throws -> EdgeStore {
        guard observed || traceName != nil else { return q.edges }
        return try TraceService.observedEdges(try TraceService.resolveName(traceName, store: q.store), store: q.store)
    }

    /// A command-line name as a node: of the index, or (with --observed) of the run, such as an op the
    /// index has no registration for.
    func node(_ name: String, _ q: GraphQueries, _ edges: EdgeStore) throws -> String {
        do { return try q.node(name) } catch {
            guard let run = edges as? InMemoryEdgeStore, case .found(let n) = SymbolLookup(names: run.nodeNames).find(name)
            else { throw error }
            return n
        }
    }

    func check() throws {
        guard maxChildren >= 1 else { throw ValidationError("--max-children must be at least 1 (it was \(maxChildren))") }
        guard maxNodes >= 1 else { throw ValidationError("--max-nodes must be at least 1 (it was \(maxNodes))") }
        guard !(json && dot) else { throw ValidationError("--json and --dot exclude each other") }
        _ = try confidence()
    }

    /// The folders and packages `--exclude` names.
    var excluded: [String] {
        (exclude ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `store` without the excluded code (the query's own nodes stay).
    func excluding(_ store: EdgeStore, keep: [String]) -> EdgeStore {
        excluded.isEmpty ? store : ExcludingEdgeStore(base: store, excluded: excluded, kept: Set(keep))
    }

    func confidence() throws -> Confidence {
        guard let c = Confidence(rawValue: minConfidence) ?? Confidence(rawValue: minConfidence.replacingOccurrences(of: "-", with: "_"))
            ?? Confidence.allCases.first(where: { "\($0)".lowercased() == minConfidence.replacingOccurrences(of: "-", with: "").lowercased() })
        else {
            throw ValidationError("unknown confidence '\(minConfidence)' (exact, inferred, candidate, name-only)")
        }
        return c
    }
}

/// The run-time configuration a graph query follows.
struct ProfileOptions: ParsableArguments {
    @Option(help: "Run-time profile: a name, a YAML file, or 'none' (default: the release's own, Annotations/profiles/vllm-RELEASE.yaml).")
    var profile: String?
    @Option(help: "Change one choice of the profile, KEY=VALUE (repeatable), e.g. attention_backend=XFORMERS.")
    var assume: [String] = []
    @Flag(name: .customLong("include-warmup"), help: "Follow warm-up, profiling and CUDA-graph capture routes too.")
    var includeWarmup = false
    @Flag(name: .customLong("include-tests"), help: "Follow code under tests/, benchmarks/ and examples/ too.")
    var includeTests = false

    func configuration(_ q: GraphQueries) throws -> QueryConfiguration {
        try q.configuration(profile: profile, assume: assume, includeWarmup: includeWarmup, includeTests: includeTests)
    }
}

struct TreeCommand {
    static func validate(symbol: String, depth: Int) throws {
        guard !symbol.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("the symbol is empty; pass a qualified name or a unique suffix (LLM.generate)")
        }
        guard depth >= 1 else { throw ValidationError("--depth must be at least 1 (it was \(depth))") }
    }

    static func run(_ symbol: String, direction: Direction, depth: Int, output: GraphOutputOptions, profile: ProfileOptions,
                    database: DatabaseOptions) throws {
        try runReporting(json: output.json) {
            try validate(symbol: symbol, depth: depth)
            try output.check()
            let q = try GraphQueries(store: try database.store())
            let observed = output.observed || output.traceName != nil
            let recorded = try output.edges(q)
            let node = try output.node(symbol, q, recorded)
            // A recorded run is what ran: no profile narrows it.
            let config = try profile.configuration(q)
            let view: EdgeStore = output.excluding(
                observed ? recorded : q.edges(under: config, hierarchy: try q.hierarchy(), endpoints: [node]), keep: [node])
            let tree = callTree(node, direction: direction, in: view, depth: depth, minConfidence: try output.confidence(),
                                maxChildren: output.maxChildren, maxNodes: output.maxNodes)
            var out = Output()
            var headline = observed ? "observed: edges of a recorded run" : config.headline
            if !output.excluded.isEmpty { headline += "; excluded: " + output.excluded.joined(separator: ", ") }
            if !output.json && !output.dot { out.line(headline) }
            if output.json {
                out.line(GraphJSON.tree(tree, headline: headline, profile: observed ? nil : config.profile?.name,
                                        assumptions: observed ? [] : config.assumptions.map { "\($0.key)=\($0.value)" },
                                        source: q.sourceLine))
            } else if output.dot {
                let edges = GraphFormat.edges(of: tree)
                out.buffer += GraphDot.render(edges, title: node,
                                              languages: try q.store.languages(of: Array(Set(edges.flatMap { [$0.caller, $0.callee] }))))
            } else {
                let indexed = try TreeView.indexedNodes(tree, store: q.store)
                out.buffer += TreeView.text(tree, source: q.sourceLine, isIndexed: indexed.contains)
            }
            out.flush()
        }
    }
}

struct CallersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "callers", abstract: "Who calls a symbol, as a tree.")
    @Argument(help: "A qualified name or unique suffix.") var symbol: String
    @Option(parsing: .unconditional, help: "Levels to walk (at least 1).") var depth = 3
    @OptionGroup var output: GraphOutputOptions
    @OptionGroup var profile: ProfileOptions
    @OptionGroup var database: DatabaseOptions
    func run() throws { try TreeCommand.run(symbol, direction: .callers, depth: depth, output: output, profile: profile, database: database) }
}

struct CalleesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "callees", abstract: "What a symbol calls, as a tree.")
    @Argument(help: "A qualified name or unique suffix.") var symbol: String
    @Option(parsing: .unconditional, help: "Levels to walk (at least 1).") var depth = 3
    @OptionGroup var output: GraphOutputOptions
    @OptionGroup var profile: ProfileOptions
    @OptionGroup var database: DatabaseOptions
    func run() throws { try TreeCommand.run(symbol, direction: .callees, depth: depth, output: output, profile: profile, database: database) }
}

struct PathCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "path", abstract: "Call paths from one symbol to another, shortest first, across languages.")
    @Argument(help: "Where paths start.") var from: String
    @Argument(help: "Where paths end.") var to: String
    @Option(name: .customLong("max-depth"), parsing: .unconditional, help: "Longest path, in hops.") var maxDepth = 24
    @Option(name: .customLong("max-paths"), parsing: .unconditional, help: "How many paths.") var maxPaths = 3
    @Option(help: "A symbol the path must pass through, in order (repeatable): picks one route among equally short ones.")
    var via: [String] = []
    @OptionGroup var output: GraphOutputOptions
    @OptionGroup var profile: ProfileOptions
    @OptionGroup var database: DatabaseOptions
    func check() throws {
        for (what, name) in [("start", from), ("end", to)] + via.map({ ("--via", $0) })
        where name.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("the \(what) symbol is empty; pass a qualified name or a unique suffix (LLM.generate)")
        }
        guard maxDepth >= 1 else { throw ValidationError("--max-depth must be at least 1 (it was \(maxDepth))") }
        guard maxPaths >= 1 else { throw ValidationError("--max-paths must be at least 1 (it was \(maxPaths))") }
        guard output.exclude == nil else {
            throw ValidationError("--exclude is for callers and callees; path leaves out tests, benchmarks and examples unless --include-tests")
        }
    }

    func run() throws {
        try runReporting(json: output.json) {
            try check()
            try output.check()
            let q = try GraphQueries(store: try database.store())
            let observed = output.observed || output.traceName != nil
            let recorded = try output.edges(q)
            let a = try output.node(from, q, recorded), b = try output.node(to, q, recorded)
            let waypoints = try via.map { try output.node($0, q, recorded) }
            var asked = try profile.configuration(q)
            let found: ProfiledPaths
            if observed {
                // A recorded run is what ran: no profile narrows it.
                asked.profile = nil
                let r = waypoints.isEmpty
                    ? paths(from: a, to: b, in: recorded, maxDepth: maxDepth, maxPaths: maxPaths, minConfidence: try output.confidence())
                    : paths(from: a, to: b, via: waypoints, in: recorded, maxDepth: maxDepth, minConfidence: try output.confidence())
                found = ProfiledPaths(configuration: asked, result: r, throughUnknownModule: false, reachedWith: [],
                                      reachedAsAsked: !r.paths.isEmpty, blocking: nil)
            } else {
                found = try q.paths(from: a, to: b, via: waypoints, under: asked, maxDepth: maxDepth, maxPaths: maxPaths,
                                    minConfidence: try output.confidence())
            }
            let result = found.result
            // No path: say whether the depth limit cut the search (a longer path exists) or none exists.
            var note: String?
            if result.paths.isEmpty, !result.truncated, waypoints.isEmpty {
                let view: EdgeStore = observed ? recorded
                    : q.edges(under: found.configuration, hierarchy: try q.hierarchy(), endpoints: [a, b])
                let longer = paths(from: a, to: b, in: view, maxDepth: max(maxDepth, 64), maxPaths: 1,
                                   minConfidence: try output.confidence(), maxVisits: 500_000)
                if let p = longer.paths.first, p.hops.count > maxDepth {
                    note = "no path of at most \(maxDepth) hops (--max-depth \(maxDepth)); the shortest has \(p.hops.count) hops: pass --max-depth \(p.hops.count)"
                } else {
                    note = "no path of at most \(max(maxDepth, 64)) hops exists under this configuration"
                }
            }
            let headline = observed ? "observed: edges of a recorded run" : asked.headline
            var out = Output()
            if !output.json && !output.dot {
                out.line(headline)
                if !found.reachedAsAsked, let p = asked.profile {
                    out.line("\(b) is not reached from \(a) under profile \(p.name)" +
                             (found.blocking.map { " (\($0.assumption): \($0.why))" } ?? "") +
                             (found.reachedWith.isEmpty ? "." : "; it is reached with:"))
                    for (assumption, why) in found.reachedWith { out.line("  --assume \(assumption)   (vLLM takes it when: \(why))") }
                    if !found.reachedWith.isEmpty { out.line("paths below assume \(found.reachedWith[0].assumption):") }
                }
                if found.throughUnknownModule {
                    out.line("note: every route passes through a call whose receiver's class is unknown (torch.nn.Module.__call__ of any module, or one of more than \(ProfiledEdgeStore.strictCandidateLimit) candidates)")
                }
            }
            if output.json {
                out.line(GraphJSON.paths(found, headline: headline, maxDepth: maxDepth, note: note, source: q.sourceLine))
            } else if output.dot {
                let edges = GraphFormat.edges(of: result)
                out.buffer += GraphDot.render(edges, title: "\(a) -> \(b)",
                                              languages: try q.store.languages(of: Array(Set(edges.flatMap { [$0.caller, $0.callee] }))))
            } else {
                out.buffer += GraphFormat.text(result, source: q.sourceLine)
                if let note { out.line(note) }
            }
            out.flush()
            if result.paths.isEmpty { throw ExitCode(1) }
        }
    }
}
