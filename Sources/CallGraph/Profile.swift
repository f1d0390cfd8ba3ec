// Run-time configuration ("profile"): the choices vLLM makes when it starts (platform, executor, worker,
// model runner, attention backend, model architecture, ...) and the code each choice selects. Static
// resolution keeps every alternative as a `candidate`; a profile says which one runs, so queries can
// follow the route that runs instead of the shortest route through code that cannot run together.
import Foundation
import IndexModel

/// One run-time configuration of a vLLM release (one NVIDIA GPU with default flags, say).
public struct RunProfile: Codable, Sendable, Hashable {
    /// Short name (`cuda`), used by `--profile`.
    public var name: String
    /// The vLLM release the profile was read from (`0.6.2`).
    public var release: String
    /// One line: the machine and flags it describes.
    public var summary: String
    /// The choices, in the order they are printed.
    public var choices: [Choice]
    /// Last components of functions that run only at start-up (warm-up, profiling, CUDA graph capture):
    /// kept out of request paths unless asked for.
    public var warmup: [String]

    /// One choice vLLM makes at run time.
    public struct Choice: Codable, Sendable, Hashable {
        /// `executor`, `attention_backend`, ... (`--assume KEY=VALUE`).
        public var key: String
        /// The value this profile takes.
        public var value: String
        /// Base classes whose subclasses are the alternatives (qualified names); the alternatives are also
        /// every option's `selects`.
        public var among: [String]
        /// Every value vLLM can take here, with the code it selects, in the order alternatives are
        /// tried when the profile's own value reaches nothing (the usual fallback first).
        public var options: [Option]
        /// Where vLLM's own code computes the value at run time: the name holds an instance of the class
        /// the choice selects (`self.model` of the model runner holds the architecture's model).
        public var bind: [Binding]

        /// The option named `value`.
        public func option(_ value: String) -> Option? { options.first { $0.value == value } }

        public init(key: String, value: String, among: [String] = [], options: [Option], bind: [Binding] = []) {
            self.key = key
            self.value = value
            self.among = among
            self.options = options
            self.bind = bind
        }

        enum CodingKeys: String, CodingKey { case key, value, among, options, bind }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            key = try c.decode(String.self, forKey: .key)
            value = try c.decode(String.self, forKey: .value)
            among = try c.decodeIfPresent([String].self, forKey: .among) ?? []
            options = try c.decode([Option].self, forKey: .options)
            bind = try c.decodeIfPresent([Binding].self, forKey: .bind) ?? []
        }
    }

    /// What one value of a choice selects, and where vLLM decides it.
    public struct Option: Codable, Sendable, Hashable {
        /// The value's name (`FLASH_ATTN`, `GPUExecutor`).
        public var value: String
        /// Qualified names of the classes (or functions) that run under this value.
        public var selects: [String]
        /// `vllm/FILE.py:LINE`: the line of vLLM's selection code that yields this value.
        public var source: String
        /// Why vLLM takes this value (the condition in its selection code).
        public var why: String
        /// When the cited line is a setting rather than the class it selects: text the line contains
        /// (`use_v2_block_manager: bool = False`); "" when the line names the value or a selected name.
        public var sourceText: String = ""
        /// Torch dispatch keys whose kernels run under this value (`CUDA` for the cuda platform); op
        /// bindings for other keys cannot run. Empty: no constraint.
        public var dispatchKeys: [String]
        /// C/C++/CUDA sources the build for this value compiles, as path prefixes (`csrc/cpu/`); empty: all.
        public var compiled: [String] = []
        /// C/C++/CUDA sources the build for this value leaves out (`csrc/cpu/`, `csrc/rocm/`): code, calls
        /// and registrations there cannot run.
        public var notCompiled: [String] = []
        public init(value: String, selects: [String], source: String, why: String, dispatchKeys: [String] = [],
                    compiled: [String] = [], notCompiled: [String] = []) {
            self.dispatchKeys = dispatchKeys
            self.compiled = compiled
            self.notCompiled = notCompiled
            self.value = value
            self.selects = selects
            self.source = source
            self.why = why
        }

        enum CodingKeys: String, CodingKey {
            case value, selects, source, why, sourceText = "source_text", dispatchKeys = "dispatch_keys"
            case compiled, notCompiled = "not_compiled"
        }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            value = try c.decode(String.self, forKey: .value)
            selects = try c.decode([String].self, forKey: .selects)
            source = try c.decode(String.self, forKey: .source)
            why = try c.decode(String.self, forKey: .why)
            dispatchKeys = try c.decodeIfPresent([String].self, forKey: .dispatchKeys) ?? []
            sourceText = try c.decodeIfPresent(String.self, forKey: .sourceText) ?? ""
            compiled = try c.decodeIfPresent([String].self, forKey: .compiled) ?? []
            notCompiled = try c.decodeIfPresent([String].self, forKey: .notCompiled) ?? []
        }
    }

    /// A name whose run-time class is the choice's (`self.model` in `GPUModelRunnerBase`).
    public struct Binding: Codable, Sendable, Hashable {
        /// The class (for `self.x`) or function (for locals) the name is bound in.
        public var scope: String
        /// `self.model`, `model`.
        public var target: String
        public init(scope: String, target: String) {
            self.scope = scope
            self.target = target
        }
    }

    public init(name: String, release: String, summary: String, choices: [Choice], warmup: [String] = []) {
        self.name = name
        self.release = release
        self.summary = summary
        self.choices = choices
        self.warmup = warmup
    }

    /// The choice named `key`.
    public func choice(_ key: String) -> Choice? { choices.first { $0.key == key } }

    /// Problems in the profile itself: a value that is not one of its options, duplicate keys.
    public func problems() -> [String] {
        var out: [String] = []
        var keys = Set<String>()
        for c in choices {
            if !keys.insert(c.key).inserted { out.append("choice '\(c.key)' appears twice") }
            if c.option(c.value) == nil {
                out.append("choice '\(c.key)': value '\(c.value)' is not one of its options (\(c.options.map(\.value).joined(separator: ", ")))")
            }
            var values = Set<String>()
            for o in c.options where !values.insert(o.value).inserted { out.append("choice '\(c.key)': option '\(o.value)' appears twice") }
        }
        return out
    }

    /// The same profile with some choices changed (`--assume KEY=VALUE`). Unknown keys or values throw,
    /// naming what is known.
    public func assuming(_ assumptions: [(key: String, value: String)]) throws -> RunProfile {
        var p = self
        for (k, v) in assumptions {
            guard let i = p.choices.firstIndex(where: { $0.key == k }) else {
                throw ProfileError.unknownChoice(k, known: p.choices.map(\.key))
            }
            guard p.choices[i].option(v) != nil else {
                throw ProfileError.unknownValue(key: k, value: v, known: p.choices[i].options.map(\.value))
            }
            p.choices[i].value = v
        }
        return p
    }

    /// Type bindings for resolution: every option of a choice with `bind` is a candidate class of the
    /// bound name (queries under a profile then keep the one it selects).
    public var typeBindings: [TypeBinding] {
        var out: [TypeBinding] = []
        for c in choices where !c.bind.isEmpty {
            var classes: [String] = []
            for o in c.options { for s in o.selects where !classes.contains(s) { classes.append(s) } }
            for b in c.bind {
                out.append(TypeBinding(scope: b.scope, target: b.target, classes: classes, choice: c.key))
            }
        }
        return out
    }
}

/// Why a profile or an assumption cannot be used.
public enum ProfileError: Error, Equatable, CustomStringConvertible {
    case unknownChoice(String, known: [String])
    case unknownValue(key: String, value: String, known: [String])
    case malformedAssumption(String)

    public var description: String {
        switch self {
        case .unknownChoice(let k, let known):
            return "the profile has no choice '\(k)' (choices: \(known.joined(separator: ", ")))"
        case .unknownValue(let k, let v, let known):
            return "choice '\(k)' has no option '\(v)' (options: \(known.joined(separator: ", ")))"
        case .malformedAssumption(let s):
            return "--assume wants KEY=VALUE, not '\(s)'"
        }
    }
}

/// A name whose run-time class comes from a profile choice, for the resolver: every class the choice
/// can select, each a candidate (the query-time view keeps the selected one).
public struct TypeBinding: Codable, Sendable, Hashable {
    public var scope: String
    public var target: String
    public var classes: [String]
    /// The profile choice the classes come from (`model`).
    public var choice: String
    public init(scope: String, target: String, classes: [String], choice: String) {
        self.scope = scope
        self.target = target
        self.classes = classes
        self.choice = choice
    }
}

/// Direct base classes of the checkout's Python classes, as resolved (checkout classes and external
/// ones such as `torch.nn.Module`).
public struct ClassHierarchy: Sendable {
    public let bases: [String: [String]]
    private let subclasses: [String: [String]]

    public init(bases: [String: [String]]) {
        self.bases = bases
        var subs: [String: [String]] = [:]
        for (c, bs) in bases { for b in bs { subs[b, default: []].append(c) } }
        subclasses = subs.mapValues { $0.sorted() }
    }

    /// Every class deriving from `cls`, transitively (not `cls` itself).
    public func descendants(_ cls: String) -> Set<String> {
        var seen = Set<String>()
        var stack = subclasses[cls] ?? []
        while let c = stack.popLast() {
            if seen.insert(c).inserted { stack += subclasses[c] ?? [] }
        }
        return seen
    }

    /// Every base of `cls`, transitively (not `cls` itself).
    public func ancestors(_ cls: String) -> Set<String> {
        var seen = Set<String>()
        var stack = bases[cls] ?? []
        while let c = stack.popLast() {
            if seen.insert(c).inserted { stack += bases[c] ?? [] }
        }
        return seen
    }
}

/// How a profile narrows the graph: which nodes cannot run under it, and why one candidate was kept.
public struct ProfileFilter: Sendable {
    /// Classes and functions that cannot run (their members neither).
    public let excluded: Set<String>
    /// Selected nodes -> "key=value" of the choice that selects them.
    public let chosen: [String: String]
    /// Last components of warm-up functions (empty when warm-up routes are wanted).
    public let warmup: Set<String>
    /// Top-level packages whose code is not production code (`tests`, `benchmarks`, `examples`); empty
    /// when they are wanted.
    public let nonProduction: Set<String>
    /// Whether guesses of a receiver's class are followed: `torch.nn.Module.__call__`'s dispatch to every
    /// `forward`, and call sites with more than `ProfiledEdgeStore.strictCandidateLimit` candidates left.
    public var followsWildcard: Bool
    /// Nodes never filtered (the query's own endpoints).
    public var kept: Set<String> = []
    /// Dispatch keys whose op bindings can run; empty: all.
    public let dispatchKeys: Set<String>
    /// Path prefixes of the C/C++/CUDA sources the selected build compiles (empty: all) and leaves out.
    public let compiledSources: [String]
    public let uncompiledSources: [String]

    public static let wildcardHub = "torch.nn.Module.__call__"

    public init(profile: RunProfile?, hierarchy: ClassHierarchy, includeWarmup: Bool = false, includeTests: Bool = false,
                followsWildcard: Bool = true)
    {
        var excluded = Set<String>()
        var chosen: [String: String] = [:]
        var keys = Set<String>()
        var compiled: [String] = [], uncompiled: [String] = []
        for c in profile?.choices ?? [] {
            guard let selected = c.option(c.value) else { continue }
            keys.formUnion(selected.dispatchKeys)
            compiled += selected.compiled
            uncompiled += selected.notCompiled
            var universe = Set<String>()
            for b in c.among { universe.formUnion(hierarchy.descendants(b)) }
            for o in c.options { universe.formUnion(o.selects) }
            var allowed = Set(selected.selects)
            for s in selected.selects { allowed.formUnion(hierarchy.ancestors(s)); chosen[s] = "\(c.key)=\(c.value)" }
            excluded.formUnion(universe.subtracting(allowed))
        }
        self.excluded = excluded
        self.chosen = chosen
        self.dispatchKeys = keys
        self.compiledSources = compiled
        self.uncompiledSources = uncompiled
        self.warmup = includeWarmup ? [] : Set(profile?.warmup ?? [])
        self.nonProduction = includeTests ? [] : ["tests", "benchmarks", "examples"]
        self.followsWildcard = followsWildcard
    }

    /// Why `node` cannot run under the profile, nil when it can.
    /// The query's own endpoints pass the warm-up and test filters, never the profile's choices: a
    /// target the profile does not select is reported as not reached.
    public func exclusion(of node: String) -> String? {
        if !kept.contains(node) {
            if nonProduction.contains(String(node.prefix { $0 != "." })) { return "not production code" }
            let last = node.lastIndex(of: ".").map { String(node[node.index(after: $0)...]) } ?? node
            if warmup.contains(last) { return "warm-up" }
        }
        if excluded.isEmpty { return nil }
        return dottedPrefixes(node).contains(where: excluded.contains) ? "not selected" : nil
    }

    /// Whether a C/C++/CUDA source file is built under the profile (Python files always are). Called for
    /// every edge a query follows: the prefix tests come first, the extension only when one matched.
    public func compiles(_ file: String) -> Bool {
        let excluded = uncompiledSources.contains { file.hasPrefix($0) }
        let outside = !compiledSources.isEmpty && !compiledSources.contains { file.hasPrefix($0) }
        guard excluded || outside else { return true }
        return !Self.nativeExtensions.contains { file.hasSuffix($0) }
    }
    static let nativeExtensions = [".c", ".cc", ".cpp", ".cxx", ".cu", ".cuh", ".h", ".hpp", ".hh", ".inl"]

    /// The choice that selects `node` (or the class it belongs to), "" when none: the innermost one.
    public func choice(of node: String) -> String {
        if chosen.isEmpty { return "" }
        return dottedPrefixes(node).reversed().lazy.compactMap { chosen[$0] }.first ?? ""
    }
}

/// `a`, `a.b`, `a.b.c` for `a.b.c`: the module, class and member names a qualified name lies in.
public func dottedPrefixes(_ name: String) -> [String] {
    var out: [String] = []
    var i = name.startIndex
    while let dot = name[i...].firstIndex(of: ".") {
        out.append(String(name[..<dot]))
        i = name.index(after: dot)
    }
    out.append(name)
    return out
}

/// An edge store seen through a profile: edges into or out of code that cannot run under it are gone,
/// candidates the profile picks say so, and (unless asked) `torch.nn.Module.__call__` does not fan out to
/// every `forward`.
public final class ProfiledEdgeStore: EdgeStore, @unchecked Sendable {
    public let base: EdgeStore
    public var filter: ProfileFilter
    private var outMemo: [String: [Edge]] = [:]
    private var inMemo: [String: [Edge]] = [:]

    public init(base: EdgeStore, filter: ProfileFilter) {
        self.base = base
        self.filter = filter
    }

    /// In the strict pass, a call site whose candidates (after the profile) are more than this many is a
    /// guess of the receiver's class, like the `nn.Module` hub.
    public static let strictCandidateLimit = 4

    private struct Site: Hashable { let file: RepoPath, line: Int, column: Int }
    /// Per call site of a caller: how many candidates the profile leaves, and whether it picked one.
    private var siteMemo: [String: [Site: (count: Int, picked: Bool)]] = [:]

    private func sites(_ caller: String) -> [Site: (count: Int, picked: Bool)] {
        if let w = siteMemo[caller] { return w }
        var out: [Site: (count: Int, picked: Bool)] = [:]
        for e in base.outgoing(caller) where e.confidence == .candidate && e.kind == .call && keepsNode(e) {
            let k = Site(file: e.file, line: e.line, column: e.column)
            let old = out[k] ?? (0, false)
            out[k] = (old.count + 1, old.picked || !filter.choice(of: e.callee).isEmpty)
        }
        siteMemo[caller] = out
        return out
    }

    private var excludedMemo: [String: Bool] = [:]
    private func excluded(_ node: String) -> Bool {
        if let m = excludedMemo[node] { return m }
        let x = filter.exclusion(of: node) != nil
        excludedMemo[node] = x
        return x
    }

    func keepsNode(_ e: Edge) -> Bool { !excluded(e.caller) && !excluded(e.callee) }

    func keeps(_ e: Edge) -> Bool {
        if !filter.followsWildcard, e.caller == ProfileFilter.wildcardHub, e.kind == .dispatch { return false }
        // Strict pass: where the profile picked among a site's candidates only its picks are followed; a
        // site with many candidates and no pick is a guess.
        if !filter.followsWildcard, e.confidence == .candidate, e.kind == .call,
           let info = sites(e.caller)[Site(file: e.file, line: e.line, column: e.column)]
        {
            if info.picked { if filter.choice(of: e.callee).isEmpty { return false } }
            else if info.count > Self.strictCandidateLimit { return false }
        }
        if e.kind == .opBinding, !e.dispatchKey.isEmpty, !filter.dispatchKeys.isEmpty,
           !filter.dispatchKeys.contains(e.dispatchKey) { return false }
        // Calls, launches and registrations written in sources the profile's build does not compile (the
        // CPU extension's same-named `reshape_and_cache` under CUDA) cannot run.
        if !filter.compiles(e.file.rawValue) { return false }
        return keepsNode(e)
    }

    func annotated(_ e: Edge) -> Edge {
        guard e.confidence >= .candidate else { return e }
        let c = filter.choice(of: e.callee)
        guard !c.isEmpty else { return e }
        var out = e
        out.note = e.note.isEmpty ? "profile: \(c)" : e.note + "; profile: \(c)"
        return out
    }

    public func outgoing(_ node: String) -> [Edge] {
        if let m = outMemo[node] { return m }
        let r = base.outgoing(node).filter(keeps).map(annotated)
        outMemo[node] = r
        return r
    }

    public func incoming(_ node: String) -> [Edge] {
        if let m = inMemo[node] { return m }
        let r = base.incoming(node).filter(keeps).map(annotated)
        inMemo[node] = r
        return r
    }
}
