// Run-time profiles shipped in Annotations/profiles/: one YAML file per vLLM release (its default
// configuration), read by the index run (type bindings) and by the graph queries (the profile filter).
import CallGraph
import Foundation
import IndexDatabase
import IndexModel
import Yams

public enum Profiles {
    /// `$MARGINALIA_PROFILES`, else `Annotations/profiles` of the package this binary was built from.
    public static var directory: URL {
        if let d = ProcessInfo.processInfo.environment["MARGINALIA_PROFILES"], !d.isEmpty {
            return URL(fileURLWithPath: d)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Annotations/profiles")
    }

    /// Reads one profile file; a malformed file throws naming it (and the line YAML reports).
    public static func load(_ url: URL) throws -> RunProfile {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw UserError("marginalia: cannot read profile \(url.path): \(error.localizedDescription)")
        }
        let profile: RunProfile
        do { profile = try YAMLDecoder().decode(RunProfile.self, from: text) } catch {
            throw UserError("marginalia: \(url.path): not a profile: \(error)")
        }
        let problems = profile.problems()
        if !problems.isEmpty { throw UserError("marginalia: \(url.path): " + problems.joined(separator: "; ")) }
        return profile
    }

    /// Every profile in `directory`, sorted by release then name (unreadable files throw).
    public static func all(in dir: URL = directory) throws -> [RunProfile] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return try names.filter { $0.hasSuffix(".yaml") }.sorted().map { try load(dir.appendingPathComponent($0)) }
    }

    /// The file of a release's default profile: `vllm-RELEASE.yaml`.
    public static func defaultFile(release: String, in dir: URL = directory) -> URL {
        dir.appendingPathComponent("vllm-\(release).yaml")
    }

    /// The default profile of a release, nil when none is shipped.
    public static func defaultProfile(release: String, in dir: URL = directory) throws -> RunProfile? {
        guard !release.isEmpty else { return nil }
        let f = defaultFile(release: release, in: dir)
        guard FileManager.default.fileExists(atPath: f.path) else { return nil }
        return try load(f)
    }

    /// What `--profile` names: `none` (no profile), a file path, or a profile name for the release; nil
    /// means the release's default.
    public static func select(_ name: String?, release: String, in dir: URL = directory) throws -> RunProfile? {
        guard let name, !name.isEmpty else { return try defaultProfile(release: release, in: dir) }
        if name == "none" { return nil }
        if name.hasSuffix(".yaml") || name.contains("/") {
            return try load(URL(fileURLWithPath: name))
        }
        let candidates = try all(in: dir)
        if let p = candidates.first(where: { $0.name == name && $0.release == release }) { return p }
        let known = candidates.filter { $0.release == release }.map(\.name)
        throw UserError("marginalia: no profile '\(name)' for vLLM \(release.isEmpty ? "(unknown release)" : release)"
            + (known.isEmpty ? " (none shipped in \(dir.path))" : " (known: \(known.joined(separator: ", ")), none)"))
    }

    /// Parses `KEY=VALUE` assumptions.
    public static func assumptions(_ raw: [String]) throws -> [(key: String, value: String)] {
        try raw.map { a in
            guard let eq = a.firstIndex(of: "="), eq != a.startIndex, a.index(after: eq) != a.endIndex else {
                throw UserError("marginalia: " + ProfileError.malformedAssumption(a).description)
            }
            return (String(a[..<eq]), String(a[a.index(after: eq)...]))
        }
    }
}

/// What a query runs under: the profile (or none), the assumptions, and the line that says so.
public struct QueryConfiguration: Sendable {
    public var profile: RunProfile?
    public var assumptions: [(key: String, value: String)]
    public var includeWarmup: Bool
    public var includeTests: Bool

    public init(profile: RunProfile?, assumptions: [(key: String, value: String)] = [], includeWarmup: Bool = false,
                includeTests: Bool = false)
    {
        self.profile = profile
        self.assumptions = assumptions
        self.includeWarmup = includeWarmup
        self.includeTests = includeTests
    }

    /// The first line of a query's output.
    public var headline: String {
        guard let p = profile else {
            return "profile: none (every run-time alternative is followed)"
                + (includeTests ? "" : "; tests/benchmarks/examples left out")
        }
        var s = "profile: \(p.name) (vLLM \(p.release): \(p.summary))"
        if !assumptions.isEmpty { s += "; assuming " + assumptions.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") }
        if includeWarmup { s += "; warm-up routes included" }
        return s
    }
}

extension GraphQueries {
    /// Loads the profile a query asks for (`--profile`, `--assume`) for this index's release.
    public func configuration(profile name: String?, assume: [String], includeWarmup: Bool, includeTests: Bool) throws
        -> QueryConfiguration
    {
        let release = (try store.meta("release")) ?? ""
        var p = try Profiles.select(name, release: release)
        let a = try Profiles.assumptions(assume)
        if !a.isEmpty {
            guard let base = p else {
                throw UserError("marginalia: --assume needs a profile; vLLM \(release) has none here (\(Profiles.directory.path))")
            }
            do { p = try base.assuming(a) } catch let e as ProfileError { throw UserError("marginalia: \(e)") }
        }
        return QueryConfiguration(profile: p, assumptions: a, includeWarmup: includeWarmup, includeTests: includeTests)
    }

    /// The index's class hierarchy (read once per query).
    public func hierarchy() throws -> ClassHierarchy { ClassHierarchy(bases: try store.classBases()) }

    /// The edges as the configuration sees them; `endpoints` are never filtered out.
    public func edges(under c: QueryConfiguration, hierarchy: ClassHierarchy, endpoints: [String], followsWildcard: Bool = true)
        -> ProfiledEdgeStore
    {
        var f = ProfileFilter(profile: c.profile, hierarchy: hierarchy, includeWarmup: c.includeWarmup,
                              includeTests: c.includeTests, followsWildcard: followsWildcard)
        f.kept = Set(endpoints)
        return ProfiledEdgeStore(base: edges, filter: f)
    }
}

/// A path query under a profile: the routes that run under it, or why none does and which assumption
/// would reach the target.
public struct ProfiledPaths: Sendable {
    /// The configuration the printed paths hold under (the query's, or the one an assumption gives).
    public var configuration: QueryConfiguration
    public var result: PathResult
    /// True when only `torch.nn.Module.__call__`'s fan-out to every `forward` connects the ends: each
    /// such hop is a guess of the module's class.
    public var throughUnknownModule: Bool
    /// When the query's own configuration reaches no path: the single assumptions that do, with vLLM's
    /// reason for taking that value; `result` then holds the first one's paths.
    public var reachedWith: [(assumption: String, why: String)]
    /// True when the query's configuration reaches the target itself.
    public var reachedAsAsked: Bool
    /// When it does not: the profile's own value of the first choice that, changed, reaches it, and why vLLM
    /// takes that value.
    public var blocking: (assumption: String, why: String)?

    public init(configuration: QueryConfiguration, result: PathResult, throughUnknownModule: Bool,
                reachedWith: [(assumption: String, why: String)], reachedAsAsked: Bool, blocking: (assumption: String, why: String)?)
    {
        self.configuration = configuration
        self.result = result
        self.throughUnknownModule = throughUnknownModule
        self.reachedWith = reachedWith
        self.reachedAsAsked = reachedAsAsked
        self.blocking = blocking
    }
}

extension GraphQueries {
    /// Every node from which `target` can be reached in at most `maxDepth` edges.
    static func reaching(_ target: String, in store: EdgeStore, maxDepth: Int, minConfidence: Confidence) -> Set<String> {
        var seen: Set<String> = [target]
        var frontier = [target]
        var d = 0
        while !frontier.isEmpty, d < maxDepth {
            d += 1
            var next: [String] = []
            for n in frontier {
                for e in store.incoming(n) where e.confidence <= minConfidence && seen.insert(e.caller).inserted {
                    next.append(e.caller)
                }
            }
            frontier = next
        }
        return seen
    }

    /// Paths from `a` to `b` under `c`: first the routes whose classes are all known, then (when none)
    /// through `torch.nn.Module.__call__` of an unknown class; when the profile reaches nothing, each
    /// other option of each choice is tried alone, and the ones that reach `b` are reported.
    public func paths(from a: String, to b: String, via: [String], under c: QueryConfiguration, maxDepth: Int,
                      maxPaths: Int, minConfidence: Confidence) throws -> ProfiledPaths
    {
        let h = try hierarchy()
        let ends = [a, b] + via
        func search(_ c: QueryConfiguration, loose: Bool) -> PathResult {
            let view = edges(under: c, hierarchy: h, endpoints: ends, followsWildcard: loose)
            return via.isEmpty
                ? CallGraph.paths(from: a, to: b, in: view, maxDepth: maxDepth, maxPaths: maxPaths, minConfidence: minConfidence)
                : CallGraph.paths(from: a, to: b, via: via, in: view, maxDepth: maxDepth, minConfidence: minConfidence)
        }
        // Routes whose classes are known first; without a profile every guess is followed at once.
        for loose in c.profile == nil ? [true] : [false, true] {
            let r = search(c, loose: loose)
            if !r.paths.isEmpty || c.profile == nil {
                return ProfiledPaths(configuration: c, result: r, throughUnknownModule: loose && c.profile != nil, reachedWith: [],
                                     reachedAsAsked: !r.paths.isEmpty, blocking: nil)
            }
        }
        guard let p = c.profile else {
            return ProfiledPaths(configuration: c, result: PathResult(paths: []), throughUnknownModule: false, reachedWith: [],
                                 reachedAsAsked: false, blocking: nil)
        }
        // One choice changed at a time. Only an option whose code can reach `b` at all can unblock a route.
        for loose in [false, true] {
            var open = c
            open.profile = nil
            let reaching = Self.reaching(b, in: edges(under: open, hierarchy: h, endpoints: ends, followsWildcard: loose),
                                         maxDepth: maxDepth, minConfidence: minConfidence)
            let owners = Set(reaching.flatMap(dottedPrefixes))
            var reached: [(assumption: String, why: String)] = []
            var first: (QueryConfiguration, PathResult, RunProfile.Choice)? = nil
            for choice in p.choices {
                for o in choice.options where o.value != choice.value && o.selects.contains(where: { owners.contains($0) }) {
                    var alt = c
                    alt.assumptions.append((choice.key, o.value))
                    guard let assumed = try? p.assuming([(choice.key, o.value)]) else { continue }
                    alt.profile = assumed
                    let r = search(alt, loose: loose)
                    guard !r.paths.isEmpty else { continue }
                    reached.append(("\(choice.key)=\(o.value)", "\(o.why) (\(o.source))"))
                    if first == nil { first = (alt, r, choice) }
                }
            }
            if let (alt, r, choice) = first {
                let current = choice.option(choice.value)
                return ProfiledPaths(configuration: alt, result: r, throughUnknownModule: loose, reachedWith: reached,
                                     reachedAsAsked: false,
                                     blocking: current.map { ("\(choice.key)=\(choice.value)", "\($0.why) (\($0.source))") })
            }
        }
        return ProfiledPaths(configuration: c, result: PathResult(paths: []), throughUnknownModule: false, reachedWith: [],
                             reachedAsAsked: false, blocking: nil)
    }

}
