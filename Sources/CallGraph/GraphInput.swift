// What the resolver reads: everything the indexers found in one checkout, plus the build's macros that
// name torch op namespaces.
import Foundation
import IndexModel

/// Everything the resolver needs about one checkout, all languages together.
public struct GraphInput: Sendable {
    /// Every definition, Python and C++.
    public var symbols: [Symbol]
    /// Every call site (C++ ones deduplicated across translation units).
    public var calls: [CallSite]
    /// Python imports.
    public var imports: [Import]
    /// Python type facts, as the indexer recorded them.
    public var typeFacts: [TypeFact]
    /// Torch op, pybind11 and Python custom-op registrations.
    public var registrations: [Registration]
    /// Python `__all__` lists, by file.
    public var exports: [RepoPath: [String]]
    /// How the build names torch op namespaces (`TORCH_EXTENSION_NAME`).
    public var macros: NamespaceMacros
    /// Names whose run-time class a profile choice gives (see `RunProfile.typeBindings`).
    public var bindings: [TypeBinding] = []

    public init(symbols: [Symbol] = [], calls: [CallSite] = [], imports: [Import] = [], typeFacts: [TypeFact] = [],
                registrations: [Registration] = [], exports: [RepoPath: [String]] = [:],
                macros: NamespaceMacros = NamespaceMacros())
    {
        self.symbols = symbols
        self.calls = calls
        self.imports = imports
        self.typeFacts = typeFacts
        self.registrations = registrations
        self.exports = exports
        self.macros = macros
    }

    /// Gathers the indexers' per-file output. C++ translation units report header symbols too, so the
    /// same symbol may come from several files: duplicates (same name, USR, file and position) are dropped.
    public init(files: [FileIndex], macros: NamespaceMacros = NamespaceMacros()) {
        var symbols: [Symbol] = []
        var seenSymbols = Set<SymbolKey>()
        var calls: [CallSite] = []
        var seenCalls = Set<CallSite>()
        var regs: [Registration] = []
        var seenRegs = Set<Registration>()
        var imports: [Import] = []
        var facts: [TypeFact] = []
        var exports: [RepoPath: [String]] = [:]
        for f in files.sorted(by: { $0.path < $1.path }) {
            for s in f.symbols where seenSymbols.insert(SymbolKey(s)).inserted { symbols.append(s) }
            if f.language == .python {
                calls += f.calls
            } else {
                for c in f.calls where seenCalls.insert(c).inserted { calls.append(c) }
            }
            for r in f.registrations where seenRegs.insert(r).inserted { regs.append(r) }
            imports += f.imports
            facts += f.typeFacts
            if !f.exports.isEmpty { exports[f.path] = f.exports }
        }
        self.init(symbols: symbols, calls: calls, imports: imports, typeFacts: facts, registrations: regs,
                  exports: exports, macros: macros)
    }
}

private struct SymbolKey: Hashable {
    let qualifiedName: String, usr: String, file: RepoPath, line: Int, column: Int, kind: SymbolKind
    init(_ s: Symbol) {
        qualifiedName = s.qualifiedName
        usr = s.usr
        file = s.file
        line = s.range.start.line
        column = s.range.start.column
        kind = s.kind
    }
}

/// The value of `TORCH_EXTENSION_NAME` for each C++ file, which names the torch op namespace of the
/// `TORCH_LIBRARY_EXPAND(TORCH_EXTENSION_NAME, ops)` blocks in it.
///
/// The rule, read off vLLM's build: `cmake/utils.cmake` compiles every source of
/// `define_gpu_extension_target(NAME ... SOURCES ...)` (`define_extension_target` in later releases) with
/// `-DTORCH_EXTENSION_NAME=NAME`. So
/// `derive(buildFiles:)` reads each CMake text for `set(VAR ...)` and `list(APPEND VAR ...)` (with
/// `${VAR}` expanded, `if()` branches all taken) and maps every source of such a target to the target's
/// name. A file in no target (headers, files the scan missed) gets `fallback`: `_C` when setup.py
/// builds `vllm._C` (or when no setup.py is given). `CONCAT(A, B)` in a namespace expression (vLLM's
/// `csrc/core/registration.h`) pastes its two arguments.
public struct NamespaceMacros: Hashable, Codable, Sendable {
    /// `TORCH_EXTENSION_NAME` per source file.
    public var extensionNameByFile: [RepoPath: String]
    /// `TORCH_EXTENSION_NAME` for files in no target.
    public var fallback: String

    public init(extensionNameByFile: [RepoPath: String] = [:], fallback: String = "_C") {
        self.extensionNameByFile = extensionNameByFile
        self.fallback = fallback
    }

    /// `TORCH_EXTENSION_NAME` as the compiler sees it in `file`.
    public func extensionName(for file: RepoPath) -> String { extensionNameByFile[file] ?? fallback }

    /// Expands a registration's namespace expression as written in `file`:
    /// `TORCH_EXTENSION_NAME` -> `_C`, `CONCAT(TORCH_EXTENSION_NAME, _cache_ops)` -> `_C_cache_ops`.
    public func expand(_ expression: String, in file: RepoPath) -> String {
        let e = expression.trimmingCharacters(in: .whitespaces)
        if e == "TORCH_EXTENSION_NAME" { return extensionName(for: file) }
        for wrapper in ["CONCAT(", "_CONCAT("] where e.hasPrefix(wrapper) && e.hasSuffix(")") {
            let inner = e.dropFirst(wrapper.count).dropLast()
            let parts = splitTopLevel(String(inner), separator: ",")
            return parts.map { expand($0, in: file) }.joined()
        }
        return e
    }

    /// Derives the map from build files: CMake texts (`CMakeLists.txt`, `cmake/*.cmake`) and `setup.py`,
    /// keyed by their path in the checkout. Paths in CMake are taken relative to the checkout root
    /// (vLLM's top-level CMakeLists.txt is the only one that lists sources).
    public static func derive(buildFiles: [RepoPath: String]) -> NamespaceMacros {
        var map: [RepoPath: String] = [:]
        var fallback = "_C"
        for (path, text) in buildFiles.sorted(by: { $0.key < $1.key }) {
            if path.fileName == "setup.py" {
                if !text.contains("vllm._C"), let name = firstExtensionName(in: text) { fallback = name }
                continue
            }
            var vars: [String: [String]] = [:]
            for command in cmakeCommands(text) {
                let args = command.arguments.flatMap { expandVariables($0, vars) }
                switch command.name {
                case "set":
                    guard let v = args.first else { continue }
                    vars[v] = Array(args.dropFirst())
                case "list":
                    guard args.count >= 2, args[0] == "APPEND" else { continue }
                    vars[args[1], default: []] += args.dropFirst(2)
                case "define_gpu_extension_target", "define_extension_target":
                    guard let name = args.first else { continue }
                    var inSources = false
                    for a in args.dropFirst() {
                        if targetKeywords.contains(a) { inSources = a == "SOURCES"; continue }
                        if inSources, Language.of(path: a) != nil, map[RepoPath(a)] == nil { map[RepoPath(a)] = name }
                    }
                default: continue
                }
            }
        }
        return NamespaceMacros(extensionNameByFile: map, fallback: fallback)
    }

    private static let targetKeywords: Set<String> = [
        "DESTINATION", "LANGUAGE", "SOURCES", "COMPILE_FLAGS", "ARCHITECTURES", "INCLUDE_DIRECTORIES",
        "LIBRARIES", "USE_SABI", "WITH_SOABI",
    ]

    private static func firstExtensionName(in setupPy: String) -> String? {
        guard let r = setupPy.range(of: "CMakeExtension(name=\"vllm.") else { return nil }
        let rest = setupPy[r.upperBound...]
        guard let q = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<q])
    }

    private static func expandVariables(_ word: String, _ vars: [String: [String]]) -> [String] {
        if word.hasPrefix("${"), word.hasSuffix("}") {
            return vars[String(word.dropFirst(2).dropLast())] ?? []
        }
        return [word]
    }

    struct CMakeCommand {
        var name: String
        var arguments: [String]
    }

    /// Splits CMake text into commands with their whitespace-separated arguments, dropping comments and
    /// the quotes around quoted arguments.
    static func cmakeCommands(_ text: String) -> [CMakeCommand] {
        var commands: [CMakeCommand] = []
        let chars = Array(text.unicodeScalars)
        var i = 0
        var pendingName = ""
        while i < chars.count {
            let c = chars[i]
            if c == "#" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
                continue
            }
            if c.properties.isAlphabetic || c == "_" || (c.value >= 48 && c.value <= 57 && !pendingName.isEmpty) {
                pendingName.unicodeScalars.append(c)
                i += 1
                continue
            }
            if c == "(", !pendingName.isEmpty {
                var args: [String] = []
                var word = ""
                var depth = 1
                i += 1
                while i < chars.count, depth > 0 {
                    let d = chars[i]
                    if d == "\"" {
                        i += 1
                        while i < chars.count, chars[i] != "\"" { word.unicodeScalars.append(chars[i]); i += 1 }
                        i += 1
                        continue
                    }
                    if d == "#" {
                        while i < chars.count, chars[i] != "\n" { i += 1 }
                        continue
                    }
                    if d == "(" { depth += 1 }
                    if d == ")" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    if d == " " || d == "\n" || d == "\t" || d == "\r" {
                        if !word.isEmpty { args.append(word); word = "" }
                    } else {
                        word.unicodeScalars.append(d)
                    }
                    i += 1
                }
                if !word.isEmpty { args.append(word) }
                commands.append(CMakeCommand(name: pendingName.lowercased() == pendingName ? pendingName
                                                 : pendingName, arguments: args))
                pendingName = ""
                i += 1
                continue
            }
            pendingName = ""
            i += 1
        }
        return commands
    }
}

/// Splits `text` at `separator` where no bracket is open (`<>` count as brackets only when `angles`).
func splitTopLevel(_ text: String, separator: Character, angles: Bool = false) -> [String] {
    var parts: [String] = []
    var depth = 0
    var current = ""
    var quote: Character? = nil
    for ch in text {
        if let q = quote {
            current.append(ch)
            if ch == q { quote = nil }
            continue
        }
        switch ch {
        case "\"", "'": quote = ch; current.append(ch)
        case "(", "[", "{": depth += 1; current.append(ch)
        case ")", "]", "}": depth -= 1; current.append(ch)
        case "<" where angles: depth += 1; current.append(ch)
        case ">" where angles: depth -= 1; current.append(ch)
        default:
            if ch == separator, depth == 0 {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(ch)
            }
        }
    }
    let last = current.trimmingCharacters(in: .whitespaces)
    if !last.isEmpty || !parts.isEmpty { parts.append(last) }
    return parts
}
