// PyTorch profiler traces (`torch.profiler` -> `export_chrome_trace`): Chrome trace-event JSON.
// What is read: complete events (`ph: "X"`) with `cat`, `name`, `dur` (microseconds) and, for GPU
// kernels, `args` (`correlation`, `grid`, `block`). Ops are counted by name and mapped to torch op
// nodes (`_C::rms_norm` -> `torch.ops._C.rms_norm`); kernels by name to the kernel inventory.
import Foundation
import IndexModel

/// One name of one event category, summed over the trace.
public struct ProfiledName: Hashable, Codable, Sendable, Comparable {
    /// `cpu_op`, `kernel`, `cuda_runtime`, `gpu_memcpy`, ... as the trace says.
    public var category: String
    /// The event name (`_C::cpu_attention_with_kv_cache`, `void vllm::rms_norm_kernel<float>(...)`).
    public var name: String
    /// The graph node the name denotes: a torch op node for ops in a namespace (`torch.ops._C.x`), a
    /// kernel's qualified name (`vllm::rms_norm_kernel`) for kernels; "" when none.
    public var node: String
    /// Events (launches, for kernels).
    public var count: Int
    /// Total duration, microseconds.
    public var totalMicroseconds: Double
    /// Kernels: distinct launch configurations seen, as `grid [x, y, z] block [x, y, z]`, sorted.
    public var launchConfigs: [String]

    public init(category: String, name: String, node: String, count: Int, totalMicroseconds: Double,
                launchConfigs: [String] = [])
    {
        self.category = category
        self.name = name
        self.node = node
        self.count = count
        self.totalMicroseconds = totalMicroseconds
        self.launchConfigs = launchConfigs
    }

    public static func < (a: ProfiledName, b: ProfiledName) -> Bool { (a.category, a.name) < (b.category, b.name) }
}

/// A profiler trace summed by name.
public struct ProfilerTrace: Hashable, Codable, Sendable {
    public var names: [ProfiledName]
    /// Complete events read.
    public var events: Int
}

/// Reads a Chrome trace-event file written by `torch.profiler`.
public enum ProfilerTraceReader {
    /// Whether `data` looks like a Chrome trace (a JSON object with `traceEvents`) rather than a
    /// recorder trace: decides which reader `trace import` uses.
    public static func looksLikeChromeTrace(_ data: Data) -> Bool {
        let head = String(decoding: data.prefix(4096), as: UTF8.self)
        return head.drop(while: \.isWhitespace).first == "{" && head.contains("\"traceEvents\"")
    }

    /// `NS::OP` (optionally `NS::OP.overload`) -> `torch.ops.NS.OP`; "" for other names.
    public static func opNode(_ name: String) -> String {
        let parts = name.components(separatedBy: "::")
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              parts.allSatisfy({ $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." } })
        else { return "" }
        return "torch.ops.\(parts[0]).\(parts[1].split(separator: ".").first!)"
    }

    /// A demangled kernel name's qualified function name: `void vllm::k<float, 2>(float*, int)` ->
    /// `vllm::k`.
    public static func kernelNode(_ name: String) -> String {
        var s = Substring(name)
        // The name ends at the first '<' or '(' outside nothing: templates and parameters follow.
        if let cut = s.firstIndex(where: { $0 == "<" || $0 == "(" }) { s = s[..<cut] }
        // Drop the return type and qualifiers written before the name.
        let words = s.split(separator: " ")
        return words.last.map(String.init) ?? ""
    }

    public static func read(_ data: Data, file: String) throws -> ProfilerTrace {
        guard let root = try? JSONSerialization.jsonObject(with: data) else {
            throw TraceFileError(file: file, line: 0, message: "not JSON (a profiler trace is one JSON object)")
        }
        let events: [Any]
        if let obj = root as? [String: Any], let e = obj["traceEvents"] as? [Any] { events = e }
        else if let arr = root as? [Any] { events = arr }
        else { throw TraceFileError(file: file, line: 0, message: "not a Chrome trace: no traceEvents") }
        struct Acc { var count = 0; var dur = 0.0; var configs = Set<String>() }
        var acc: [String: [String: Acc]] = [:]
        var complete = 0
        for (i, raw) in events.enumerated() {
            guard let e = raw as? [String: Any] else {
                throw TraceFileError(file: file, line: 0, message: "traceEvents[\(i)] is not an object")
            }
            guard e["ph"] as? String == "X" else { continue }
            guard let name = e["name"] as? String, let cat = e["cat"] as? String else {
                throw TraceFileError(file: file, line: 0, message: "traceEvents[\(i)]: a complete event without name or cat")
            }
            complete += 1
            var a = acc[cat]?[name] ?? Acc()
            a.count += 1
            a.dur += (e["dur"] as? NSNumber)?.doubleValue ?? 0
            if let args = e["args"] as? [String: Any], let grid = args["grid"] as? [Any], let block = args["block"] as? [Any] {
                a.configs.insert("grid \(grid.map { "\($0)" }) block \(block.map { "\($0)" })".replacingOccurrences(of: "\"", with: ""))
            }
            acc[cat, default: [:]][name] = a
        }
        guard complete > 0 else {
            throw TraceFileError(file: file, line: 0, message: "empty profile: no complete (ph \"X\") events")
        }
        var names: [ProfiledName] = []
        for (cat, byName) in acc {
            for (name, a) in byName {
                let node: String
                switch cat {
                case "kernel": node = kernelNode(name)
                case "cpu_op", "user_annotation": node = opNode(name)
                default: node = ""
                }
                names.append(ProfiledName(category: cat, name: name, node: node, count: a.count,
                                          totalMicroseconds: a.dur, launchConfigs: a.configs.sorted()))
            }
        }
        return ProfilerTrace(names: names.sorted(), events: complete)
    }
}

/// A profiled run against the index: ops with their registrations, kernels with launches and time,
/// and the kernels of the inventory that never ran.
public struct ProfileReport: Codable, Sendable {
    public struct Op: Codable, Sendable {
        public var name: ProfiledName
        /// Whether the index has the op node (a registration in the checkout).
        public var registered: Bool
        /// What the op is bound to in the index (`op-binding` edges: function and dispatch key), sorted.
        public var bindings: [String]
    }
    public struct Kernel: Codable, Sendable {
        public var name: ProfiledName
        /// Whether the kernel's qualified name is in the kernel inventory.
        public var inInventory: Bool
    }
    public var ops: [Op]
    /// Other CPU ops (`aten::mm`, ...) are counted, not listed.
    public var otherCPUOps: Int
    public var kernels: [Kernel]
    /// Inventory kernels no event names, sorted.
    public var neverRan: [String]
    public var inventory: Int
    public var runtimeCalls: [ProfiledName]
}

/// Builds the profile report. `bindings(op)` gives the op's binding edges, nil when the op is no graph node.
public func profileReport(_ names: [ProfiledName], inventory: [String], bindings: (String) -> [String]?) -> ProfileReport {
    var ops: [ProfileReport.Op] = []
    var other = 0
    var kernels: [ProfileReport.Kernel] = []
    var runtime: [ProfiledName] = []
    let inv = Set(inventory)
    var ran = Set<String>()
    for n in names.sorted() {
        switch n.category {
        case "cpu_op", "user_annotation":
            guard !n.node.isEmpty, !n.node.hasPrefix("torch.ops.aten.") else { other += 1; continue }
            let b = bindings(n.node)
            ops.append(.init(name: n, registered: b != nil, bindings: b ?? []))
        case "kernel":
            kernels.append(.init(name: n, inInventory: inv.contains(n.node)))
            ran.insert(n.node)
        case "cuda_runtime", "cuda_driver":
            runtime.append(n)
        default: break
        }
    }
    return ProfileReport(ops: ops, otherCPUOps: other, kernels: kernels, neverRan: inventory.filter { !ran.contains($0) },
                         inventory: inventory.count, runtimeCalls: runtime)
}

extension TraceFormat {
    /// `trace ops` for a profiled run.
    public static func profileText(_ r: ProfileReport, name: String) -> String {
        func ms(_ us: Double) -> String { String(format: "%.3f ms", us / 1000) }
        var out = "profile \(name): \(r.ops.count) vLLM/custom ops (\(r.otherCPUOps) other CPU ops not listed), \(r.kernels.count) kernels\n"
        out += "\nops (calls, total time, registration in the index):\n"
        for o in r.ops {
            out += "  \(o.name.node)  x\(o.name.count)  \(ms(o.name.totalMicroseconds))  "
            out += o.registered ? (o.bindings.isEmpty ? "[registered]" : "[" + o.bindings.joined(separator: "; ") + "]") : "[not in the index]"
            out += "\n"
        }
        out += "\nkernels (launches, total time):\n"
        for k in r.kernels {
            out += "  \(k.name.node.isEmpty ? k.name.name : k.name.node)  x\(k.name.count)  \(ms(k.name.totalMicroseconds))"
            out += k.inInventory ? "" : "  [not in the kernel inventory]"
            out += k.name.launchConfigs.isEmpty ? "\n" : "  \(k.name.launchConfigs.joined(separator: ", "))\n"
        }
        if !r.runtimeCalls.isEmpty {
            out += "\nruntime calls:\n"
            for c in r.runtimeCalls { out += "  \(c.name)  x\(c.count)  \(ms(c.totalMicroseconds))\n" }
        }
        out += "\nkernel inventory: \(r.inventory) kernels, \(r.inventory - r.neverRan.count) ran, \(r.neverRan.count) never ran\n"
        return out
    }
}
