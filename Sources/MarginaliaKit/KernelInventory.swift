// `marginalia kernels`: every CUDA kernel of the index with what the site's kernel inventory shows
// (launch bounds, template parameters, `__shared__`, launch sites, the torch ops and Python functions
// that reach it), from the same functions the site uses, plus recorded GPU time when a profiled run
// (`trace import` of a torch.profiler trace) is in the index.
import Foundation
import IndexDatabase
import IndexModel

/// One kernel of the inventory.
public struct KernelInfo: Sendable {
    public struct Launch: Sendable {
        public var file: RepoPath
        public var line: Int
        /// The text between `<<<` and `>>>`.
        public var config: String
        /// The function the launch is written in.
        public var launcher: String
    }
    public var qualifiedName: String
    public var name: String
    public var file: RepoPath
    public var line: Int
    public var templateParameters: [String]
    public var launchBounds: String
    public var sharedMemory: [String]
    public var launches: [Launch]
    public var torchOps: [String]
    public var pythonCallers: [String]
    /// From a profiled run: launches and total GPU time; nil when the run did not see the kernel.
    public var recordedLaunches: Int?
    public var recordedMicroseconds: Double?
}

public enum KernelInventory {
    public enum Order: String, CaseIterable, Sendable { case name, file, time }

    /// The kernels of the index, optionally only those defined in `file` (a path or a folder, relative to
    /// the checkout root), in `order`; `profile` names a profiled run whose GPU times are attached.
    public static func build(store: IndexStore, file: String? = nil, order: Order = .name, profile: String? = nil) throws
        -> [KernelInfo]
    {
        let all = try store.allSymbols()
        let bySymbol = Dictionary(all.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { a, _ in a })
        var kernels = all.filter { $0.kind == .kernel }
        if var f = file {
            while f.hasPrefix("./") { f.removeFirst(2) }
            if let root = try store.meta("root"), f.hasPrefix(root + "/") { f = String(f.dropFirst(root.count + 1)) }
            if f.hasSuffix("/") { f.removeLast() }
            kernels = kernels.filter { $0.file.rawValue == f || $0.file.rawValue.hasPrefix(f + "/") }
            if kernels.isEmpty {
                let files = try store.files().map(\.path.rawValue)
                guard files.contains(f) || files.contains(where: { $0.hasPrefix(f + "/") }) else {
                    let near = NameRanking.fileSuggestions(for: f, among: files)
                    throw UserError("marginalia: '\(f)' is not an indexed file or folder"
                        + (near.isEmpty ? "" : "; did you mean:\n" + near.map { "  \($0)" }.joined(separator: "\n")))
                }
            }
        }
        let edges = try store.allEdges()
        let reach = KernelReach(edges: edges, symbolKinds: bySymbol.mapValues(\.kind), languages: bySymbol.mapValues(\.language))
        var outgoing: [String: [String]] = [:]
        var launchEdges: [String: [EdgeRecord]] = [:]
        for e in edges {
            if e.kind == "call" || e.kind == "macro" { outgoing[e.caller, default: []].append(e.callee) }
            if e.kind == "launch" { launchEdges[e.callee, default: []].append(e) }
        }
        var launchConfig: [String: String] = [:]
        for c in try store.allCalls() where c.kind == .launch {
            launchConfig["\(c.file.rawValue):\(c.range.start.line)"] = c.launchConfig
        }
        var timing: [String: (Int, Double)] = [:]
        if let profile {
            for r in try store.profile(profile) where r.category == "kernel" && !r.node.isEmpty {
                let t = timing[r.node] ?? (0, 0)
                timing[r.node] = (t.0 + r.count, t.1 + r.totalMicroseconds)
            }
        }
        var seen = Set<String>()
        var out: [KernelInfo] = []
        for s in kernels.sorted(by: { ($0.qualifiedName, $0.file, $0.range.start.line) < ($1.qualifiedName, $1.file, $1.range.start.line) })
        where seen.insert("\(s.qualifiedName)\u{1}\(s.file.rawValue):\(s.range.start.line)").inserted {
            let (ops, py) = reach.reaching(s.qualifiedName)
            let launches = (launchEdges[s.qualifiedName] ?? []).sorted { ($0.file, $0.line) < ($1.file, $1.line) }.map {
                KernelInfo.Launch(file: $0.file, line: $0.line, config: launchConfig["\($0.file.rawValue):\($0.line)"] ?? "",
                                  launcher: $0.caller)
            }
            let t = timing[s.qualifiedName]
            out.append(KernelInfo(
                qualifiedName: s.qualifiedName, name: s.name, file: s.file, line: s.range.start.line,
                templateParameters: SiteBuilder.templateParameters(s.signature),
                launchBounds: s.attributes.first { $0.hasPrefix("__launch_bounds__") } ?? "",
                sharedMemory: SiteBuilder.sharedMemory(of: s, symbols: bySymbol, calls: outgoing),
                launches: launches, torchOps: ops, pythonCallers: py, recordedLaunches: t?.0, recordedMicroseconds: t?.1))
        }
        switch order {
        case .name: break
        case .file: out.sort { ($0.file, $0.line, $0.qualifiedName) < ($1.file, $1.line, $1.qualifiedName) }
        case .time:
            out.sort { ($0.recordedMicroseconds ?? -1, $1.qualifiedName) > ($1.recordedMicroseconds ?? -1, $0.qualifiedName) }
        }
        return out
    }

    /// The profiled run `--sort time` reads: the one named, else the only torch.profiler run.
    public static func profiledRun(_ name: String?, store: IndexStore) throws -> String {
        let runs = try store.traces().filter { $0.mechanism == "torch.profiler" }.map(\.name)
        if let name {
            guard runs.contains(name) else {
                throw UserError("marginalia: no profiled run '\(name)' in the index (profiled runs: \(runs.isEmpty ? "none" : runs.joined(separator: ", ")))")
            }
            return name
        }
        guard runs.count == 1 else {
            throw UserError(runs.isEmpty
                ? "marginalia: --sort time needs a profiled run: record one with torch.profiler and `marginalia trace import` it"
                : "marginalia: several profiled runs (\(runs.joined(separator: ", "))): pick one with --trace NAME")
        }
        return runs[0]
    }

    public static func text(_ ks: [KernelInfo]) -> String {
        var s = ""
        for k in ks {
            s += "\(k.qualifiedName)  \(k.file):\(k.line)\n"
            if !k.templateParameters.isEmpty { s += "  template: <\(k.templateParameters.joined(separator: ", "))>\n" }
            if !k.launchBounds.isEmpty { s += "  \(k.launchBounds)\n" }
            for m in k.sharedMemory { s += "  __shared__ \(m)\n" }
            for l in k.launches {
                s += "  launched at \(l.file):\(l.line)\(l.config.isEmpty ? "" : " <<<\(l.config)>>>") in \(l.launcher)\n"
            }
            if !k.torchOps.isEmpty { s += "  torch ops: \(k.torchOps.joined(separator: ", "))\n" }
            if !k.pythonCallers.isEmpty {
                s += "  python: \(k.pythonCallers.prefix(6).joined(separator: ", "))\(k.pythonCallers.count > 6 ? ", … \(k.pythonCallers.count - 6) more" : "")\n"
            }
            if let n = k.recordedLaunches, let us = k.recordedMicroseconds {
                s += String(format: "  recorded: %d launches, %.1f us\n", n, us)
            }
        }
        s += "\(ks.count) kernel\(ks.count == 1 ? "" : "s")\n"
        return s
    }

    public static func object(_ k: KernelInfo) -> [String: Any] {
        var o: [String: Any] = [
            "qualified_name": k.qualifiedName, "name": k.name, "file": k.file.rawValue, "line": k.line,
            "template_parameters": k.templateParameters, "launch_bounds": k.launchBounds, "shared_memory": k.sharedMemory,
            "launch_sites": k.launches.map { ["file": $0.file.rawValue, "line": $0.line, "config": $0.config, "launcher": $0.launcher] as [String: Any] },
            "torch_ops": k.torchOps, "python_callers": k.pythonCallers,
        ]
        if let n = k.recordedLaunches { o["recorded_launches"] = n }
        if let us = k.recordedMicroseconds { o["recorded_microseconds"] = us }
        return o
    }
}
