import ArgumentParser
import CallGraph
import Foundation
import IndexModel
import MarginaliaKit

struct GraphOutputOptions: ParsableArguments {
    @Flag(help: "JSON output.") var json = false
    @Flag(help: "Graphviz dot output.") var dot = false
    @Option(name: .customLong("min-confidence"), help: "Weakest edges followed: exact, inferred, candidate, name-only (default: candidate).")
    var minConfidence: String = "candidate"
    @Option(name: .customLong("max-children"), help: "Callers/callees: at most this many neighbours shown per node.")
    var maxChildren = 60
    @Option(name: .customLong("max-nodes"), help: "Callers/callees: at most this many nodes in the tree.")
    var maxNodes = 5000
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

    func confidence() throws -> Confidence {
        guard let c = Confidence(rawValue: minConfidence) ?? Confidence(rawValue: minConfidence.replacingOccurrences(of: "-", with: "_"))
            ?? Confidence.allCases.first(where: { "\($0)".lowercased() == minConfidence.replacingOccurrences(of: "-", with: "").lowercased() })
        else {
            throw UserError("marginalia: unknown confidence '\(minConfidence)' (exact, inferred, candidate, name-only)")
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
    static func run(_ symbol: String, direction: Direction, depth: Int, output: GraphOutputOptions, profile: ProfileOptions,
                    database: DatabaseOptions) throws {
        try runReporting {
            let q = try GraphQueries(store: try database.store())
            let observed = output.observed || output.traceName != nil
            let recorded = try output.edges(q)
            let node = try output.node(symbol, q, recorded)
            // A recorded run is what ran: no profile narrows it.
            let config = try profile.configuration(q)
            let view: EdgeStore = observed ? recorded : q.edges(under: config, hierarchy: try q.hierarchy(), endpoints: [node])
            let tree = callTree(node, direction: direction, in: view, depth: depth, minConfidence: try output.confidence(),
                                maxChildren: output.maxChildren, maxNodes: output.maxNodes)
            var out = Output()
            if !output.json && !output.dot { out.line(observed ? "observed: edges of a recorded run" : config.headline) }
            if output.json {
                out.line(GraphFormat.jsonLines(GraphFormat.edges(of: tree)).trimmingCharacters(in: .newlines))
            } else if output.dot {
                out.line(GraphFormat.dot(GraphFormat.edges(of: tree), title: node))
            } else {
                out.buffer += GraphFormat.text(tree, source: q.sourceLine)
            }
            out.flush()
        }
    }
}

struct CallersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "callers", abstract: "Who calls a symbol, as a tree.")
    @Argument(help: "A qualified name or unique suffix.") var symbol: String
    @Option(help: "Levels to walk.") var depth = 3
    @OptionGroup var output: GraphOutputOptions
    @OptionGroup var profile: ProfileOptions
    @OptionGroup var database: DatabaseOptions
    func run() throws { try TreeCommand.run(symbol, direction: .callers, depth: depth, output: output, profile: profile, database: database) }
}

struct CalleesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "callees", abstract: "What a symbol calls, as a tree.")
    @Argument(help: "A qualified name or unique suffix.") var symbol: String
    @Option(help: "Levels to walk.") var depth = 3
    @OptionGroup var output: GraphOutputOptions
    @OptionGroup var profile: ProfileOptions
    @OptionGroup var database: DatabaseOptions
    func run() throws { try TreeCommand.run(symbol, direction: .callees, depth: depth, output: output, profile: profile, database: database) }
}

struct PathCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "path", abstract: "Call paths from one symbol to another, shortest first, across languages.")
    @Argument(help: "Where paths start.") var from: String
    @Argument(help: "Where paths end.") var to: String
    @Option(name: .customLong("max-depth"), help: "Longest path, in hops.") var maxDepth = 24
    @Option(name: .customLong("max-paths"), help: "How many paths.") var maxPaths = 3
    @Option(help: "A symbol the path must pass through, in order (repeatable): picks one route among equally short ones.")
    var via: [String] = []
    @OptionGroup var output: GraphOutputOptions
    @OptionGroup var profile: ProfileOptions
    @OptionGroup var database: DatabaseOptions
    func run() throws {
        try runReporting {
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
            var out = Output()
            if !output.json && !output.dot {
                out.line(observed ? "observed: edges of a recorded run" : asked.headline)
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
                let c = found.configuration
                out.line(GraphFormat.json(result, context: PathContext(
                    profile: c.profile?.name, assumptions: c.assumptions.map { "\($0.key)=\($0.value)" },
                    reachedAsAsked: found.reachedAsAsked, reachedWith: found.reachedWith.map(\.assumption),
                    throughUnknownModule: found.throughUnknownModule)))
            } else if output.dot {
                out.line(GraphFormat.dot(GraphFormat.edges(of: result), title: "\(a) -> \(b)"))
            } else {
                out.buffer += GraphFormat.text(result, source: q.sourceLine)
            }
            out.flush()
            if result.paths.isEmpty { throw ExitCode(1) }
        }
    }
}
