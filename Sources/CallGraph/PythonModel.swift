// The Python half of resolution: scopes, imports, class hierarchies and the types the code states.
// Everything is memoized in dictionaries so that resolving a checkout stays close to linear.
import Foundation
import IndexModel

/// What a Python expression may evaluate to, as far as the resolver can tell.
indirect enum PyValue: Hashable {
    /// A module of the checkout.
    case module(String)
    /// A class of the checkout; `dynamic` when it may be any subclass (`Type[Base]`).
    case classObject(String, dynamic: Bool)
    /// An instance; `dynamic` when the type is declared (annotation, `self`) and may be a subclass.
    case instance(String, dynamic: Bool)
    /// A function or method of the checkout (bound or not).
    case function(String)
    /// A dotted path outside the checkout: a module, function or class (`torch.matmul`, `torch.nn.Module`).
    case external(String)
    /// An instance of an external class (`torch.nn.Module`); "" for an unknown external value.
    case externalInstance(String)
    /// `super()` inside a method of the class.
    case superProxy(String)
    /// A tuple whose element types are annotations (`Tuple[int, nn.ModuleList]`) read in `scope`.
    case tuple(elements: [String], scope: String)
    /// A list, set or other sequence whose elements have these types (`List[Foo]`, `[Foo(...) for ...]`).
    case sequence([Typed], container: String)
}

/// A value with how sure we are of it and why.
struct Typed: Hashable {
    var value: PyValue
    var confidence: Confidence
    /// Human-readable evidence ("self.impl: AttentionImpl").
    var note: String
    /// An attribute read off an instance of an external class (`layer.input_scale` on an `nn.Module`): a
    /// method when called, but as a value of unknown type (parameters, submodules set at run time).
    var externalMember = false
}

/// Outcome of evaluating an expression.
struct Evaluation {
    var values: [Typed]
    var failure: UnresolvedReason?
    static func fail(_ r: UnresolvedReason) -> Evaluation { Evaluation(values: [], failure: r) }
    static func ok(_ v: [Typed]) -> Evaluation { Evaluation(values: v, failure: v.isEmpty ? .unknownReceiverType : nil) }
}

/// One step of a dotted callee expression.
enum Segment: Hashable {
    case name(String)
    case call
    /// `[...]`, with the text between the brackets.
    case index(String)
}

/// Parses a callee expression as written (`self.scheduler[ve].schedule`, `super().__init__`,
/// `get_pp_group().rank`) into name/call/subscript steps; nil when it does not start with a name.
func parseSegments(_ text: String) -> [Segment]? {
    var segments: [Segment] = []
    let chars = Array(text.utf8)
    var i = 0
    func isIdent(_ c: UInt8) -> Bool { c == 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c >= 128 }
    func skipGroup(open: UInt8, close: UInt8) -> Bool {
        var depth = 0
        var quote: UInt8? = nil
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == 92 { i += 2; continue }
                if c == q { quote = nil }
                i += 1
                continue
            }
            if c == 34 || c == 39 { quote = c } else if c == open { depth += 1 } else if c == close {
                depth -= 1
                if depth == 0 { i += 1; return true }
            }
            i += 1
        }
        return false
    }
    var expectName = true
    while i < chars.count {
        let c = chars[i]
        if c == 32 || c == 10 || c == 9 || c == 92 { i += 1; continue }
        if expectName {
            guard isIdent(c), !(c >= 48 && c <= 57) else { return nil }
            let start = i
            while i < chars.count, isIdent(chars[i]) { i += 1 }
            segments.append(.name(String(decoding: chars[start..<i], as: UTF8.self)))
            expectName = false
            continue
        }
        switch c {
        case 46: expectName = true; i += 1
        case 40:
            guard skipGroup(open: 40, close: 41) else { return nil }
            segments.append(.call)
        case 91:
            let start = i + 1
            guard skipGroup(open: 91, close: 93) else { return nil }
            segments.append(.index(String(decoding: chars[start..<(i - 1)], as: UTF8.self)))
        default: return nil
        }
    }
    return expectName ? nil : segments
}

/// The names Python binds in `builtins`, so that `len(x)` ends at `builtins.len` rather than unresolved.
let pythonBuiltins: Set<String> = [
    "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray", "bytes", "callable",
    "chr", "classmethod", "compile", "complex", "delattr", "dict", "dir", "divmod", "enumerate", "eval", "exec",
    "filter", "float", "format", "frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id", "input",
    "int", "isinstance", "issubclass", "iter", "len", "list", "locals", "map", "max", "memoryview", "min", "next",
    "object", "oct", "open", "ord", "pow", "print", "property", "range", "repr", "reversed", "round", "set",
    "setattr", "slice", "sorted", "staticmethod", "str", "sum", "super", "tuple", "type", "vars", "zip",
    "__import__", "NotImplemented", "Ellipsis", "__name__", "__file__", "__doc__",
    "BaseException", "Exception", "ArithmeticError", "AssertionError", "AttributeError", "BlockingIOError",
    "BrokenPipeError", "BufferError", "ConnectionError", "ConnectionResetError", "EOFError", "FileExistsError",
    "FileNotFoundError", "FloatingPointError", "GeneratorExit", "ImportError", "IndexError", "InterruptedError",
    "IsADirectoryError", "KeyError", "KeyboardInterrupt", "LookupError", "MemoryError", "ModuleNotFoundError",
    "NameError", "NotADirectoryError", "NotImplementedError", "OSError", "OverflowError", "PermissionError",
    "ProcessLookupError", "RecursionError", "ReferenceError", "RuntimeError", "StopAsyncIteration",
    "StopIteration", "SyntaxError", "SystemError", "SystemExit", "TimeoutError", "TypeError", "UnboundLocalError",
    "UnicodeDecodeError", "UnicodeEncodeError", "UnicodeError", "ValueError", "ZeroDivisionError", "Warning",
    "UserWarning", "DeprecationWarning", "RuntimeWarning", "FutureWarning", "ResourceWarning", "ExceptionGroup",
]

/// The indexed Python world of one checkout, with memoized look-ups.
final class PythonWorld {
    var symbolsByQN: [String: Symbol] = [:]
    var children: [String: [String: Symbol]] = [:]
    var modules: Set<String> = []
    var packages: Set<String> = []
    var moduleOfFile: [RepoPath: String] = [:]
    var importsByScope: [String: [Import]] = [:]
    var factsByScope: [String: [String: [TypeFact]]] = [:]
    var exportsByModule: [String: Set<String>] = [:]
    var directSubclasses: [String: [String]] = [:]
    var methodsByName: [String: [String]] = [:]
    var classQNs: [String] = []
    /// Names of compiled extension modules (`_C`, `_moe_C`, pybind11 modules): a missing submodule of a
    /// checkout package with one of these names is the built extension, outside the checkout.
    var extensionModules: Set<String> = []

    // Memo tables.
    private var nameMemo: [String: Evaluation] = [:]
    private var memberMemo: [String: Evaluation] = [:]
    private var factMemo: [String: [Typed]] = [:]
    /// Names whose run-time class a profile choice gives (scope + "\u{1}" + target).
    var bindings: [String: TypeBinding] = [:]
    private var returnMemo: [String: [Typed]] = [:]
    private var mroMemo: [String: (classes: [String], externals: [String])] = [:]
    private var overrideMemo: [String: [String]] = [:]
    private var descendantsMemo: [String: [String]] = [:]
    private var inProgress: Set<String> = []
    private(set) var moduleForwards: [String]? = nil

    init(symbols: [Symbol], imports: [Import], facts: [TypeFact], exports: [RepoPath: [String]], files: Set<RepoPath>) {
        for s in symbols where s.language == .python {
            if symbolsByQN[s.qualifiedName] == nil { symbolsByQN[s.qualifiedName] = s }
            if s.kind == .module {
                moduleOfFile[s.file] = s.qualifiedName
                continue
            }
            if children[s.parent, default: [:]][s.name] == nil { children[s.parent, default: [:]][s.name] = s }
            if s.kind == .class { classQNs.append(s.qualifiedName) }
            if s.kind == .method || s.kind == .function { methodsByName[s.name, default: []].append(s.qualifiedName) }
        }
        var allFiles = files
        for s in symbols where s.language == .python { allFiles.insert(s.file) }
        for f in allFiles where Language.of(path: f.rawValue) == .python && moduleOfFile[f] == nil {
            moduleOfFile[f] = PythonWorld.moduleName(of: f)
        }
        for (file, m) in moduleOfFile {
            modules.insert(m)
            if file.fileName == "__init__.py" || file.fileName == "__init__.pyi" { packages.insert(m) }
        }
        // Parent packages without an __init__.py (namespace packages) are modules too.
        for m in Array(modules) {
            var parts = m.split(separator: ".")
            while parts.count > 1 {
                parts.removeLast()
                let p = parts.joined(separator: ".")
                if modules.insert(p).inserted { packages.insert(p) } else { packages.insert(p) }
            }
        }
        for i in imports { importsByScope[i.scope, default: []].append(i) }
        for f in facts { factsByScope[f.scope, default: [:]][f.target, default: []].append(f) }
        for (file, names) in exports { if let m = moduleOfFile[file] { exportsByModule[m] = Set(names) } }
        classQNs.sort()
        for c in classQNs {
            for base in directBases(c) { directSubclasses[base, default: []].append(c) }
        }
    }

    /// `vllm/core/scheduler.py` -> `vllm.core.scheduler`; `vllm/__init__.py` -> `vllm`.
    static func moduleName(of file: RepoPath) -> String {
        var p = file.rawValue
        for ext in [".pyi", ".py"] where p.hasSuffix(ext) { p.removeLast(ext.count); break }
        var parts = p.split(separator: "/").map(String.init)
        if parts.last == "__init__" { parts.removeLast() }
        return parts.joined(separator: ".")
    }

    // MARK: Scopes

    func symbol(_ qn: String) -> Symbol? { symbolsByQN[qn] }

    /// The module a qualified name lives in (longest module prefix).
    func moduleOf(_ qn: String) -> String {
        var parts = qn.split(separator: ".").map(String.init)
        while !parts.isEmpty {
            let candidate = parts.joined(separator: ".")
            if modules.contains(candidate) && symbolsByQN[candidate].map({ $0.kind == .module }) ?? true {
                return candidate
            }
            parts.removeLast()
        }
        return qn
    }

    /// The class a method (or a function nested in a method) belongs to.
    func enclosingClass(of scope: String) -> String? {
        var current = scope
        while let s = symbolsByQN[current] {
            if s.kind == .class { return current }
            if s.parent.isEmpty { return nil }
            current = s.parent
        }
        return nil
    }

    /// The class whose method directly is `scope` (nil for nested functions and module functions).
    func classOfMethod(_ scope: String) -> String? {
        guard let s = symbolsByQN[scope], s.kind == .method || s.kind == .function,
              let p = symbolsByQN[s.parent], p.kind == .class else { return nil }
        return p.qualifiedName
    }

    /// Parameter names of a signature (`(self, x: int = 1, *args, **kw)` -> self, x, args, kw).
    static func parameterNames(_ signature: String) -> [String] {
        guard let open = signature.firstIndex(of: "("), let close = signature.lastIndex(of: ")"), open < close else { return [] }
        let inner = String(signature[signature.index(after: open)..<close])
        return splitTopLevel(inner, separator: ",").compactMap { part in
            var name = ""
            for ch in part.drop(while: { $0 == "*" }) {
                if ch == ":" || ch == "=" || ch == " " { break }
                name.append(ch)
            }
            return name.isEmpty || name == "/" ? nil : name
        }
    }

    /// 2 for `**name`, 1 for `*name`, 0 otherwise.
    static func starCount(of name: String, in signature: String) -> Int {
        guard let open = signature.firstIndex(of: "("), let close = signature.lastIndex(of: ")"), open < close else { return 0 }
        for part in splitTopLevel(String(signature[signature.index(after: open)..<close]), separator: ",") {
            let stars = part.prefix(while: { $0 == "*" }).count
            guard stars > 0 else { continue }
            let rest = part.dropFirst(stars)
            let bare = rest.prefix(while: { $0 != ":" && $0 != " " && $0 != "=" })
            if bare == name { return stars }
        }
        return 0
    }

    static func firstParameter(_ signature: String) -> String? {
        guard let open = signature.firstIndex(of: "(") else { return nil }
        var name = ""
        for ch in signature[signature.index(after: open)...] {
            if ch == "," || ch == ")" || ch == ":" || ch == "=" || ch == " " { break }
            name.append(ch)
        }
        return name.isEmpty || name.hasPrefix("*") ? nil : name
    }

    /// Resolves a bare name in a scope: locals, enclosing functions, class body (only for code written in
    /// the class body itself), module, builtins.
    func resolveName(_ name: String, in scope: String) -> Evaluation {
        let key = scope + "\u{1}" + name
        if let m = nameMemo[key] { return m }
        let result = resolveNameUncached(name, in: scope)
        nameMemo[key] = result
        return result
    }

    private func resolveNameUncached(_ name: String, in scope: String) -> Evaluation {
        var current = scope
        var first = true
        while true {
            guard let s = symbolsByQN[current], s.kind != .module else { break }
            if s.kind == .class {
                if first, let r = classBodyName(name, in: current) { return r }
            } else {
                if let r = functionLocal(name, in: s) { return r }
            }
            first = false
            if s.parent.isEmpty { break }
            current = s.parent
        }
        let module = modules.contains(current) ? current : moduleOf(scope)
        let r = memberOfModule(module, name, referencedFrom: module)
        if !r.values.isEmpty || r.failure != .unknownName { return r }
        if pythonBuiltins.contains(name) { return .ok([Typed(value: .external("builtins." + name), confidence: .exact, note: "")]) }
        // A parameter without an annotation is bound, just untyped.
        var s = symbolsByQN[scope]
        while let fn = s, fn.kind != .module {
            if fn.kind.isCallable, PythonWorld.parameterNames(fn.signature).contains(name) { return .fail(.unknownReceiverType) }
            s = symbolsByQN[fn.parent]
        }
        return .fail(.unknownName)
    }

    private func classBodyName(_ name: String, in cls: String) -> Evaluation? {
        if let s = children[cls]?[name] { return .ok(valueOfSymbol(s)) }
        if factsByScope[cls]?[name] != nil { return .ok(factTypes(scope: cls, target: name)) }
        return nil
    }

    private func functionLocal(_ name: String, in fn: Symbol) -> Evaluation? {
        if let cls = classOfMethod(fn.qualifiedName), !fn.attributes.contains("staticmethod"),
           PythonWorld.firstParameter(fn.signature) == name
        {
            if fn.attributes.contains("classmethod") {
                return .ok([Typed(value: .classObject(cls, dynamic: true), confidence: .exact, note: "")])
            }
            return .ok([Typed(value: .instance(cls, dynamic: true), confidence: .exact, note: "")])
        }
        // `**kwargs` is a dict, `*args` a tuple, whatever their annotation says (it types the values).
        let stars = PythonWorld.starCount(of: name, in: fn.signature)
        if stars == 2 {
            return .ok([Typed(value: .sequence([], container: "builtins.dict"), confidence: .exact, note: "**\(name)")])
        }
        if stars == 1 {
            return .ok([Typed(value: .tuple(elements: [], scope: fn.qualifiedName), confidence: .exact, note: "*\(name)")])
        }
        if factsByScope[fn.qualifiedName]?[name] != nil {
            return .ok(factTypes(scope: fn.qualifiedName, target: name))
        }
        if let s = children[fn.qualifiedName]?[name] { return .ok(valueOfSymbol(s)) }
        let imports = (importsByScope[fn.qualifiedName] ?? []).filter { $0.boundName == name }
        if !imports.isEmpty { return .ok(imports.flatMap { resolveImport($0) }) }
        return nil
    }

    /// The value a definition binds: a class object, a function, or (for variables) what its facts say.
    func valueOfSymbol(_ s: Symbol) -> [Typed] {
        switch s.kind {
        case .class: return [Typed(value: .classObject(s.qualifiedName, dynamic: false), confidence: .exact, note: "")]
        case .function, .method:
            // `@decorator` that returns a nested function: the name holds the wrapper, which runs first.
            if let w = wrapper(of: s) {
                return [Typed(value: .function(w.wrapper), confidence: .inferred,
                              note: "@\(short(w.decorator)) replaces \(s.name) with \(short(w.wrapper))")]
            }
            // `@decorator` that returns an object of a checkout class with `__call__`: the name holds that
            // object, and calling it runs `__call__` (vLLM IR's `@register_op` gives an `IrOp`).
            if let o = decoratorObject(of: s) {
                return [Typed(value: .instance(o.cls, dynamic: false), confidence: .inferred,
                              note: "@\(short(o.decorator)) makes \(s.name) a \(short(o.cls)) object")]
            }
            return [Typed(value: .function(s.qualifiedName), confidence: .exact, note: "")]
        case .lambda: return [Typed(value: .function(s.qualifiedName), confidence: .exact, note: "")]
        case .module: return [Typed(value: .module(s.qualifiedName), confidence: .exact, note: "")]
        default: return factTypes(scope: s.parent, target: s.name)
        }
    }

    /// A name looked up as an attribute of a module: its definitions, its imports (re-exports through
    /// `__init__.py` included), its star imports, and its submodules.
    func memberOfModule(_ module: String, _ name: String, referencedFrom: String) -> Evaluation {
        let key = module + "\u{1}" + name
        if let m = memberMemo[key] { return m }
        if inProgress.contains("m" + key) { return .fail(.unknownName) }
        inProgress.insert("m" + key)
        defer { inProgress.remove("m" + key) }
        var values: [Typed] = []
        var exists = false
        if let s = children[module]?[name] {
            exists = true
            values += valueOfSymbol(s)
        } else if factsByScope[module]?[name] != nil {
            exists = true
            values += factTypes(scope: module, target: name)
        }
        if values.isEmpty {
            let imports = (importsByScope[module] ?? []).filter { $0.boundName == name && $0.name != "*" }
            if !imports.isEmpty { exists = true }
            for i in imports { values += resolveImport(i) }
        }
        if values.isEmpty, !exists {
            for star in (importsByScope[module] ?? []) where star.name == "*" {
                let source = importBase(star)
                if modules.contains(source) {
                    if let exported = exportsByModule[source], !exported.contains(name) { continue }
                    if name.hasPrefix("_") { continue }
                    let r = memberOfModule(source, name, referencedFrom: module)
                    if !r.values.isEmpty { values += r.values; exists = true; break }
                } else {
                    // A star import from outside the checkout may bind anything; we cannot tell.
                    continue
                }
            }
        }
        if values.isEmpty, !exists, modules.contains(module + "." + name) {
            values.append(Typed(value: .module(module + "." + name), confidence: .exact, note: ""))
            exists = true
        }
        let result: Evaluation = values.isEmpty ? .fail(exists ? .unknownReceiverType : .unknownName) : .ok(dedupe(values))
        memberMemo[key] = result
        return result
    }

    /// The absolute module an import reads from (`from ..a import b` in `p.q.r` -> `p.a`).
    func importBase(_ i: Import) -> String {
        guard i.level > 0 else { return i.module }
        let importer = moduleOfFile[i.file] ?? moduleOf(i.scope)
        var parts = importer.split(separator: ".").map(String.init)
        let isPackage = i.file.fileName == "__init__.py" || i.file.fileName == "__init__.pyi"
        if !isPackage, !parts.isEmpty { parts.removeLast() }
        parts.removeLast(min(parts.count, i.level - 1))
        if !i.module.isEmpty { parts += i.module.split(separator: ".").map(String.init) }
        return parts.joined(separator: ".")
    }

    /// What an import binds.
    func resolveImport(_ i: Import) -> [Typed] {
        let base = importBase(i)
        if i.name.isEmpty {
            // `import a.b.c` binds `a`; `import a.b.c as x` binds the module a.b.c.
            let target = i.alias.isEmpty ? String(base.split(separator: ".").first ?? "") : base
            if modules.contains(target) { return [Typed(value: .module(target), confidence: .exact, note: "")] }
            return [Typed(value: .external(target), confidence: .exact, note: "")]
        }
        if modules.contains(base) {
            // `from . import ops` in a package's `__init__.py`: the submodule, unless the package itself
            // defines the name (asking the package for its member would come back to this import).
            let sub = base + "." + i.name
            if modules.contains(sub), children[base]?[i.name] == nil, factsByScope[base]?[i.name] == nil {
                return [Typed(value: .module(sub), confidence: .exact, note: "")]
            }
            let r = memberOfModule(base, i.name, referencedFrom: base)
            if !r.values.isEmpty { return r.values }
            if r.failure == .unknownReceiverType { return [] }
            // A compiled extension or a name the indexer missed: treat as outside the checkout.
            return [Typed(value: .external(base + "." + i.name), confidence: .exact, note: "")]
        }
        return [Typed(value: .external(base + "." + i.name), confidence: .exact, note: "")]
    }

    // MARK: Facts and types

    /// The types a name or `self.attr` takes in a scope, from every fact about it.
    func factTypes(scope: String, target: String) -> [Typed] {
        let key = scope + "\u{1}" + target
        if let m = factMemo[key] { return m }
        if inProgress.contains("f" + key) { return [] }
        inProgress.insert("f" + key)
        defer { inProgress.remove("f" + key) }
        if let b = bindings[key] {
            // A profile choice names the classes vLLM builds here at run time (the model from the
            // architecture registry): more specific than any annotation (`self.model: nn.Module`).
            let conf: Confidence = b.classes.count == 1 ? .inferred : .candidate
            let result = b.classes.filter { symbolsByQN[$0] != nil }.map {
                Typed(value: .instance($0, dynamic: false), confidence: conf,
                      note: "\(target): run-time choice '\(b.choice)' (one of \(b.classes.count) in the profile)")
            }
            if !result.isEmpty { factMemo[key] = result; return result }
        }
        let facts = factsByScope[scope]?[target] ?? []
        // Stated types win over assignments: an annotation says what every assignment must satisfy.
        let stated = facts.filter { $0.origin == .annotation || $0.origin == .parameter || $0.origin == .returns }
        var values: [Typed] = []
        for f in (stated.isEmpty ? facts : stated) { values += typesOfFact(f) }
        // A parameter stated as a class outside the checkout (`layer_type: type[nn.Module] = LlamaDecoderLayer`)
        // whose default is a checkout class: callers that pass nothing get the default, the more specific.
        let defaults = facts.filter { $0.origin == .parameterDefault }
        if !stated.isEmpty, !defaults.isEmpty, values.allSatisfy({ v in
            switch v.value { case .external, .externalInstance: return true; default: return false }
        }) {
            let d = defaults.flatMap(typesOfFact)
            if !d.isEmpty { values = d }
        }
        var result = dedupe(values)
        // Several functions assigned to one name (`self.step_fn = self.step if c else self.other`): each
        // is only a candidate.
        let functions = Set(result.compactMap { v -> String? in if case .function(let f) = v.value { return f } else { return nil } })
        if functions.count > 1 {
            result = result.map { v in
                guard case .function = v.value else { return v }
                return Typed(value: v.value, confidence: v.confidence.weakened(by: .candidate),
                             note: "\(v.note.isEmpty ? "" : v.note + "; ")one of \(functions.count) functions assigned to \(target)")
            }
        }
        factMemo[key] = result
        return result
    }

    /// The scope a fact's expression is written in (the method for `self.x` facts kept on the class).
    func evaluationScope(of f: TypeFact) -> String {
        guard let s = symbolsByQN[f.scope], s.kind == .class else { return f.scope }
        var best: Symbol? = nil
        for m in (children[f.scope] ?? [:]).values where (m.kind == .method || m.kind == .function) && m.file == f.file {
            if m.range.lines.contains(f.line), best == nil || m.range.start.line > best!.range.start.line { best = m }
        }
        return best?.qualifiedName ?? f.scope
    }

    func typesOfFact(_ f: TypeFact) -> [Typed] {
        let scope = evaluationScope(of: f)
        let place = "\(f.file.fileName):\(f.line)"
        switch f.origin {
        case .annotation, .parameter, .returns:
            let annotationScope: String
            if f.origin == .annotation { annotationScope = scope } else { annotationScope = symbolsByQN[scope]?.parent ?? scope }
            // `A | B`, `Union[A, B]`: one of several classes, each only a candidate (as any run-time choice).
            return runTimeChoice(parseTypeExpression(f.expression, in: annotationScope.isEmpty ? scope : annotationScope).map {
                Typed(value: $0.value, confidence: .exact, note: "\(f.target): \(f.expression) (\(place))")
            })
        case .assignedCall, .returnedCall:
            let callee = evaluateSegments(parseSegments(f.expression) ?? [], in: scope)
            return callee.values.flatMap { callResult($0) }.map {
                Typed(value: $0.value, confidence: $0.confidence.weakened(by: .inferred),
                      note: "\(f.target) = \(f.expression)(...) (\(place))")
            }
        case .assignedName, .returnedName, .parameterDefault:
            if (f.expression.hasPrefix("[") && f.expression.hasSuffix("]")) || (f.expression.hasPrefix("{") && f.expression.hasSuffix("}")) {
                // `[Callee()]`: a list built by a comprehension over calls (written so by the Python indexer).
                // `[a, b]`: a list whose elements are the values of those names; `{a, b}`: a dict's values.
                var elements: [Typed] = []
                let container = f.expression.hasPrefix("{") ? "builtins.dict" : "builtins.list"
                for item in splitTopLevel(String(f.expression.dropFirst().dropLast()), separator: ",") {
                    if item.hasSuffix("()"), let segs = parseSegments(String(item.dropLast(2))) {
                        elements += evaluateSegments(segs, in: scope).values.flatMap { callResult($0) }
                    } else if let segs = parseSegments(item) {
                        elements += evaluateSegments(segs, in: scope).values
                    }
                }
                elements = dedupe(elements)
                return elements.isEmpty ? [] : [Typed(value: .sequence(elements, container: container), confidence: .inferred,
                                                      note: "\(f.target) = \(f.expression) (\(place))")]
            }
            guard let segs = parseSegments(f.expression) else { return [] }
            return evaluateSegments(segs, in: scope).values.map {
                Typed(value: $0.value, confidence: $0.confidence.weakened(by: .inferred),
                      note: "\(f.target) = \(f.expression) (\(place))")
            }
        }
    }

    /// Reads an annotation (`Optional[Foo]`, `"Foo"`, `Union[A, B]`, `A | None`, `Type[Foo]`, `Foo[T]`)
    /// as instance or class types. Containers (`List[Foo]`, `Dict`, `Tuple`, `Callable`) give nothing.
    func parseTypeExpression(_ text: String, in scope: String) -> [Typed] {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.count >= 2, let f = t.first, (f == "\"" || f == "'"), t.last == f { t = String(t.dropFirst().dropLast()) }
        if t.isEmpty || t == "None" { return [] }
        let bars = splitTopLevel(t, separator: "|")
        if bars.count > 1 { return bars.flatMap { parseTypeExpression($0, in: scope) } }
        if let open = t.firstIndex(of: "["), t.last == "]" {
            let head = String(t[..<open]).trimmingCharacters(in: .whitespaces)
            let inner = String(t[t.index(after: open)..<t.index(before: t.endIndex)])
            let last = head.split(separator: ".").last.map(String.init) ?? head
            switch last {
            case "Optional", "Annotated", "Final", "ClassVar":
                return parseTypeExpression(splitTopLevel(inner, separator: ",").first ?? "", in: scope)
            case "Union":
                return splitTopLevel(inner, separator: ",").flatMap { parseTypeExpression($0, in: scope) }
            case "Type", "type":
                return parseTypeExpression(inner, in: scope).compactMap {
                    switch $0.value {
                    case .instance(let c, _): return Typed(value: .classObject(c, dynamic: true), confidence: .exact, note: "")
                    case .externalInstance(let p): return Typed(value: .external(p), confidence: .exact, note: "")
                    default: return nil
                    }
                }
            case "Tuple", "tuple":
                return [Typed(value: .tuple(elements: splitTopLevel(inner, separator: ","), scope: scope), confidence: .exact, note: "")]
            case "List", "list", "Sequence", "MutableSequence", "Iterable", "Iterator":
                return [Typed(value: .sequence(parseTypeExpression(inner, in: scope), container: "builtins.list"), confidence: .exact, note: "")]
            case "Set", "set", "FrozenSet", "frozenset":
                return [Typed(value: .sequence(parseTypeExpression(inner, in: scope), container: "builtins.set"), confidence: .exact, note: "")]
            case "Deque", "deque":
                return [Typed(value: .sequence(parseTypeExpression(inner, in: scope), container: "collections.deque"), confidence: .exact, note: "")]
            case "Dict", "dict", "Mapping", "MutableMapping", "DefaultDict", "OrderedDict":
                let values = splitTopLevel(inner, separator: ",").dropFirst().first.map { parseTypeExpression($0, in: scope) } ?? []
                return [Typed(value: .sequence(values, container: "builtins.dict"), confidence: .exact, note: "")]
            case "Callable", "Generator", "AsyncGenerator", "AsyncIterator", "Awaitable", "Coroutine", "Literal":
                return []
            default:
                t = head
            }
        }
        guard let segs = parseSegments(t), segs.allSatisfy({ if case .name = $0 { return true } else { return false } }) else { return [] }
        return evaluateSegments(segs, in: scope).values.compactMap {
            switch $0.value {
            case .classObject(let c, _): return Typed(value: .instance(c, dynamic: true), confidence: .exact, note: "")
            case .external(let p):
                let last = p.split(separator: ".").last.map(String.init) ?? p
                guard let f = last.first, f.isUppercase || p.hasPrefix("builtins."), !p.hasPrefix("typing.") else { return nil }
                return Typed(value: .externalInstance(p), confidence: .exact, note: "")
            default: return nil
            }
        }
    }

    /// What calling a value gives back.
    func callResult(_ v: Typed) -> [Typed] {
        switch v.value {
        case .classObject(let c, let dyn): return [Typed(value: .instance(c, dynamic: dyn), confidence: v.confidence, note: v.note)]
        case .function(let qn):
            return returnTypes(qn).map { Typed(value: $0.value, confidence: v.confidence.weakened(by: $0.confidence), note: $0.note) }
        case .external(let p):
            let last = p.split(separator: ".").last.map(String.init) ?? p
            if let f = last.first, f.isUppercase { return [Typed(value: .externalInstance(p), confidence: v.confidence, note: v.note)] }
            return [Typed(value: .externalInstance(""), confidence: v.confidence, note: v.note)]
        case .instance(let c, let dyn):
            var out: [Typed] = []
            for (target, conf, _) in callTargetsOfInstance(c, dynamic: dyn) where conf != .candidate {
                out += returnTypes(target).map { Typed(value: $0.value, confidence: v.confidence.weakened(by: .inferred), note: $0.note) }
            }
            return out
        default: return []
        }
    }

    /// A function's return types: its annotation, else what its `return` statements give.
    func returnTypes(_ qn: String) -> [Typed] {
        if let m = returnMemo[qn] { return m }
        if inProgress.contains("r" + qn) { return [] }
        inProgress.insert("r" + qn)
        defer { inProgress.remove("r" + qn) }
        let result = factTypes(scope: qn, target: "return")
        returnMemo[qn] = result
        return result
    }

    // MARK: Classes

    /// Direct bases (checkout classes, then external ones) of every class of the checkout that has any.
    func resolvedBases() -> [String: [String]] {
        var out: [String: [String]] = [:]
        for c in classQNs {
            let b = basesOf(c)
            let all = b.classes + b.externals
            if !all.isEmpty { out[c] = all }
        }
        return out
    }

    /// The classes of the checkout a class names as bases, in order, and its external bases.
    func directBases(_ cls: String) -> [String] { basesOf(cls).classes }

    private var basesMemo: [String: (classes: [String], externals: [String])] = [:]
    func basesOf(_ cls: String) -> (classes: [String], externals: [String]) {
        if let m = basesMemo[cls] { return m }
        basesMemo[cls] = ([], [])
        guard let s = symbolsByQN[cls] else { return ([], []) }
        var classes: [String] = []
        var externals: [String] = []
        let scope = s.parent
        for b in s.bases {
            var text = b.trimmingCharacters(in: .whitespaces)
            if text.contains("=") { continue }   // metaclass=..., keyword arguments
            if let open = text.firstIndex(of: "[") { text = String(text[..<open]) }
            guard let segs = parseSegments(text) else { continue }
            for v in evaluateSegments(segs, in: scope).values {
                switch v.value {
                case .classObject(let c, _): if c != cls, !classes.contains(c) { classes.append(c) }
                case .external(let p): if !externals.contains(p) { externals.append(p) }
                default: continue
                }
            }
        }
        basesMemo[cls] = (classes, externals)
        return (classes, externals)
    }

    /// Static MRO over the checkout's classes (C3, falling back to depth-first order when C3 fails), plus
    /// the external bases met anywhere in it.
    func mro(_ cls: String) -> (classes: [String], externals: [String]) {
        if let m = mroMemo[cls] { return m }
        if inProgress.contains("o" + cls) { return ([cls], []) }
        inProgress.insert("o" + cls)
        defer { inProgress.remove("o" + cls) }
        let bases = basesOf(cls)
        var seqs = bases.classes.map { mro($0).classes }
        seqs.append(bases.classes)
        var result = [cls]
        var ok = true
        while true {
            seqs = seqs.filter { !$0.isEmpty }
            if seqs.isEmpty { break }
            var picked: String? = nil
            for s in seqs {
                let head = s[0]
                if !seqs.contains(where: { $0.dropFirst().contains(head) }) { picked = head; break }
            }
            guard let p = picked else { ok = false; break }
            result.append(p)
            seqs = seqs.map { $0.first == p ? Array($0.dropFirst()) : $0 }
        }
        if !ok {
            result = [cls]
            for b in bases.classes { for c in mro(b).classes where !result.contains(c) { result.append(c) } }
        }
        var externals = bases.externals
        for c in result.dropFirst() { for e in basesOf(c).externals where !externals.contains(e) { externals.append(e) } }
        let value = (result, externals)
        mroMemo[cls] = value
        return value
    }

    /// Looks a member up along the MRO: the symbol and the class that defines it.
    func lookup(_ cls: String, _ name: String, after: String? = nil) -> (symbol: Symbol, owner: String)? {
        var classes = mro(cls).classes
        if let a = after, let i = classes.firstIndex(of: a) { classes = Array(classes[(i + 1)...]) }
        for c in classes { if let s = children[c]?[name] { return (s, c) } }
        return nil
    }

    /// All subclasses of a class in the checkout, transitively, sorted.
    func descendants(_ cls: String) -> [String] {
        if let m = descendantsMemo[cls] { return m }
        var seen = Set<String>()
        var stack = directSubclasses[cls] ?? []
        while let c = stack.popLast() {
            if seen.insert(c).inserted { stack += directSubclasses[c] ?? [] }
        }
        let result = seen.sorted()
        descendantsMemo[cls] = result
        return result
    }

    /// Methods named `name` that subclasses of `cls` define themselves (not abstract), sorted.
    func overrides(_ cls: String, _ name: String) -> [String] {
        let key = cls + "\u{1}" + name
        if let m = overrideMemo[key] { return m }
        var out: [String] = []
        for d in descendants(cls) {
            if let s = children[d]?[name], s.kind == .method || s.kind == .function, !isAbstract(s) { out.append(s.qualifiedName) }
        }
        overrideMemo[key] = out
        return out
    }

    private var wrapperMemo: [String: (wrapper: String, decorator: String)?] = [:]
    /// For a function decorated (plainly, `@name`) by a checkout function that returns one of its own
    /// nested functions (`def deco(func): @wraps(func) def wrapper(...): ...; return wrapper`): the wrapper
    /// and the decorator. Decorator factories (`@deco(...)`) and external decorators are not followed.
    func wrapper(of f: Symbol) -> (wrapper: String, decorator: String)? {
        if let m = wrapperMemo[f.qualifiedName] { return m }
        wrapperMemo[f.qualifiedName] = .some(nil)   // a decorator reached while resolving itself
        // A decorator stated to return a callable object (`-> "IrOp | Callable[...]"`, used with and without
        // arguments) makes the name that object, even when its factory form returns a nested function.
        if decoratorObject(of: f) != nil { return nil }
        // Decorators apply bottom-up: the first listed wraps the others, so its wrapper runs first and
        // calls the next wrapper, and the last wrapper calls the function.
        var chain: [(wrapper: String, decorator: String)] = []
        for a in f.attributes where !a.contains("(") {
            guard let segs = parseSegments(a), segs.allSatisfy({ if case .name = $0 { return true } else { return false } }) else { continue }
            var found: (wrapper: String, decorator: String)? = nil
            for v in evaluateSegments(segs, in: f.parent).values {
                guard case .function(let d) = v.value, d != f.qualifiedName, let ds = symbolsByQN[d], ds.kind == .function else { continue }
                // `return wrapper` (read from the statement: a `-> Callable` annotation says nothing).
                for r in factsByScope[d]?["return"] ?? [] where r.origin == .returnedName {
                    let w = d + "." + r.expression
                    if let ws = symbolsByQN[w], ws.parent == d, ws.kind == .function { found = (w, d) }
                }
            }
            if let x = found { chain.append(x) }
        }
        let first = chain.first
        wrapperMemo[f.qualifiedName] = .some(first)
        for (i, w) in chain.enumerated() {
            let next = i + 1 < chain.count ? chain[i + 1].wrapper : f.qualifiedName
            if !(wrappedBy[w.wrapper] ?? []).contains(next) { wrappedBy[w.wrapper, default: []].append(next) }
        }
        return first
    }
    private var objectMemo: [String: (cls: String, decorator: String)?] = [:]
    /// For a function whose outermost decorator (plainly `@name`, a checkout function) returns an instance of
    /// a checkout class that is callable (`__call__` defined or inherited): that class and the decorator.
    func decoratorObject(of f: Symbol) -> (cls: String, decorator: String)? {
        if let m = objectMemo[f.qualifiedName] { return m }
        objectMemo[f.qualifiedName] = .some(nil)
        var found: (cls: String, decorator: String)? = nil
        if let a = f.attributes.first, !a.contains("("), let segs = parseSegments(a),
           segs.allSatisfy({ if case .name = $0 { return true } else { return false } }) {
            for v in evaluateSegments(segs, in: f.parent).values where found == nil {
                guard case .function(let d) = v.value, d != f.qualifiedName, symbolsByQN[d]?.kind == .function else { continue }
                for r in returnTypes(d) {
                    if case .instance(let c, _) = r.value, symbolsByQN[c]?.kind == .class, lookup(c, "__call__") != nil {
                        found = (c, d)
                        break
                    }
                }
            }
        }
        objectMemo[f.qualifiedName] = .some(found)
        return found
    }

    /// Wrapper function -> the decorated functions it wraps (filled by `wrapper(of:)`).
    var wrappedBy: [String: [String]] = [:]

    /// Names some class of the checkout defines as a property or cached_property.
    lazy var propertyNames: Set<String> = {
        var out = Set<String>()
        for s in symbolsByQN.values where (s.kind == .method || s.kind == .function) && isProperty(s) { out.insert(s.name) }
        return out
    }()

    /// A class decorated `@dataclass` / `@dataclasses.dataclass(...)` / `@pydantic.dataclasses.dataclass`, or
    /// deriving from one (its generated `__init__` calls `__post_init__`).
    func isDataclass(_ cls: String) -> Bool {
        for c in mro(cls).classes {
            guard let s = symbolsByQN[c] else { continue }
            if s.attributes.contains(where: { a in
                let head = a.split(separator: "(").first.map(String.init) ?? a
                return head == "dataclass" || head.hasSuffix(".dataclass")
            }) { return true }
        }
        return false
    }

    /// A method decorated `@property` or `@cached_property` (also `functools.cached_property`).
    func isProperty(_ s: Symbol) -> Bool {
        s.attributes.contains { a in
            let d = a.trimmingCharacters(in: .whitespaces)
            return d == "property" || d == "cached_property" || d.hasSuffix(".cached_property") || d == "abc.abstractproperty"
        }
    }

    func isAbstract(_ s: Symbol) -> Bool {
        s.attributes.contains { $0 == "abstractmethod" || $0.hasSuffix(".abstractmethod") }
    }

    /// True when a class derives from `torch.nn.Module` (an external base under `torch.nn`, other than
    /// `Parameter`), so that calling an instance runs its `forward`.
    func isModuleClass(_ cls: String) -> Bool {
        mro(cls).externals.contains { PythonWorld.isTorchModulePath($0) }
    }

    /// External classes whose instances get their data attributes at run time (an `nn.Module`'s parameters,
    /// buffers and submodules; the generic bases `abc.ABC`, `object`): an attribute read off one names no
    /// member of the class, so nothing can be said of what it holds.
    static func hasRunTimeAttributes(_ p: String) -> Bool {
        isTorchModulePath(p) || ["abc.ABC", "builtins.object", "object", "typing.Generic", "typing.Protocol"].contains(p)
    }

    static func isTorchModulePath(_ p: String) -> Bool {
        (p.hasPrefix("torch.nn.") && !p.hasPrefix("torch.nn.functional") && !p.hasSuffix("Parameter")
            && !p.hasPrefix("torch.nn.parameter")) || p == "torch.nn.Module"
    }

    private var workerClasses: [String]? = nil
    /// Methods named `name` defined by classes deriving from a class named `WorkerBase`, sorted.
    func workerMethods(named name: String) -> [String] {
        if workerClasses == nil {
            workerClasses = classQNs.filter { c in mro(c).classes.contains { $0.split(separator: ".").last == "WorkerBase" } }
        }
        return (workerClasses ?? []).compactMap { c in
            guard let s = children[c]?[name], s.kind == .method || s.kind == .function, !isAbstract(s) else { return nil }
            return s.qualifiedName
        }.sorted()
    }

    private var subclassMethodMemo: [String: [String]] = [:]
    /// Methods named `name` defined by classes of the checkout that derive from the external class `base`
    /// (for `torch.nn.Module`, from any `torch.nn` module class), sorted.
    func subclassMethods(ofExternal base: String, named name: String) -> [String] {
        let key = base + "\u{1}" + name
        if let m = subclassMethodMemo[key] { return m }
        let module = PythonWorld.isTorchModulePath(base)
        let short = base.split(separator: ".").last.map(String.init) ?? base
        let out = (methodsByName[name] ?? []).filter { qn in
            guard let s = symbolsByQN[qn], let parent = symbolsByQN[s.parent], parent.kind == .class, !isAbstract(s) else { return false }
            if module, base.hasSuffix(".Module") { return isModuleClass(parent.qualifiedName) }
            return mro(parent.qualifiedName).externals.contains { $0 == base || $0.split(separator: ".").last.map(String.init) == short && $0.hasPrefix(String(base.split(separator: ".").first ?? "")) }
        }.sorted()
        subclassMethodMemo[key] = out
        return out
    }

    /// Every `forward` defined by an `nn.Module` subclass of the checkout.
    func allModuleForwards() -> [String] {
        if let m = moduleForwards { return m }
        var out: [String] = []
        for c in classQNs where isModuleClass(c) {
            if let s = children[c]?["forward"], !isAbstract(s) { out.append(s.qualifiedName) }
        }
        out.sort()
        moduleForwards = out
        return out
    }

    /// What calling an instance of a class reaches: `__call__` along the MRO, else `forward` for
    /// `nn.Module` subclasses (PyTorch's `Module.__call__` runs `forward`); plus the subclasses'
    /// overrides as candidates when the instance may be a subclass.
    func callTargetsOfInstance(_ cls: String, dynamic: Bool) -> [(String, Confidence, String)] {
        var name = "__call__"
        var found = lookup(cls, name)
        var conventionNote = ""
        if found == nil, isModuleClass(cls) {
            name = "forward"
            found = lookup(cls, name)
            conventionNote = "nn.Module call runs forward"
        }
        var out: [(String, Confidence, String)] = []
        if let f = found {
            var conf: Confidence = f.owner == cls ? .exact : .inferred
            if name == "forward" { conf = .inferred }
            out.append((f.symbol.qualifiedName, conf, conventionNote))
        }
        if dynamic {
            let ov = overrides(cls, name).filter { $0 != found?.symbol.qualifiedName }
            for o in ov { out.append((o, .candidate, "override in subclass of \(short(cls)) (\(ov.count) overrides)")) }
        }
        return out
    }

    func short(_ qn: String) -> String { qn.split(separator: ".").suffix(2).joined(separator: ".") }

    // MARK: Expressions

    /// Evaluates a parsed expression in a scope.
    func evaluateSegments(_ segs: [Segment], in scope: String) -> Evaluation {
        guard case .name(let first)? = segs.first else { return .fail(.dynamicCallee) }
        var current: [Typed]
        var rest = segs.dropFirst()
        if first == "super", case .call? = rest.first, let cls = enclosingClass(of: scope) {
            current = [Typed(value: .superProxy(cls), confidence: .exact, note: "")]
            rest = rest.dropFirst()
        } else {
            let r = resolveName(first, in: scope)
            if r.values.isEmpty { return r }
            current = r.values
        }
        var failure: UnresolvedReason? = nil
        for seg in rest {
            var next: [Typed] = []
            switch seg {
            case .name(let attr):
                var attrFailure: UnresolvedReason? = nil
                for v in current {
                    let r = attribute(v, attr)
                    next += r.values
                    if r.values.isEmpty { attrFailure = r.failure }
                }
                if next.isEmpty { failure = attrFailure ?? .unknownReceiverType }
            case .call:
                next = current.flatMap { callResult($0) }
                if next.isEmpty { failure = .unknownReceiverType }
            case .index(let key):
                for v in current {
                    switch v.value {
                    case .externalInstance(let p) where p.hasSuffix("ModuleList") || p.hasSuffix("Sequential") || p.hasSuffix("ModuleDict"):
                        next.append(Typed(value: .externalInstance("torch.nn.Module"), confidence: v.confidence.weakened(by: .inferred),
                                          note: "element of \(p)"))
                    case .sequence(let elements, _):
                        next += elements.map {
                            Typed(value: $0.value, confidence: v.confidence.weakened(by: $0.confidence), note: v.note.isEmpty ? $0.note : v.note)
                        }
                    case .tuple(let elements, let tupleScope):
                        guard let k = Int(key.trimmingCharacters(in: .whitespaces)), k >= 0, k < elements.count else { continue }
                        next += parseTypeExpression(elements[k], in: tupleScope).map {
                            Typed(value: $0.value, confidence: v.confidence, note: v.note)
                        }
                    default: continue
                    }
                }
                if next.isEmpty { failure = .dynamicCallee }
            }
            current = runTimeChoice(dedupe(next))
            if current.isEmpty { return .fail(failure ?? .unknownReceiverType) }
        }
        return .ok(runTimeChoice(current))
    }

    /// `value.attr`.
    func attribute(_ v: Typed, _ attr: String) -> Evaluation {
        switch v.value {
        case .module(let m):
            let r = memberOfModule(m, attr, referencedFrom: m)
            if r.values.isEmpty, r.failure == .unknownName, extensionModules.contains(attr) {
                return .ok([Typed(value: .external(m + "." + attr), confidence: v.confidence, note: "compiled extension")])
            }
            return Evaluation(values: r.values.map { Typed(value: $0.value, confidence: $0.confidence.weakened(by: v.confidence), note: $0.note) },
                              failure: r.failure == .unknownName ? .attributeNotFound : r.failure)
        case .external(let p):
            // `layer.input_scale.max()`: what `input_scale` holds is not known from the external class.
            if v.externalMember { return .fail(.externalValue) }
            return .ok([Typed(value: .external(p + "." + attr), confidence: v.confidence, note: v.note)])
        case .externalInstance(let p):
            if p.isEmpty { return .fail(.externalValue) }
            do {
                // An instance of an external class whose subclasses in the checkout define the method
                // (`model.load_weights()` on an nn.Module, `param.ds_quantize_()` on an nn.Parameter): the
                // call is one of theirs, not the external library's.
                let defs = subclassMethods(ofExternal: p, named: attr)
                if !defs.isEmpty {
                    return .ok(defs.map {
                        Typed(value: .function($0), confidence: .candidate,
                              note: "\(v.note.isEmpty ? p : v.note) -> one of \(defs.count) methods named \(attr) in subclasses")
                    })
                }
            }
            return .ok([Typed(value: .external(p + "." + attr), confidence: v.confidence, note: v.note,
                              externalMember: PythonWorld.hasRunTimeAttributes(p))])
        case .function:
            return .fail(.attributeNotFound)
        case .tuple:
            return .ok([Typed(value: .external("builtins.tuple." + attr), confidence: v.confidence, note: v.note)])
        case .sequence(_, let container):
            return .ok([Typed(value: .external(container + "." + attr), confidence: v.confidence, note: v.note)])
        case .superProxy(let cls):
            guard let f = lookup(cls, attr, after: cls) else {
                let ext = mro(cls).externals
                if let e = ext.first { return .ok([Typed(value: .external(e + "." + attr), confidence: .inferred, note: "super()")]) }
                return .fail(.attributeNotFound)
            }
            return .ok(memberValue(f.symbol, instance: true).map {
                Typed(value: $0.value, confidence: .inferred, note: "super() in \(short(cls)) -> \(short(f.owner))")
            })
        case .classObject(let c, let dyn):
            return memberOfClass(c, attr, dynamic: dyn, instance: false, base: v)
        case .instance(let c, let dyn):
            return memberOfClass(c, attr, dynamic: dyn, instance: true, base: v)
        }
    }

    /// The value of a class member: methods are functions, properties their return type, nested classes
    /// class objects, class variables their facts.
    func memberValue(_ s: Symbol, instance: Bool) -> [Typed] {
        if s.kind == .method || s.kind == .function {
            if instance, s.attributes.contains(where: { $0 == "property" || $0.hasSuffix("cached_property") }) {
                return returnTypes(s.qualifiedName)
            }
            return [Typed(value: .function(s.qualifiedName), confidence: .exact, note: "")]
        }
        return valueOfSymbol(s)
    }

    private func memberOfClass(_ c: String, _ attr: String, dynamic: Bool, instance: Bool, base v: Typed) -> Evaluation {
        let typeName = short(c)
        let via = v.note.isEmpty ? typeName : v.note
        // Attribute facts (`self.x = ...`, `x: T` in the class body) along the MRO.
        if instance {
            for k in mro(c).classes {
                let facts = factTypes(scope: k, target: "self." + attr) + (factsByScope[k]?[attr] != nil && children[k]?[attr]?.kind != .method
                    ? factTypes(scope: k, target: attr) : [])
                if !facts.isEmpty {
                    return .ok(dedupe(facts).map {
                        Typed(value: $0.value, confidence: $0.confidence.weakened(by: v.confidence), note: $0.note)
                    })
                }
                // The class assigns or annotates the attribute, with a type we cannot read: it is the
                // instance's own, not something inherited from an external base.
                if factsByScope[k]?["self." + attr] != nil || (factsByScope[k]?[attr] != nil && children[k]?[attr]?.kind != .method) {
                    return .fail(.unknownReceiverType)
                }
            }
        }
        var out: [Typed] = []
        if let f = lookup(c, attr) {
            let conf: Confidence = f.owner == c ? v.confidence : v.confidence.weakened(by: .inferred)
            let note = f.owner == c ? via : "\(via) -> inherited from \(short(f.owner))"
            out += memberValue(f.symbol, instance: instance).map {
                Typed(value: $0.value, confidence: conf.weakened(by: $0.confidence), note: note)
            }
        }
        if dynamic {
            let isMethod = out.contains { if case .function = $0.value { return true } else { return false } } || lookup(c, attr) == nil
            if isMethod {
                let ov = overrides(c, attr).filter { o in !out.contains { $0.value == .function(o) } }
                // The receiver may be a subclass that overrides the method: the class's own method is then
                // one candidate among the overrides, never `exact` (what runs depends on the object).
                if !ov.isEmpty {
                    out = out.map { v in
                        guard case .function = v.value else { return v }
                        return Typed(value: v.value, confidence: v.confidence.weakened(by: .candidate),
                                     note: "\(v.note) (\(ov.count) subclasses override \(attr))")
                    }
                }
                for o in ov {
                    out.append(Typed(value: .function(o), confidence: .candidate,
                                     note: "\(via) -> override in \(short(symbolsByQN[o]?.parent ?? o)) (\(ov.count) overrides)"))
                }
            }
        }
        if out.isEmpty {
            if let e = mro(c).externals.first {
                return .ok([Typed(value: .external(e + "." + attr), confidence: v.confidence.weakened(by: .inferred),
                                  note: "\(typeName) inherits \(e)", externalMember: instance && PythonWorld.hasRunTimeAttributes(e))])
            }
            return .fail(.attributeNotFound)
        }
        return .ok(out)
    }

    /// A value that may be one of several classes or instances (a selector function returning one of
    /// several classes) is a run-time choice: each possibility is only a candidate.
    func runTimeChoice(_ values: [Typed]) -> [Typed] {
        var classes = Set<String>()
        for v in values {
            switch v.value {
            case .instance(let c, _), .classObject(let c, _): classes.insert(c)
            case .externalInstance(let p) where !p.isEmpty: classes.insert(p)
            case .external(let p) where p.split(separator: ".").last?.first?.isUppercase ?? false: classes.insert(p)
            default: continue
            }
        }
        guard classes.count > 1 else { return values }
        return values.map { v in
            switch v.value {
            case .instance, .classObject, .externalInstance, .external:
                if v.note.contains("run-time choices") { return Typed(value: v.value, confidence: v.confidence.weakened(by: .candidate), note: v.note) }
                return Typed(value: v.value, confidence: v.confidence.weakened(by: .candidate),
                             note: "\(v.note.isEmpty ? "" : v.note + "; ")one of \(classes.count) run-time choices")
            default: return v
            }
        }
    }

    func dedupe(_ values: [Typed]) -> [Typed] {
        var best: [PyValue: Typed] = [:]
        var order: [PyValue] = []
        for v in values {
            if let b = best[v.value] {
                if v.confidence < b.confidence { best[v.value] = v }
            } else {
                best[v.value] = v
                order.append(v.value)
            }
        }
        return order.map { best[$0]! }
    }
}
