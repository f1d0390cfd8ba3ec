// Resolution: turns call sites, registrations and type facts of a whole checkout into edges.
import Foundation
import IndexModel

/// Calls that name a worker method in a string argument.
let rpcCallNames: Set<String> = ["collective_rpc", "_run_workers", "_run_workers_async", "run_method", "execute_method"]

/// Resolves every call site and registration of a checkout into call-graph edges.
///
/// Python: names by scope (local, enclosing function, class body, module, builtins) and by import
/// (relative, aliased, re-exported through `__init__.py`, star imports honouring `__all__`, imports inside
/// functions or under `try`/`if`); `self.m()`, `cls.m()`, `super().m()` along a static C3 MRO; attribute
/// and variable types from annotations, parameters, return annotations, `x = Foo(...)` and
/// `x = factory()` (its return annotation, or its `return` statements); `Foo(...)` reaches
/// `Foo.__init__` (the class itself when no `__init__` is in the checkout's MRO); calling an instance
/// reaches `__call__`, or `forward` for `torch.nn.Module` subclasses. A declared type (annotation,
/// `Type[Base]`, `self`) may be a subclass: every override in the checkout gets a `candidate` edge.
/// Calls leaving the checkout end at external nodes (`torch.matmul`, `builtins.len`).
///
/// Cross-language: `torch.ops.NS.OP(...)` reaches an op node `torch.ops.NS.OP`, which has an
/// `op-binding` edge to each function registered for it (`ops.impl`/`ops.def` with a function, in a
/// `TORCH_LIBRARY` block whose namespace comes from `GraphInput.macros`), labelled with the dispatch key
/// and `#if` condition; Python custom ops (`@torch.library.custom_op("ns::name")`,
/// `direct_register_custom_op("name", op_func=fn)`, `Registration(kind: .python)`) bind the same way.
/// C++/CUDA: a call's USR links to every definition with that USR (a CPU and a CUDA
/// definition are both kept); calls libclang could not bind (template-dependent) fall back to the written
/// name (`inferred` when one symbol has it, `candidate` when several).
public func resolve(_ input: GraphInput) -> ResolvedGraph {
    let resolver = Resolver(input)
    return resolver.run()
}

final class Resolver {
    let input: GraphInput
    let py: PythonWorld
    var edges: [EdgeKey: Edge] = [:]
    var nodes: [String: GraphNode] = [:]
    var unresolved: [UnresolvedCall] = []
    var cppByUSR: [String: [String]] = [:]
    var cppByQN: Set<String> = []
    var cppByName: [String: [String]] = [:]
    /// Op node name -> bindings (target qualified name, edge note, file, line).
    var opBindings: [String: [(target: String, note: String, file: RepoPath, line: Int, key: String)]] = [:]
    var pybindNodes: [String: String] = [:]

    struct EdgeKey: Hashable {
        let caller: String, callee: String, file: RepoPath, line: Int, column: Int, kind: EdgeKind
    }

    init(_ input: GraphInput) {
        self.input = input
        var files = Set<RepoPath>()
        for i in input.imports { files.insert(i.file) }
        for c in input.calls where Language.of(path: c.file.rawValue) == .python { files.insert(c.file) }
        for f in input.typeFacts { files.insert(f.file) }
        for f in input.exports.keys { files.insert(f) }
        py = PythonWorld(symbols: input.symbols, imports: input.imports, facts: input.typeFacts, exports: input.exports,
                         files: files)
        var extensions = Set(input.macros.extensionNameByFile.values)
        extensions.insert(input.macros.fallback)
        for r in input.registrations where r.kind == .pybind {
            extensions.insert(r.namespace.isEmpty ? input.macros.expand(r.namespaceExpression, in: r.file) : r.namespace)
        }
        py.extensionModules = extensions
        for b in input.bindings { py.bindings[b.scope + "\u{1}" + b.target] = b }
        for s in input.symbols where s.language != .python {
            if !s.usr.isEmpty, !(cppByUSR[s.usr]?.contains(s.qualifiedName) ?? false) {
                cppByUSR[s.usr, default: []].append(s.qualifiedName)
            }
            if cppByQN.insert(s.qualifiedName).inserted, s.kind.isCallable || s.kind == .macro {
                cppByName[s.name, default: []].append(s.qualifiedName)
            }
        }
    }

    func run() -> ResolvedGraph {
        // Decorator wrappers first, so that every later evaluation of a decorated name sees its wrapper.
        for s in input.symbols where s.language == .python && (s.kind == .function || s.kind == .method) && !s.attributes.isEmpty {
            _ = py.wrapper(of: s)
        }
        collectCppRegistrations()
        collectPythonRegistrations()
        var counts: [String: Int] = [:]
        for c in input.calls {
            if c.kind == .attribute {
                // Only reads of a name some class defines as a property can run code.
                if let last = c.callee.split(separator: ".").last, py.propertyNames.contains(String(last)) { resolveRead(c) }
                continue
            }
            if Language.of(path: c.file.rawValue) == .python {
                counts["python", default: 0] += 1
                resolvePython(c)
            } else {
                counts["cpp", default: 0] += 1
                resolveCpp(c)
            }
        }
        emitWrappedCalls()
        emitBindings()
        let sortedEdges = edges.values.sorted()
        let sortedNodes = nodes.values.sorted()
        let sortedUnresolved = unresolved.sorted { ($0.file, $0.line, $0.callee) < ($1.file, $1.line, $1.callee) }
        var graph = ResolvedGraph(edges: sortedEdges, nodes: sortedNodes, unresolved: sortedUnresolved, callSiteCounts: counts)
        graph.classBases = py.resolvedBases()
        return graph
    }

    func add(_ e: Edge) {
        // An abstract method is never what runs: as one of several candidates it only hides the real ones.
        if e.confidence == .candidate, let s = py.symbol(e.callee), s.language == .python, py.isAbstract(s) { return }
        let key = EdgeKey(caller: e.caller, callee: e.callee, file: e.file, line: e.line, column: e.column, kind: e.kind)
        if let old = edges[key], old.confidence <= e.confidence { return }
        edges[key] = e
    }

    func node(_ name: String, _ kind: SymbolKind, detail: String = "") {
        if let old = nodes[name] {
            if old.detail.isEmpty, !detail.isEmpty { nodes[name] = GraphNode(name: name, kind: kind, detail: detail) }
            return
        }
        nodes[name] = GraphNode(name: name, kind: kind, detail: detail)
    }

    // MARK: Registrations

    static func opNode(_ ns: String, _ op: String) -> String { "torch.ops.\(ns).\(op)" }

    func cppTargets(usr: String, name: String) -> [String] {
        if !usr.isEmpty, let qns = cppByUSR[usr] { return qns }
        if !name.isEmpty {
            if cppByQN.contains(name) || py.symbol(name) != nil { return [name] }
            let stripped = Resolver.stripTemplateArguments(name)
            if cppByQN.contains(stripped) { return [stripped] }
            let last = stripped.components(separatedBy: "::").last ?? stripped
            if let byName = cppByName[last], byName.count == 1 { return byName }
        }
        return []
    }

    func collectCppRegistrations() {
        for r in input.registrations where r.kind != .python {
            let ns = r.namespace.isEmpty ? input.macros.expand(r.namespaceExpression, in: r.file) : r.namespace
            let nodeName: String
            if r.kind == .pybind {
                nodeName = "\(ns).\(r.opName)"
                pybindNodes[nodeName] = nodeName
                node(nodeName, .external, detail: "pybind11")
            } else {
                nodeName = Resolver.opNode(ns, r.opName)
                node(nodeName, .torchOp, detail: r.schema)
            }
            if r.kind == .def, r.target.isEmpty, r.targetUSR.isEmpty { continue }
            let targets = cppTargets(usr: r.targetUSR, name: r.target)
            var noteParts: [String] = []
            noteParts.append(r.dispatchKey.isEmpty ? (r.kind == .pybind ? "pybind11" : "no dispatch key") : r.dispatchKey)
            if !r.condition.isEmpty { noteParts.append("#if \(r.condition)") }
            noteParts.append("\(r.kind == .pybind ? "module" : "TORCH_LIBRARY") \(ns) in \(r.file.rawValue):\(r.line)")
            let note = noteParts.joined(separator: "; ")
            for t in targets {
                opBindings[nodeName, default: []].append((t, note, r.file, r.line, r.dispatchKey))
                if !r.scope.isEmpty {
                    add(Edge(caller: r.scope, callee: t, kind: .registration, confidence: .exact, file: r.file,
                             line: r.line, note: "registers \(nodeName)"))
                }
            }
        }
    }

    func collectPythonRegistrations() {
        for r in input.registrations where r.kind == .python {
            let ns = r.namespace.isEmpty ? r.namespaceExpression : r.namespace
            var targets: [String] = []
            if py.symbol(r.target) != nil {
                targets = [r.target]
            } else if !r.target.isEmpty, let segs = parseSegments(r.target) {
                targets = py.evaluateSegments(segs, in: r.scope.isEmpty ? (py.moduleOfFile[r.file] ?? "") : r.scope).values.compactMap {
                    if case .function(let f) = $0.value { return f } else { return nil }
                }
            }
            bindPython(ns: ns.isEmpty ? "vllm" : ns, op: r.opName, targets: targets, key: r.dispatchKey, file: r.file, line: r.line)
        }
        // Decorators: @torch.library.custom_op("ns::name", ...), @torch.library.impl("ns::name", "CUDA").
        for s in input.symbols where s.language == .python && (s.kind == .function || s.kind == .method) {
            for a in s.attributes where a.contains("custom_op(") || a.contains("library.impl(") {
                let args = Resolver.arguments(of: a)
                guard let full = args.positional.first.flatMap(Resolver.stringLiteral), full.contains("::") else { continue }
                let parts = full.components(separatedBy: "::")
                let key = a.contains("library.impl(") ? (args.positional.dropFirst().first.flatMap(Resolver.stringLiteral) ?? "") : ""
                bindPython(ns: parts[0], op: parts[1], targets: [s.qualifiedName], key: key, file: s.file,
                           line: s.range.start.line)
            }
        }
        // Calls: direct_register_custom_op("name", op_func=fn, ...), torch.library.custom_op("ns::name", fn).
        for c in input.calls where !c.arguments.isEmpty && Language.of(path: c.file.rawValue) == .python {
            let last = c.callee.split(separator: ".").last.map(String.init) ?? c.callee
            guard last == "direct_register_custom_op" || last == "custom_op" else { continue }
            var ns = "vllm"
            var op = ""
            var fnText = ""
            var key = ""
            if last == "direct_register_custom_op" {
                op = c.argument(0, or: "op_name")?.string ?? ""
                fnText = c.argument(1, or: "op_func")?.text ?? ""
                key = c.keywordArgument("dispatch_key")?.string ?? ""
            } else {
                let parts = (c.argument(0, or: "name")?.string ?? "").components(separatedBy: "::")
                guard parts.count == 2 else { continue }
                ns = parts[0]
                op = parts[1]
                fnText = c.argument(1, or: "fn")?.text ?? ""
            }
            guard !op.isEmpty, let segs = parseSegments(fnText) else { continue }
            let targets = py.evaluateSegments(segs, in: c.caller).values.compactMap { v -> String? in
                if case .function(let f) = v.value { return f } else { return nil }
            }
            bindPython(ns: ns, op: op, targets: targets, key: key, file: c.file, line: c.range.start.line)
        }
    }

    func bindPython(ns: String, op: String, targets: [String], key: String, file: RepoPath, line: Int) {
        let name = Resolver.opNode(ns, op)
        node(name, .torchOp)
        let note = "\(key.isEmpty ? "Python custom op" : key) \(ns)::\(op) in \(file.rawValue):\(line)"
        for t in targets { opBindings[name, default: []].append((t, note, file, line, key)) }
    }

    func emitBindings() {
        for (op, bindings) in opBindings {
            let distinct = Set(bindings.map(\.target))
            let conf: Confidence = distinct.count == 1 ? .exact : .candidate
            for b in bindings {
                add(Edge(caller: op, callee: b.target, kind: .opBinding, confidence: conf, file: b.file, line: b.line,
                         note: b.note, dispatchKey: b.key))
            }
        }
    }

    // MARK: Python call sites

    /// A decorator's wrapper calls the function it wraps through the decorator's parameter
    /// (`return func(*args)`): an edge from the wrapper to each decorated function, at that call.
    func emitWrappedCalls() {
        var calledParams: [String: [CallSite]] = [:]
        for c in input.calls where c.kind == .call && Language.of(path: c.file.rawValue) == .python { calledParams[c.caller, default: []].append(c) }
        for (w, fs) in py.wrappedBy {
            guard let wsym = py.symbol(w), let d = py.symbol(wsym.parent), let param = PythonWorld.firstParameter(d.signature) else { continue }
            let conf: Confidence = fs.count == 1 ? .inferred : .candidate
            for c in calledParams[w] ?? [] where c.callee == param {
                for f in fs.sorted() {
                    add(Edge(caller: w, callee: f, kind: .call, confidence: conf, file: c.file, line: c.range.start.line,
                             column: c.range.start.column,
                             note: "\(param): the function @\(py.short(d.qualifiedName)) wraps" + (fs.count > 1 ? " (one of \(fs.count))" : "")))
                }
            }
        }
    }

    /// `x.name` read where `name` is a property of `x`'s class: an edge to the getter (and to the
    /// overrides in subclasses, as candidates, when `x` may be a subclass).
    func resolveRead(_ c: CallSite) {
        guard let segs = parseSegments(c.callee), segs.count >= 2, case .name(let attr)? = segs.last else { return }
        let receiver = py.evaluateSegments(Array(segs.dropLast()), in: c.caller)
        let pos = c.range.start
        for v in receiver.values {
            guard case .instance(let cls, let dyn) = v.value else { continue }
            var found: [(String, Confidence, String)] = []
            if let f = py.lookup(cls, attr), py.isProperty(f.symbol) {
                let conf: Confidence = f.owner == cls ? v.confidence : v.confidence.weakened(by: .inferred)
                found.append((f.symbol.qualifiedName, conf, "property getter"))
            }
            if dyn {
                let ov = py.overrides(cls, attr).filter { o in py.symbol(o).map(py.isProperty) ?? false && !found.contains { $0.0 == o } }
                if !ov.isEmpty {
                    found = found.map { ($0.0, $0.1.weakened(by: .candidate), "\($0.2) (\(ov.count) subclasses override it)") }
                }
                for o in ov { found.append((o, .candidate, "property getter of a subclass (\(ov.count) overrides)")) }
            }
            for (callee, conf, why) in found {
                add(Edge(caller: c.caller, callee: callee, kind: .property, confidence: conf, file: c.file, line: pos.line,
                         column: pos.column, note: [v.note, why].filter { !$0.isEmpty }.joined(separator: "; ")))
            }
        }
    }

    func resolvePython(_ c: CallSite) {
        let pos = c.range.start
        guard let segs = parseSegments(c.callee) else {
            miss(c, .dynamicCallee)
            return
        }
        rpcTargets(c, pos)
        let ev = py.evaluateSegments(segs, in: c.caller)
        var best: Confidence? = nil
        var failure = ev.failure
        for v in ev.values {
            let targets = callTargets(v)
            if targets.isEmpty, failure == nil { failure = .notCallable }
            for t in targets {
                add(Edge(caller: c.caller, callee: t.callee, kind: .call, confidence: t.confidence, file: c.file,
                         line: pos.line, column: pos.column, note: t.note))
                best = min(best ?? t.confidence, t.confidence)
                if t.unregisteredOp { miss(c, .unregisteredOp) }
            }
        }
        if best == nil {
            miss(c, failure ?? .unknownReceiverType)
            if segs.count > 1, case .name(let m)? = segs.last, let named = py.methodsByName[m], named.count <= 20 {
                for t in named {
                    add(Edge(caller: c.caller, callee: t, kind: .call, confidence: .nameOnly, file: c.file, line: pos.line,
                             column: pos.column, note: "by name only: \(named.count) definitions of \(m)"))
                }
            }
        }
    }

    /// Workers called by method name: `executor.collective_rpc("execute_model")`, `self._run_workers("m")`,
    /// `run_method(worker, "m", ...)`, `wrapper.execute_method("m")`. The string names a method of vLLM's
    /// workers (classes deriving from a class named `WorkerBase`): each definition gets a candidate edge.
    func rpcTargets(_ c: CallSite, _ pos: SourcePosition) {
        guard let last = c.callee.split(separator: ".").last.map(String.init), rpcCallNames.contains(last),
              !c.arguments.isEmpty else { return }
        guard let method = c.argument(last == "run_method" ? 1 : 0, or: "method")?.string, !method.isEmpty else { return }
        let targets = py.workerMethods(named: method)
        for t in targets {
            add(Edge(caller: c.caller, callee: t, kind: .call, confidence: .candidate, file: c.file, line: pos.line,
                     column: pos.column, note: "RPC by method name \"\(method)\": one of \(targets.count) worker methods"))
        }
    }

    func miss(_ c: CallSite, _ reason: UnresolvedReason) {
        unresolved.append(UnresolvedCall(caller: c.caller, callee: c.callee, file: c.file, line: c.range.start.line,
                                         reason: reason))
    }

    struct Target {
        var callee: String
        var confidence: Confidence
        var note: String
        var unregisteredOp = false
    }

    func callTargets(_ v: Typed) -> [Target] {
        switch v.value {
        case .function(let qn):
            return [Target(callee: qn, confidence: v.confidence, note: v.note)]
        case .classObject(let c, let dyn):
            var out: [Target] = []
            if let i = py.lookup(c, "__init__") {
                out.append(Target(callee: i.symbol.qualifiedName,
                                  confidence: i.owner == c ? v.confidence : v.confidence.weakened(by: .inferred),
                                  note: i.owner == c ? v.note : "\(py.short(c))() -> __init__ inherited from \(py.short(i.owner))"))
            } else if let p = py.lookup(c, "__post_init__"), py.isDataclass(c) {
                // A dataclass's generated __init__ runs __post_init__.
                out.append(Target(callee: p.symbol.qualifiedName, confidence: v.confidence.weakened(by: .inferred),
                                  note: [v.note, "dataclass \(py.short(c))() runs __post_init__"].filter { !$0.isEmpty }.joined(separator: "; ")))
            } else {
                out.append(Target(callee: c, confidence: v.confidence, note: v.note.isEmpty ? "class without __init__" : v.note))
            }
            if dyn {
                let ov = py.overrides(c, "__init__")
                for o in ov where o != out.first?.callee {
                    out.append(Target(callee: o, confidence: .candidate, note: "\(v.note) -> subclass __init__ (\(ov.count) overrides)"))
                }
            }
            return out
        case .instance(let c, let dyn):
            return py.callTargetsOfInstance(c, dynamic: dyn).map {
                Target(callee: $0.0, confidence: v.confidence.weakened(by: $0.1),
                       note: [v.note, $0.2].filter { !$0.isEmpty }.joined(separator: "; "))
            }
        case .external(let p):
            return [externalTarget(p, v)]
        case .externalInstance(let p):
            guard PythonWorld.isTorchModulePath(p) else { return [] }
            if p != "torch.nn.Module", p != "torch.nn.modules.module.Module" {
                // A concrete torch module (`nn.Linear(...)`): its own __call__, outside the checkout.
                node(p + ".__call__", .external)
                return [Target(callee: p + ".__call__", confidence: v.confidence, note: v.note)]
            }
            // An nn.Module of unknown class: the call goes to one hub node, `torch.nn.Module.__call__`, which
            // has a `dispatch` edge to every forward of the checkout. One edge per call site instead of one per
            // (site, forward) keeps the graph linear in size; paths and callers read the same.
            addModuleCallHub()
            return [Target(callee: Resolver.moduleCallHub, confidence: v.confidence,
                           note: [v.note, "runs forward of the module's class"].filter { !$0.isEmpty }.joined(separator: "; "))]
        case .module, .superProxy, .tuple, .sequence:
            return []
        }
    }

    static let moduleCallHub = "torch.nn.Module.__call__"
    var moduleHubDone = false

    /// Adds `torch.nn.Module.__call__ -> forward` dispatch edges, once.
    func addModuleCallHub() {
        guard !moduleHubDone else { return }
        moduleHubDone = true
        let forwards = py.allModuleForwards()
        node(Resolver.moduleCallHub, .external, detail: "dispatch hub: \(forwards.count) nn.Module forwards in the checkout")
        for f in forwards {
            guard let s = py.symbol(f) else { continue }
            add(Edge(caller: Resolver.moduleCallHub, callee: f, kind: .dispatch, confidence: .candidate, file: s.file,
                     line: s.range.start.line, column: s.range.start.column,
                     note: "nn.Module.__call__ runs forward: one of \(forwards.count) nn.Module forwards"))
        }
    }

    func externalTarget(_ path: String, _ v: Typed) -> Target {
        let parts = path.split(separator: ".").map(String.init)
        if parts.count >= 4, parts[0] == "torch", parts[1] == "ops" {
            let name = Resolver.opNode(parts[2], parts[3])
            node(name, .torchOp)
            let bound = opBindings[name] != nil
            return Target(callee: name, confidence: v.confidence, note: v.note, unregisteredOp: !bound)
        }
        for (key, nodeName) in pybindNodes where path == key || path.hasSuffix("." + key) {
            return Target(callee: nodeName, confidence: v.confidence, note: v.note)
        }
        node(path, .external)
        return Target(callee: path, confidence: v.confidence, note: v.note)
    }

    // MARK: C++ call sites

    func resolveCpp(_ c: CallSite) {
        let kind: EdgeKind
        switch c.kind {
        case .call: kind = .call
        case .launch: kind = .launch
        case .macro: kind = .macro
        case .reference: kind = .reference
        case .attribute: return   // Python only
        }
        var notes: [String] = []
        if !c.viaMacro.isEmpty { notes.append("via macro \(c.viaMacro)") }
        if !c.launchConfig.isEmpty { notes.append("<<<\(c.launchConfig)>>>") }
        let note = notes.joined(separator: "; ")
        let pos = c.range.start
        func edge(_ callee: String, _ conf: Confidence, _ extra: String = "") {
            add(Edge(caller: c.caller, callee: callee, kind: kind, confidence: conf, file: c.file, line: pos.line,
                     column: pos.column, note: [note, extra].filter { !$0.isEmpty }.joined(separator: "; ")))
        }
        if !c.targetUSR.isEmpty, let qns = cppByUSR[c.targetUSR] {
            for q in qns { edge(q, .exact) }
            return
        }
        if !c.targetName.isEmpty, cppByQN.contains(c.targetName) {
            edge(c.targetName, .exact)
            return
        }
        if !c.targetUSR.isEmpty || !c.targetName.isEmpty {
            let name = c.targetName.isEmpty ? Resolver.stripTemplateArguments(c.callee) : c.targetName
            node(name, .external)
            edge(name, .exact)
            return
        }
        // libclang bound nothing (a template-dependent call): fall back to the written name.
        let written = Resolver.stripTemplateArguments(c.callee)
        if cppByQN.contains(written) {
            edge(written, .inferred, "by written name")
            return
        }
        let last = written.components(separatedBy: "::").last ?? written
        let lastName = last.split(separator: ".").last.map(String.init) ?? last
        let lastComponent = lastName.components(separatedBy: "->").last ?? lastName
        if let byName = cppByName[lastComponent], !byName.isEmpty, byName.count <= 8 {
            let conf: Confidence = byName.count == 1 ? .inferred : .candidate
            for q in byName { edge(q, conf, "by name: \(byName.count) symbols named \(lastComponent)") }
            return
        }
        miss(c, .noCppTarget)
    }

    // MARK: Text helpers

    /// `vllm::foo<T, 4>` -> `vllm::foo`.
    static func stripTemplateArguments(_ s: String) -> String {
        var out = ""
        var depth = 0
        for ch in s {
            if ch == "<" { depth += 1; continue }
            if ch == ">" { depth = max(0, depth - 1); continue }
            if depth == 0 { out.append(ch) }
        }
        var r = out.trimmingCharacters(in: .whitespaces)
        if r.hasPrefix("::") { r.removeFirst(2) }
        return r
    }

    /// The arguments of `f(a, b, k=v)` written as text: positional texts and keyword texts.
    static func arguments(of call: String) -> (positional: [String], keyword: [String: String]) {
        guard let open = call.firstIndex(of: "("), let close = call.lastIndex(of: ")"), open < close else { return ([], [:]) }
        let inner = String(call[call.index(after: open)..<close])
        var positional: [String] = []
        var keyword: [String: String] = [:]
        for part in splitTopLevel(inner, separator: ",") where !part.isEmpty {
            if let eq = part.firstIndex(of: "="), !part[..<eq].contains("("), !part[..<eq].contains("\""),
               !part[..<eq].contains("'"), part[part.index(after: eq)...].first != "="
            {
                let k = part[..<eq].trimmingCharacters(in: .whitespacesAndNewlines)
                let v = part[part.index(after: eq)...].trimmingCharacters(in: .whitespacesAndNewlines)
                keyword[k] = v
            } else {
                positional.append(part.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        return (positional, keyword)
    }

    /// The text of a plain string literal (`"x"`, `'x'`), nil for anything else.
    static func stringLiteral(_ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.count >= 2, let f = t.first, f == "\"" || f == "'", t.last == f else { return nil }
        return String(t.dropFirst().dropLast())
    }
}
