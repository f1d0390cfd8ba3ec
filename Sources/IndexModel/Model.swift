// The shared vocabulary of Marginalia: what an indexer produces for one file, and what the store,
// the call graph, the notes and the site read back. Value types only; no disk, SQL, libclang or HTML.

/// A source language Marginalia indexes.
public enum Language: String, Codable, Sendable, CaseIterable, Comparable {
    case python
    case cpp
    case cuda
    case c

    /// The language of a file, decided by its extension; nil for files Marginalia does not index.
    public static func of(path: String) -> Language? {
        guard let dot = path.lastIndex(of: ".") else { return nil }
        switch path[path.index(after: dot)...] {
        case "py", "pyi": return .python
        case "cu", "cuh": return .cuda
        case "cpp", "cc", "cxx", "hpp", "hh", "hxx", "h", "inl": return .cpp
        case "c": return .c
        default: return nil
        }
    }

    public static func < (a: Language, b: Language) -> Bool { a.rawValue < b.rawValue }
}

/// A path relative to the checkout root, with `/` separators and no leading `./`.
public struct RepoPath: RawRepresentable, Hashable, Codable, Sendable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { self.rawValue = raw }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (a: RepoPath, b: RepoPath) -> Bool { a.rawValue < b.rawValue }
    /// The last path component.
    public var fileName: String { rawValue.split(separator: "/").last.map(String.init) ?? rawValue }
    /// The directory part, "" at the root.
    public var directory: String {
        guard let slash = rawValue.lastIndex(of: "/") else { return "" }
        return String(rawValue[..<slash])
    }
}

/// A position in a file: 1-based line, 1-based column counted in UTF-8 bytes.
/// (CPython's `ast` counts 0-based UTF-8 byte offsets; libclang 1-based bytes. We store 1-based.)
public struct SourcePosition: Hashable, Codable, Sendable, Comparable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// A half-open range of text in one file: `start` is the first byte, `end` is one past the last byte.
public struct SourceRange: Hashable, Codable, Sendable {
    public var start: SourcePosition
    public var end: SourcePosition
    public init(start: SourcePosition, end: SourcePosition) { self.start = start; self.end = end }
    public init(line: Int, column: Int, endLine: Int, endColumn: Int) {
        self.start = SourcePosition(line: line, column: column)
        self.end = SourcePosition(line: endLine, column: endColumn)
    }
    public var lines: ClosedRange<Int> { start.line...max(start.line, end.line) }
}

/// What a symbol is. Raw values are what the store and the JSON exports carry.
public struct SymbolKind: RawRepresentable, Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: SymbolKind, b: SymbolKind) -> Bool { a.rawValue < b.rawValue }

    // Python
    public static let module = SymbolKind(rawValue: "module")
    public static let `class` = SymbolKind(rawValue: "class")
    public static let function = SymbolKind(rawValue: "function")
    public static let method = SymbolKind(rawValue: "method")
    /// A lambda bound to a name (`f = lambda x: ...`).
    public static let lambda = SymbolKind(rawValue: "lambda")
    /// A module-level or class-level assignment target (constants, aliases such as `X = Y`).
    public static let variable = SymbolKind(rawValue: "variable")
    // C / C++ / CUDA
    public static let namespace = SymbolKind(rawValue: "namespace")
    public static let `struct` = SymbolKind(rawValue: "struct")
    public static let `enum` = SymbolKind(rawValue: "enum")
    public static let enumConstant = SymbolKind(rawValue: "enum_constant")
    public static let typedef = SymbolKind(rawValue: "typedef")
    public static let field = SymbolKind(rawValue: "field")
    public static let macro = SymbolKind(rawValue: "macro")
    /// A `__global__` function (function or function template).
    public static let kernel = SymbolKind(rawValue: "kernel")
    /// A `__device__` function that is not `__global__`.
    public static let deviceFunction = SymbolKind(rawValue: "device_function")
    /// A torch op (`torch.ops.NS.NAME`), defined by a registration schema or a Python custom op.
    public static let torchOp = SymbolKind(rawValue: "torch_op")
    /// A symbol outside the checkout (torch, triton, ...), created by the call graph.
    public static let external = SymbolKind(rawValue: "external")

    /// Kinds that have a body and can contain call sites.
    public var isCallable: Bool {
        [.function, .method, .lambda, .kernel, .deviceFunction].contains(self)
    }
}

/// One definition (or, for C++, one declaration that is the only one seen) of a named entity.
public struct Symbol: Hashable, Codable, Sendable {
    /// Python: dotted module path plus classes and defs (`vllm.core.scheduler.Scheduler.schedule`).
    /// C++: namespace-qualified, no template arguments or parameters (`vllm::paged_attention_v1_kernel`).
    public var qualifiedName: String
    /// The last component (`schedule`, `paged_attention_v1_kernel`).
    public var name: String
    public var kind: SymbolKind
    public var language: Language
    public var file: RepoPath
    /// Python: from the `def`/`class` keyword (decorators excluded, as `ast` does) to the last line of
    /// the body. C++: the cursor's extent.
    public var range: SourceRange
    /// Where the name itself is written (for links and hover).
    public var nameRange: SourceRange?
    /// Python: `(self, seq_group: SequenceGroup) -> bool`; C++: the display name / type.
    /// Overloads of one qualified name differ here.
    public var signature: String
    /// Python docstring or C++ leading comment, trimmed; "" when none.
    public var doc: String
    /// The qualified name of the enclosing symbol ("" at top level / for modules).
    public var parent: String
    /// Decorators as written without `@` (Python) or attributes (`__global__`, `__launch_bounds__(...)`,
    /// `template`, `definition`, `static`, `async`, ...).
    public var attributes: [String]
    /// Python: base class expressions as written. C++: base classes' qualified names.
    public var bases: [String]
    /// C++ Unified Symbol Resolution string, links a call to its target across translation units.
    public var usr: String

    public init(
        qualifiedName: String, name: String, kind: SymbolKind, language: Language, file: RepoPath,
        range: SourceRange, nameRange: SourceRange? = nil, signature: String = "", doc: String = "",
        parent: String = "", attributes: [String] = [], bases: [String] = [], usr: String = ""
    ) {
        self.qualifiedName = qualifiedName
        self.name = name
        self.kind = kind
        self.language = language
        self.file = file
        self.range = range
        self.nameRange = nameRange
        self.signature = signature
        self.doc = doc
        self.parent = parent
        self.attributes = attributes
        self.bases = bases
        self.usr = usr
    }
}

/// How a call site calls.
public enum CallKind: String, Codable, Sendable, CaseIterable {
    /// An ordinary call expression.
    case call
    /// A CUDA kernel launch `kernel<<<grid, block, shmem, stream>>>(...)`.
    case launch
    /// A call written inside a macro body, attributed to the function invoking the macro.
    case macro
    /// A reference that is not a call but passes a function on (`&fn` in `ops.impl`, a kernel
    /// passed to `cudaLaunchKernelEx`, a callback argument).
    case reference
    /// Python: an attribute read that is not called (`self.tokenizer`, `x.y.z`): a property or
    /// cached_property getter runs when the attribute is one. (Last: the C++ walker counts kinds by position.)
    case attribute
}

/// One call site, as written in the source.
public struct CallSite: Hashable, Codable, Sendable {
    /// Qualified name of the enclosing symbol (function, method, module for top-level code).
    public var caller: String
    /// The callee expression as written, e.g. `self.scheduler[ve].schedule`, `torch.ops._C.paged_attention_v1`,
    /// `paged_attention_v1_launcher<T, CACHE_T, BLOCK_SIZE>`.
    public var callee: String
    public var kind: CallKind
    public var file: RepoPath
    /// Location of the call in the user's own lines (macro arguments: spelling; else macro invocation).
    public var range: SourceRange
    /// C++: the USR of the referenced declaration, when libclang resolved it ("" otherwise).
    public var targetUSR: String
    /// C++: the qualified name of the referenced declaration, when resolved.
    public var targetName: String
    /// Kernel launches: the text between `<<<` and `>>>`.
    public var launchConfig: String
    /// The macro through which the call was written, when it was ("" otherwise).
    public var viaMacro: String
    /// Python: the number of positional arguments and the keyword names (for matching overrides).
    public var argumentCount: Int
    /// Python: the arguments, recorded for calls that pass a plain string literal (empty otherwise). The
    /// call graph reads op names and functions out of registration calls (`direct_register_custom_op("name",
    /// op_func=fn)`, `torch.library.custom_op("ns::name", fn)`, `lib.impl("name", fn, "CUDA")`) and method
    /// names out of calls by name (`collective_rpc("execute_model")`).
    public var arguments: [CallArgument] = []

    public init(
        caller: String, callee: String, kind: CallKind = .call, file: RepoPath, range: SourceRange,
        targetUSR: String = "", targetName: String = "", launchConfig: String = "", viaMacro: String = "",
        argumentCount: Int = 0, arguments: [CallArgument] = []
    ) {
        self.caller = caller
        self.callee = callee
        self.kind = kind
        self.file = file
        self.range = range
        self.targetUSR = targetUSR
        self.targetName = targetName
        self.launchConfig = launchConfig
        self.viaMacro = viaMacro
        self.argumentCount = argumentCount
        self.arguments = arguments
    }

    private enum CodingKeys: String, CodingKey {
        case caller, callee, kind, file, range, targetUSR, targetName, launchConfig, viaMacro, argumentCount
        case arguments
    }

    /// Decodes `arguments` as empty when absent, so indexes written before the field existed still load.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        caller = try c.decode(String.self, forKey: .caller)
        callee = try c.decode(String.self, forKey: .callee)
        kind = try c.decode(CallKind.self, forKey: .kind)
        file = try c.decode(RepoPath.self, forKey: .file)
        range = try c.decode(SourceRange.self, forKey: .range)
        targetUSR = try c.decode(String.self, forKey: .targetUSR)
        targetName = try c.decode(String.self, forKey: .targetName)
        launchConfig = try c.decode(String.self, forKey: .launchConfig)
        viaMacro = try c.decode(String.self, forKey: .viaMacro)
        argumentCount = try c.decode(Int.self, forKey: .argumentCount)
        arguments = (try? c.decodeIfPresent([CallArgument].self, forKey: .arguments)) ?? []
    }

    /// The positional arguments as written, in order (unpacked `*args` / `**kw` left out).
    public var positionalArguments: [CallArgument] { arguments.filter { $0.label.isEmpty } }

    /// The keyword argument `label=...`, nil when the call does not pass one.
    public func keywordArgument(_ label: String) -> CallArgument? { arguments.first { $0.label == label } }

    /// Positional argument `index`, or the keyword `label` when given instead.
    public func argument(_ index: Int, or label: String? = nil) -> CallArgument? {
        if let label, let k = keywordArgument(label) { return k }
        let positional = positionalArguments
        return index < positional.count ? positional[index] : nil
    }
}

/// One argument of a Python call, as the parser read it.
public struct CallArgument: Hashable, Codable, Sendable {
    /// The keyword (`op_func` for `op_func=fn`), `*` / `**` for unpacked arguments, "" for positional ones.
    public var label: String
    /// The argument's expression as written (whitespace-normalized; the keyword not included).
    public var text: String
    /// The value of a plain string literal argument (not an f-string or bytes, no implicit concatenation),
    /// nil for any other expression.
    public var string: String?

    public init(label: String = "", text: String, string: String? = nil) {
        self.label = label
        self.text = text
        self.string = string
    }
}

/// A Python import. `from .a import b as c` inside `f` is
/// `Import(scope: "pkg.mod.f", module: "a", level: 1, name: "b", alias: "c")`.
public struct Import: Hashable, Codable, Sendable {
    /// Qualified name of the scope the import binds in (the module, or a function).
    public var scope: String
    /// The module as written after `from` / `import`, without the leading dots.
    public var module: String
    /// Number of leading dots (0 for absolute imports).
    public var level: Int
    /// The imported name for `from X import name`; "" for `import X`; "*" for star imports.
    public var name: String
    /// `as` alias, "" when none.
    public var alias: String
    public var file: RepoPath
    public var line: Int
    /// True when the import sits under `try` or `if` (it may not run).
    public var conditional: Bool

    public init(scope: String, module: String, level: Int = 0, name: String = "", alias: String = "",
                file: RepoPath, line: Int, conditional: Bool = false)
    {
        self.scope = scope
        self.module = module
        self.level = level
        self.name = name
        self.alias = alias
        self.file = file
        self.line = line
        self.conditional = conditional
    }

    /// The name this import binds in its scope.
    public var boundName: String {
        if !alias.isEmpty { return alias }
        if !name.isEmpty { return name }
        return String(module.split(separator: ".").first ?? "")
    }
}

/// A statement of a type the code itself makes, for the call graph to resolve attribute calls.
public struct TypeFact: Hashable, Codable, Sendable {
    public enum Origin: String, Codable, Sendable {
        /// `target = Callee(...)`: the type is what the call returns (a class, or a function's annotation).
        case assignedCall = "assigned_call"
        /// `target = other_name` (an alias).
        case assignedName = "assigned_name"
        /// `target: T` or `target: T = ...`.
        case annotation
        /// A parameter annotation (`def f(x: T)`).
        case parameter
        /// A return annotation (`def f() -> T`); `target` is "return".
        case returns
        /// `return Callee(...)` in a function without a return annotation; `target` is "return" and
        /// `expression` the callee as written. Lets the call graph follow unannotated factories
        /// (`self.w = self._create_worker()`).
        case returnedCall = "returned_call"
        /// `return name` / `return a.b` in a function without a return annotation; `target` is "return".
        case returnedName = "returned_name"
        /// `def f(x: T = Cls)`: a class as a parameter's default value (`expression` the default as written).
        case parameterDefault = "parameter_default"
    }
    /// Qualified name of the scope: the function for locals/params/returns, the class for
    /// `self.x` facts (written anywhere in the class's methods), the module for module-level names.
    public var scope: String
    /// `x`, `self.x`, or `return`.
    public var target: String
    /// The type or callee expression as written (`Optional[Foo]`, `Foo`, `get_attn_backend`).
    public var expression: String
    public var origin: Origin
    public var file: RepoPath
    public var line: Int

    public init(scope: String, target: String, expression: String, origin: Origin, file: RepoPath, line: Int) {
        self.scope = scope
        self.target = target
        self.expression = expression
        self.origin = origin
        self.file = file
        self.line = line
    }
}

/// A torch op or pybind11 registration found in C++ (or a Python custom op definition).
public struct Registration: Hashable, Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// `ops.def("name(...) -> ...")`: declares the schema.
        case def
        /// `ops.impl("name", torch::kCUDA, &fn)`, or `ops.def("name", &fn)` binding a function directly.
        case impl
        /// pybind11 `m.def("name", &fn)`.
        case pybind
        /// A Python-defined op (`torch.library.custom_op`, `Library.define/impl`, `direct_register_custom_op`).
        case python
    }
    public var kind: Kind
    /// The namespace expression as written (`TORCH_EXTENSION_NAME`, `CONCAT(TORCH_EXTENSION_NAME, _cache_ops)`, `vllm`).
    public var namespaceExpression: String
    /// The namespace after expanding the build's macros (`_C`, `_C_cache_ops`), "" if unknown.
    public var namespace: String
    public var opName: String
    /// The schema string for `def` ("" otherwise).
    public var schema: String
    /// `CUDA`, `CPU`, `CompositeImplicitAutograd`, ... ("" when none).
    public var dispatchKey: String
    /// The target function's qualified name ("" for a schema-only def).
    public var target: String
    /// The target's USR (C++) for linking across translation units.
    public var targetUSR: String
    /// The `#if`/`#ifdef` condition the registration sits under, "" when unconditional.
    public var condition: String
    public var file: RepoPath
    public var line: Int
    /// The registration block's enclosing function (the `TORCH_LIBRARY` body), for call edges.
    public var scope: String

    public init(kind: Kind, namespaceExpression: String, namespace: String, opName: String, schema: String = "",
                dispatchKey: String = "", target: String = "", targetUSR: String = "", condition: String = "",
                file: RepoPath, line: Int, scope: String = "")
    {
        self.kind = kind
        self.namespaceExpression = namespaceExpression
        self.namespace = namespace
        self.opName = opName
        self.schema = schema
        self.dispatchKey = dispatchKey
        self.target = target
        self.targetUSR = targetUSR
        self.condition = condition
        self.file = file
        self.line = line
        self.scope = scope
    }
}

/// A use of a macro in the user's code.
public struct MacroExpansion: Hashable, Codable, Sendable {
    public var name: String
    public var file: RepoPath
    public var line: Int
    /// Where the macro is defined (file:line), "" when not in the checkout.
    public var definitionFile: String
    public var definitionLine: Int
    /// The enclosing symbol's qualified name.
    public var scope: String
    public init(name: String, file: RepoPath, line: Int, definitionFile: String = "", definitionLine: Int = 0,
                scope: String = "")
    {
        self.name = name
        self.file = file
        self.line = line
        self.definitionFile = definitionFile
        self.definitionLine = definitionLine
        self.scope = scope
    }
}

/// A problem found while reading a file, reported to the user (never silently dropped).
public struct Diagnostic: Hashable, Codable, Sendable, CustomStringConvertible {
    public enum Severity: String, Codable, Sendable, Comparable {
        case note, warning, error, fatal
        private var rank: Int { [.note: 0, .warning: 1, .error: 2, .fatal: 3][self]! }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }
    public var file: RepoPath
    public var line: Int
    public var column: Int
    public var severity: Severity
    public var message: String
    public init(file: RepoPath, line: Int, column: Int = 0, severity: Severity, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
    }
    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }
}

/// Everything one indexer found in one file (Python) or one translation unit's main file (C++).
/// C++ translation units also report symbols found in the headers they include, each with its own
/// `file`; the store keeps, for each symbol, the file it is written in.
public struct FileIndex: Codable, Sendable {
    public var path: RepoPath
    public var language: Language
    public var symbols: [Symbol]
    public var calls: [CallSite]
    public var imports: [Import]
    public var typeFacts: [TypeFact]
    public var registrations: [Registration]
    public var macroExpansions: [MacroExpansion]
    public var diagnostics: [Diagnostic]
    /// C++: every checkout file this translation unit includes (for incremental re-indexing).
    public var includes: [RepoPath]
    /// Python: names listed in `__all__`, in order.
    public var exports: [String]
    /// True when the file could not be indexed at all (diagnostics say why).
    public var failed: Bool

    public init(path: RepoPath, language: Language, symbols: [Symbol] = [], calls: [CallSite] = [],
                imports: [Import] = [], typeFacts: [TypeFact] = [], registrations: [Registration] = [],
                macroExpansions: [MacroExpansion] = [], diagnostics: [Diagnostic] = [],
                includes: [RepoPath] = [], exports: [String] = [], failed: Bool = false)
    {
        self.path = path
        self.language = language
        self.symbols = symbols
        self.calls = calls
        self.imports = imports
        self.typeFacts = typeFacts
        self.registrations = registrations
        self.macroExpansions = macroExpansions
        self.diagnostics = diagnostics
        self.includes = includes
        self.exports = exports
        self.failed = failed
    }
}
