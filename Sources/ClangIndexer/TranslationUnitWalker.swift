// The cursor walk over one parsed translation unit: copies symbols, call sites, kernel launches,
// torch op registrations, macro expansions, includes and diagnostics into IndexModel values.
// Only records written in checkout files are kept; declarations from the prelude and system
// headers are skipped at the top level without descending into them.
internal import CClang
import Foundation
import IndexModel

/// A checkout file seen in this TU.
private struct KnownFile {
    let path: RepoPath
    let language: Language
}

/// A registration block (`TORCH_LIBRARY*`, `STABLE_TORCH_LIBRARY*`, `PYBIND11_MODULE`) as the prelude
/// expands it: kind, namespace and dispatch key read back from the function name.
struct RegistrationBlock {
    /// The macro family (`TORCH_LIBRARY`, `TORCH_LIBRARY_FRAGMENT`, `TORCH_LIBRARY_IMPL`, `STABLE_...`, `PYBIND11_MODULE`).
    var family: String
    var namespace: String
    var dispatchKey: String
    var isPybind: Bool { family == "PYBIND11_MODULE" }

    /// Reads a block back from a prelude function name such as `TORCH_LIBRARY_IMPL_init___C__CUDA__uid3`.
    init?(functionName: String) {
        let families = [
            "STABLE_TORCH_LIBRARY_FRAGMENT", "STABLE_TORCH_LIBRARY_IMPL", "STABLE_TORCH_LIBRARY",
            "TORCH_LIBRARY_FRAGMENT", "TORCH_LIBRARY_IMPL", "TORCH_LIBRARY", "PYBIND11_MODULE",
        ]
        guard let family = families.first(where: { functionName.hasPrefix($0 + "_init__") }) else { return nil }
        var rest = Substring(functionName.dropFirst(family.count + "_init__".count))
        guard let uid = rest.range(of: "__uid", options: .backwards) else { return nil }
        rest = rest[..<uid.lowerBound]
        self.family = family
        if family.hasSuffix("_IMPL") {
            guard let sep = rest.range(of: "__", options: .backwards) else { return nil }
            namespace = String(rest[..<sep.lowerBound])
            dispatchKey = String(rest[sep.upperBound...])
        } else {
            namespace = String(rest)
            dispatchKey = ""
        }
    }

    /// The name the block's function is recorded under (`TORCH_LIBRARY_IMPL(_C, CUDA)`).
    var displayName: String {
        dispatchKey.isEmpty ? "\(family)(\(namespace))" : "\(family)(\(namespace), \(dispatchKey))"
    }
}

struct TranslationUnitWalker {
    let tu: CXTranslationUnit
    let root: String
    let mainPath: RepoPath

    private var files: [UnsafeMutableRawPointer: KnownFile?] = [:]
    private var texts: [RepoPath: SourceText] = [:]
    private var conditions: [RepoPath: [String]] = [:]
    /// Macros defined in checkout files: name to (file, definition extent in bytes).
    private var checkoutMacros: [String: (file: RepoPath, start: Int, end: Int, line: Int)] = [:]

    private var symbols: [Symbol] = []
    private var calls: [CallSite] = []
    private var registrations: [Registration] = []
    private var expansions: [MacroExpansion] = []
    /// Function symbols per file (index into `symbols`), for scoping macro expansions.
    private var functionRanges: [RepoPath: [(range: SourceRange, name: String)]] = [:]
    /// Registration block functions of the main file: extent in bytes and parameter name.
    private var blocks: [(block: RegistrationBlock, start: Int, end: Int, parameter: String, scope: String,
                          expression: String)] = []

    init(tu: CXTranslationUnit, root: String, mainPath: RepoPath) {
        self.tu = tu
        self.root = root
        self.mainPath = mainPath
    }

    // MARK: Entry

    mutating func run() -> FileIndex {
        let top = clang_getTranslationUnitCursor(tu)
        var preprocessing: [CXCursor] = []
        var declarations: [CXCursor] = []
        visitChildren(of: top) { c in
            switch c.kind {
            case CXCursor_MacroDefinition, CXCursor_MacroExpansion: preprocessing.append(c)
            case CXCursor_InclusionDirective: break
            default: declarations.append(c)
            }
            return .continue
        }
        for c in preprocessing where c.kind == CXCursor_MacroDefinition { recordMacroDefinition(c) }
        for c in declarations { walkDeclaration(c, context: Context()) }
        for c in preprocessing where c.kind == CXCursor_MacroExpansion { recordMacroExpansion(c) }
        scanSkippedRegistrations()

        var unit = FileIndex(path: mainPath, language: Language.of(path: mainPath.rawValue) ?? .cpp)
        unit.symbols = symbols.sorted(by: symbolOrder)
        unit.calls = calls.sorted(by: callOrder)
        unit.registrations = registrations.sorted(by: registrationOrder)
        unit.macroExpansions = expansions.sorted { ($0.file, $0.line, $0.name) < ($1.file, $1.line, $1.name) }
        unit.includes = inclusions()
        unit.diagnostics = diagnostics() + walkDiagnostics
        return unit
    }

    // MARK: Files and text

    private mutating func known(_ file: CXFile?) -> KnownFile? {
        guard let file else { return nil }
        if let cached = files[file] { return cached }
        let path = realPath(of: file)
        var result: KnownFile?
        if path.hasPrefix(root + "/") {
            let rel = RepoPath(String(path.dropFirst(root.count + 1)))
            result = KnownFile(path: rel, language: Language.of(path: rel.rawValue) ?? .cpp)
        }
        files[file] = .some(result)
        return result
    }

    private mutating func text(_ path: RepoPath) -> SourceText {
        if let t = texts[path] { return t }
        let data = FileManager.default.contents(atPath: root + "/" + path.rawValue) ?? Data()
        let t = SourceText(bytes: [UInt8](data))
        texts[path] = t
        return t
    }

    private mutating func condition(_ path: RepoPath, line: Int) -> String {
        if conditions[path] == nil { conditions[path] = preprocessorConditions(text(path)) }
        let c = conditions[path]!
        return line < c.count ? c[line] : ""
    }

    /// The cursor's range in its file: start and end mapped to file locations; a range whose ends
    /// fall in different places (a macro expansion) collapses to its start.
    private func range(of cursor: CXCursor) -> (FilePoint, FilePoint) {
        let ext = cursor.extent
        let s = filePoint(clang_getRangeStart(ext))
        var e = filePoint(clang_getRangeEnd(ext))
        if e.file != s.file || e.offset < s.offset { e = s }
        return (s, e)
    }

    private func sourceRange(_ r: (FilePoint, FilePoint)) -> SourceRange {
        SourceRange(line: r.0.line, column: r.0.column, endLine: r.1.line, endColumn: r.1.column)
    }

    /// The source text of a cursor when both ends are written in the same file, else nil.
    private mutating func writtenText(_ cursor: CXCursor) -> String? {
        let ext = cursor.extent
        let s = filePoint(clang_getRangeStart(ext))
        let e = filePoint(clang_getRangeEnd(ext))
        guard s.file == e.file, e.offset > s.offset, let f = known(s.file) else { return nil }
        // A range whose start is the start of a macro invocation spanning the whole expression is
        // not what the user wrote at that spot.
        return text(f.path).slice(s.offset, e.offset)
    }

    // MARK: Declarations

    struct Context {
        /// Qualified name of the enclosing callable ("" at namespace scope).
        var caller = ""
        /// Index of the enclosing callable's symbol, to add `shared:` attributes.
        var symbolIndex: Int?
        /// The registration block the walk is inside, if any.
        var blockIndex: Int?
        /// Qualified name of the enclosing namespace/class, for namespace-scope code.
        var scope = ""
        /// How many declarations (namespaces, classes, functions) enclose this one.
        var depth = 0
    }

    /// Declarations nested deeper than this are not walked (one diagnostic per TU says where).
    /// Declarations are walked recursively, one level per namespace, class or function; clang
    /// itself stops brace nesting at 256 (`-fbracket-depth`), so real code stays far below this.
    static let maxDeclarationDepth = 300
    /// Problems of the walk itself (too deep), reported with libclang's diagnostics.
    private var walkDiagnostics: [Diagnostic] = []

    private mutating func walkDeclaration(_ c: CXCursor, context: Context) {
        let kind = c.kind
        let point = filePoint(c.location)
        guard let file = known(point.file) else { return }
        guard context.depth < Self.maxDeclarationDepth else {
            if walkDiagnostics.isEmpty {
                walkDiagnostics.append(Diagnostic(
                    file: file.path, line: point.line, column: point.column, severity: .error,
                    message: "declarations nested more than \(Self.maxDeclarationDepth) deep: not indexed below this point"))
            }
            return
        }
        var context = context
        context.depth += 1
        switch kind {
        case CXCursor_Namespace:
            let name = qualifiedName(c)
            if !c.spelling.isEmpty { addSymbol(c, kind: .namespace, file: file, qualified: name) }
            var inner = context
            inner.scope = name
            visitChildren(of: c) { child in
                walkDeclaration(child, context: inner)
                return .continue
            }
        case CXCursor_LinkageSpec, CXCursor_UnexposedDecl:
            visitChildren(of: c) { child in
                walkDeclaration(child, context: context)
                return .continue
            }
        case CXCursor_StructDecl, CXCursor_ClassDecl, CXCursor_UnionDecl, CXCursor_ClassTemplate,
            CXCursor_ClassTemplatePartialSpecialization:
            guard c.isDefinition else { return }
            let name = qualifiedName(c)
            if !c.spelling.isEmpty {
                var attributes: [String] = ["definition"]
                if kind == CXCursor_ClassTemplate || kind == CXCursor_ClassTemplatePartialSpecialization {
                    attributes.append("template")
                }
                let index = addSymbol(c, kind: .struct, file: file, qualified: name, attributes: attributes)
                symbols[index].bases = baseClasses(c)
                symbols[index].signature = templatePrefix(c)
            }
            var inner = context
            inner.scope = name
            visitChildren(of: c) { child in
                walkDeclaration(child, context: inner)
                return .continue
            }
        case CXCursor_EnumDecl:
            guard c.isDefinition else { return }
            addSymbol(c, kind: .enum, file: file, qualified: qualifiedName(c), attributes: ["definition"])
            visitChildren(of: c) { child in
                if child.kind == CXCursor_EnumConstantDecl, let f = known(filePoint(child.location).file) {
                    addSymbol(child, kind: .enumConstant, file: f, qualified: qualifiedName(child))
                }
                return .continue
            }
        case CXCursor_TypedefDecl, CXCursor_TypeAliasDecl, CXCursor_TypeAliasTemplateDecl:
            let index = addSymbol(c, kind: .typedef, file: file, qualified: qualifiedName(c))
            symbols[index].signature = collapseWhitespace(writtenText(c) ?? c.typeSpelling)
        case CXCursor_FieldDecl:
            let index = addSymbol(c, kind: .field, file: file, qualified: qualifiedName(c))
            symbols[index].signature = c.typeSpelling
        case CXCursor_FunctionDecl, CXCursor_FunctionTemplate, CXCursor_CXXMethod, CXCursor_Constructor,
            CXCursor_Destructor, CXCursor_ConversionFunction:
            walkFunction(c, file: file, context: context)
        case CXCursor_VarDecl:
            // Namespace-scope variables: their initializers can call functions.
            walkBody(of: c, context: Context(caller: context.scope, scope: context.scope, depth: context.depth))
        default:
            break
        }
    }

    private mutating func walkFunction(_ c: CXCursor, file: KnownFile, context: Context) {
        guard c.isDefinition else { return }
        var isGlobal = false, isDevice = false, isHost = false
        var body: CXCursor?
        visitChildren(of: c) { child in
            switch child.kind {
            case CXCursor_CUDAGlobalAttr: isGlobal = true
            case CXCursor_CUDADeviceAttr: isDevice = true
            case CXCursor_CUDAHostAttr: isHost = true
            case CXCursor_CompoundStmt: body = child
            default: break
            }
            return .continue
        }
        let isMember: Bool = {
            switch c.kind {
            case CXCursor_CXXMethod, CXCursor_Constructor, CXCursor_Destructor, CXCursor_ConversionFunction:
                return true
            default:
                let parent = c.semanticParent.kind
                return parent == CXCursor_StructDecl || parent == CXCursor_ClassDecl || parent == CXCursor_ClassTemplate
                    || parent == CXCursor_ClassTemplatePartialSpecialization || parent == CXCursor_UnionDecl
            }
        }()
        var kind: SymbolKind = isMember ? .method : .function
        if isGlobal { kind = .kernel } else if isDevice, !isMember { kind = .deviceFunction }
        var attributes: [String] = []
        if isGlobal { attributes.append("__global__") }
        if isHost, isDevice { attributes.append("__host__") }
        if isDevice { attributes.append("__device__") }
        if c.kind == CXCursor_FunctionTemplate { attributes.append("template") }
        if c.specializedTemplate != nil { attributes.append("specialization") }
        if clang_Cursor_getStorageClass(c) == CX_SC_Static { attributes.append("static") }
        if isMember, clang_CXXMethod_isStatic(c) != 0 { attributes.append("static") }
        if isMember, clang_CXXMethod_isVirtual(c) != 0 { attributes.append("virtual") }
        attributes.append("definition")
        if let bounds = launchBounds(c) { attributes.append(bounds) }

        var qualified = qualifiedName(c)
        var block: RegistrationBlock?
        if c.kind == CXCursor_FunctionDecl, let b = RegistrationBlock(functionName: c.spelling) {
            block = b
            qualified = b.displayName
            attributes.append("registration")
        }
        let index = addSymbol(c, kind: kind, file: file, qualified: qualified, attributes: attributes)
        if block != nil { symbols[index].name = block!.family }
        symbols[index].signature = functionSignature(c)
        functionRanges[file.path, default: []].append((symbols[index].range, qualified))

        var inner = Context(caller: qualified, symbolIndex: index, blockIndex: nil, scope: context.scope,
                            depth: context.depth + 1)
        if let block, file.path == mainPath {
            let r = range(of: c)
            let parameter = firstParameterName(c)
            blocks.append((block, r.0.offset, r.1.offset, parameter, qualified,
                           blockExpression(at: r.0.offset, file: file.path)))
            inner.blockIndex = blocks.count - 1
        } else if let block {
            blocks.append((block, -1, -1, firstParameterName(c), qualified, blockExpression(at: range(of: c).0.offset, file: file.path)))
            inner.blockIndex = blocks.count - 1
        }
        // Member initializers and default arguments can call too, but the body is what matters.
        visitChildren(of: c) { child in
            switch child.kind {
            case CXCursor_CompoundStmt, CXCursor_MemberRef:
                walkBody(of: child, context: inner, includeSelf: child.kind == CXCursor_CompoundStmt)
            default:
                if clang_isExpression(child.kind) != 0 { walkBody(of: child, context: inner, includeSelf: true) }
            }
            return .continue
        }
        _ = body
    }

    private func firstParameterName(_ c: CXCursor) -> String {
        let n = clang_Cursor_getNumArguments(c)
        guard n > 0 else { return "" }
        return clang_Cursor_getArgument(c, 0).spelling
    }

    /// The namespace expression as written in a registration block's header
    /// (`TORCH_LIBRARY_EXPAND(CONCAT(TORCH_EXTENSION_NAME, _cache_ops), cache_ops)` gives
    /// `CONCAT(TORCH_EXTENSION_NAME, _cache_ops)`).
    private mutating func blockExpression(at offset: Int, file: RepoPath) -> String {
        let t = text(file)
        var i = offset
        while i < t.bytes.count, isIdentifierByte(t.bytes[i]) { i += 1 }
        while i < t.bytes.count, t.bytes[i] == UInt8(ascii: " ") || t.bytes[i] == UInt8(ascii: "\t") { i += 1 }
        guard i < t.bytes.count, t.bytes[i] == UInt8(ascii: "(") else { return "" }
        guard let first = t.arguments(openParen: i).first else { return "" }
        return collapseWhitespace(t.slice(first.lowerBound, first.upperBound))
    }

    // MARK: Bodies: calls, launches, references, shared memory, registrations

    private mutating func walkBody(of c: CXCursor, context: Context, includeSelf: Bool = false) {
        if includeSelf {
            visitExpression(c, context: context, consumed: nil)
        } else {
            visitChildren(of: c) { child in
                visitExpression(child, context: context, consumed: nil)
                return .continue
            }
        }
    }

    /// Walks an expression or statement tree depth first, in source order, on an explicit stack:
    /// generated code nests expressions thousands deep (`1+1+...+1` is one level per term) and a
    /// recursive walk would overflow a worker thread's stack. `consumed` is a call's callee
    /// reference, already recorded by `handleCall`, which is not recorded again as a reference.
    private mutating func visitExpression(_ root: CXCursor, context: Context, consumed rootConsumed: CXCursor?) {
        var stack: [(cursor: CXCursor, consumed: CXCursor?)] = [(root, rootConsumed)]
        func push(childrenOf c: CXCursor, consumed: CXCursor?, skipping skipped: CXCursorKind? = nil) {
            let kids = children(of: c)
            for child in kids.reversed() where child.kind != skipped { stack.append((child, consumed)) }
        }
        while let (c, consumed) = stack.popLast() {
            let kind = c.kind
            if let consumed, clang_equalCursors(consumed, c) != 0 {
                // The callee of a call already recorded: not a reference. A member callee's object
                // expression can still hold calls (`f().g()`), so walk it, minus the member name.
                if kind == CXCursor_MemberRefExpr { push(childrenOf: c, consumed: nil, skipping: CXCursor_OverloadedDeclRef) }
                continue
            }
            var consumedChild: CXCursor?
            switch kind {
            case CXCursor_CallExpr:
                consumedChild = handleCall(c, context: context)
            case CXCursor_DeclRefExpr, CXCursor_OverloadedDeclRef:
                if handleReference(c, context: context) { continue }
            case CXCursor_VarDecl:
                if let index = context.symbolIndex { recordShared(c, symbolIndex: index) }
            case CXCursor_FunctionDecl, CXCursor_CXXMethod, CXCursor_FunctionTemplate, CXCursor_StructDecl,
                CXCursor_ClassDecl:
                // Local classes and their methods: walked as declarations (they carry their own names).
                walkDeclaration(c, context: context)
                continue
            default:
                break
            }
            push(childrenOf: c, consumed: consumedChild ?? consumed)
        }
    }

    /// The reference cursor a call's callee expression comes down to (DeclRefExpr, MemberRefExpr or
    /// OverloadedDeclRef), looking through implicit casts and parentheses.
    private func calleeReference(_ call: CXCursor) -> CXCursor? {
        guard var e = firstChild(of: call) else { return nil }
        for _ in 0..<6 {
            switch e.kind {
            case CXCursor_DeclRefExpr, CXCursor_MemberRefExpr, CXCursor_OverloadedDeclRef:
                return e
            case CXCursor_UnexposedExpr, CXCursor_ParenExpr:
                guard let next = firstChild(of: e) else { return nil }
                e = next
            default:
                return nil
            }
        }
        return nil
    }

    /// Resolves what a reference points at: the declaration, mapped from an implicit
    /// specialization to its template; for an unresolved overload set, its only (or first) member.
    private func target(of reference: CXCursor) -> (decl: CXCursor, unique: Bool)? {
        var decl: CXCursor?
        var unique = true
        if reference.kind == CXCursor_OverloadedDeclRef {
            let n = clang_getNumOverloadedDecls(reference)
            if n > 0 { decl = clang_getOverloadedDecl(reference, 0) }
            unique = n == 1
        } else if let r = reference.referenced {
            if r.kind == CXCursor_OverloadedDeclRef {
                let n = clang_getNumOverloadedDecls(r)
                if n > 0 { decl = clang_getOverloadedDecl(r, 0) }
                unique = n == 1
            } else {
                decl = r
            }
        }
        guard var d = decl, !d.isNull else { return nil }
        if let t = d.specializedTemplate { d = t }
        return (d, unique)
    }

    private static let functionKinds: Set<UInt32> = [
        CXCursor_FunctionDecl.rawValue, CXCursor_FunctionTemplate.rawValue, CXCursor_CXXMethod.rawValue,
        CXCursor_Constructor.rawValue, CXCursor_Destructor.rawValue, CXCursor_ConversionFunction.rawValue,
    ]

    /// Records a call (or launch); returns the callee reference cursor so the walk does not also
    /// record it as a reference.
    private mutating func handleCall(_ c: CXCursor, context: Context) -> CXCursor? {
        let spelling = c.spelling
        if spelling.hasPrefix("operator") { return nil }
        let point = filePoint(c.location)
        guard let file = known(point.file) else { return nil }
        let kids = children(of: c)
        // Overloaded operators (also dependent ones inside templates) are not calls anyone wrote by name.
        for kid in kids where kid.kind == CXCursor_OverloadedDeclRef || kid.kind == CXCursor_DeclRefExpr
            || kid.kind == CXCursor_UnexposedExpr
        {
            var name = kid.spelling
            if name.isEmpty, kid.kind == CXCursor_DeclRefExpr { name = kid.referenced?.spelling ?? "" }
            if name.hasPrefix("operator") { return kid }
        }
        var reference: CXCursor?
        var resolved: (decl: CXCursor, unique: Bool)?
        if let direct = c.referenced, direct.kind == CXCursor_Constructor {
            // Implicit constructions (copies, moves, conversions, default construction) are not calls
            // anyone wrote.
            if clang_CXXConstructor_isCopyConstructor(direct) != 0 || clang_CXXConstructor_isMoveConstructor(direct) != 0 {
                return nil
            }
            let args = clang_Cursor_getNumArguments(c)
            if args <= 0 { return nil }
            if args == 1, clang_equalRanges(clang_Cursor_getArgument(c, 0).extent, c.extent) != 0 { return nil }
            resolved = (direct.specializedTemplate ?? direct, true)
        } else {
            reference = calleeReference(c)
            resolved = reference.flatMap { target(of: $0) }
            if resolved == nil, let r = c.referenced, Self.functionKinds.contains(r.kind.rawValue) {
                resolved = (r.specializedTemplate ?? r, true)
            }
        }
        if resolved == nil, let reference, reference.kind == CXCursor_DeclRefExpr, reference.spelling.isEmpty {
            resolved = dependentMember(reference, point: point, file: file)
        }
        if let decl = resolved?.decl {
            if !Self.functionKinds.contains(decl.kind.rawValue) && decl.kind != CXCursor_Constructor {
                resolved = nil  // a call through a variable, parameter or field
            } else if decl.spelling.hasPrefix("operator") {
                return reference
            }
        }
        let targetName = resolved.map { qualifiedName($0.decl) } ?? ""
        if targetName.hasPrefix("marginalia_detail::") || targetName == "cudaConfigureCall" { return reference }

        // A launch: the second child is the `<<<...>>>` configuration, a call to cudaConfigureCall.
        var config: CXCursor?
        if kids.count >= 2, kids[1].kind == CXCursor_CallExpr, kids[1].spelling == "cudaConfigureCall" { config = kids[1] }

        // Written inside a macro body: the file location is the macro invocation's name.
        let t = text(file.path)
        let word = t.identifier(at: point.offset)
        var viaMacro = ""
        if let macro = checkoutMacros[word], word != spelling {
            _ = macro
            viaMacro = word
        }
        let declName = resolved?.decl.spelling ?? ""
        var callee = spelling.isEmpty ? declName : spelling
        if viaMacro.isEmpty, let reference, let written = writtenText(reference) {
            callee = collapseWhitespace(stripComments(written))
        } else if viaMacro.isEmpty, callee.isEmpty, let first = kids.first, let written = writtenText(first) {
            callee = collapseWhitespace(stripComments(written))
        }
        if callee.isEmpty, let reference { callee = reference.spelling }
        if callee.isEmpty, let reference, let r = reference.referenced { callee = r.spelling }
        if callee.isEmpty, let first = kids.first { callee = first.spelling }
        if callee.count > 200 { callee = String(callee.prefix(200)) }
        if callee.isEmpty { callee = targetName }

        var kind: CallKind = viaMacro.isEmpty ? .call : .macro
        var launchConfig = ""
        if let config {
            kind = .launch
            launchConfig = launchConfigText(config, viaMacro: viaMacro, calleeName: declName.isEmpty ? spelling : declName)
        }
        let r = range(of: c)
        let site = CallSite(
            caller: context.caller, callee: callee, kind: kind, file: file.path,
            range: viaMacro.isEmpty ? sourceRange(r) : sourceRange((point, point)),
            targetUSR: (resolved?.unique ?? false) ? resolved!.decl.usr : "",
            targetName: targetName, launchConfig: launchConfig, viaMacro: viaMacro,
            argumentCount: Int(max(0, clang_Cursor_getNumArguments(c))))
        calls.append(site)

        if let blockIndex = context.blockIndex, let decl = resolved?.decl {
            recordRegistration(call: c, method: decl, targetName: targetName, blockIndex: blockIndex, file: file, line: point.line)
        }
        return reference
    }

    /// `Class<T, N>::member(...)` inside a template (a dependent-scope name, which LLVM 14 leaves
    /// unnamed): the member is read from the text (the call's own, or the macro it was written in)
    /// and looked up among the class template's members.
    private mutating func dependentMember(_ reference: CXCursor, point: FilePoint, file: KnownFile)
        -> (decl: CXCursor, unique: Bool)?
    {
        var owner: CXCursor?
        visitChildren(of: reference) { child in
            if child.kind == CXCursor_TemplateRef || child.kind == CXCursor_TypeRef, let r = child.referenced {
                owner = r
                return .stop
            }
            return .continue
        }
        guard var owner else { return nil }
        if owner.kind == CXCursor_TypedefDecl || owner.kind == CXCursor_TypeAliasDecl { return nil }
        if let t = owner.specializedTemplate { owner = t }
        let className = owner.spelling
        guard !className.isEmpty else { return nil }
        var texts: [String] = []
        if let written = writtenText(reference) { texts.append(written) }
        let word = text(file.path).identifier(at: point.offset)
        if let m = checkoutMacros[word] { texts.append(text(m.file).slice(m.start, m.end)) }
        for body in texts {
            guard let member = memberName(after: className, in: body) else { continue }
            var matches: [CXCursor] = []
            visitChildren(of: owner) { child in
                if (child.kind == CXCursor_CXXMethod || child.kind == CXCursor_FunctionTemplate), child.spelling == member {
                    matches.append(child)
                }
                return .continue
            }
            if let first = matches.first { return (first, matches.count == 1) }
        }
        return nil
    }

    /// The text between `<<<` and `>>>`: from the configuration's own extent when written in the
    /// file, else from the definition of the macro the launch was written in.
    private mutating func launchConfigText(_ config: CXCursor, viaMacro: String, calleeName: String) -> String {
        if viaMacro.isEmpty, let written = writtenText(config) {
            var s = collapseWhitespace(stripComments(written))
            if s.hasPrefix("<<<") { s.removeFirst(3) }
            if s.hasSuffix(">>>") { s.removeLast(3) }
            return s.trimmingCharacters(in: .whitespaces)
        }
        var candidates: [String] = []
        if !viaMacro.isEmpty { candidates.append(viaMacro) }
        candidates += checkoutMacros.keys.sorted().filter { $0 != viaMacro }
        for name in candidates {
            guard let m = checkoutMacros[name] else { continue }
            let body = text(m.file).slice(m.start, m.end)
            if let found = launchConfig(inMacroText: body, callee: calleeName) { return found }
        }
        return ""
    }

    /// Records a reference to a function that is not a call's callee; true when one was recorded.
    private mutating func handleReference(_ c: CXCursor, context: Context) -> Bool {
        guard let resolved = target(of: c), Self.functionKinds.contains(resolved.decl.kind.rawValue),
            !resolved.decl.spelling.hasPrefix("operator")
        else { return false }
        let point = filePoint(c.location)
        guard let file = known(point.file) else { return false }
        let targetName = qualifiedName(resolved.decl)
        if targetName.hasPrefix("marginalia_detail::") { return false }
        let t = text(file.path)
        let word = t.identifier(at: point.offset)
        let viaMacro = checkoutMacros[word] != nil && word != c.spelling ? word : ""
        var callee = c.spelling
        if viaMacro.isEmpty, let written = writtenText(c) { callee = collapseWhitespace(stripComments(written)) }
        if callee.isEmpty { callee = resolved.decl.spelling }
        calls.append(CallSite(
            caller: context.caller, callee: callee, kind: .reference, file: file.path,
            range: viaMacro.isEmpty ? sourceRange(range(of: c)) : sourceRange((point, point)),
            targetUSR: resolved.unique ? resolved.decl.usr : "", targetName: targetName, viaMacro: viaMacro))
        return true
    }

    /// `__shared__` variables declared in a kernel or device function become `shared: TEXT` attributes.
    private mutating func recordShared(_ c: CXCursor, symbolIndex: Int) {
        var shared = false
        visitChildren(of: c) { child in
            if child.kind == CXCursor_CUDASharedAttr { shared = true; return .stop }
            return .continue
        }
        guard shared else { return }
        var declaration = writtenText(c).map { collapseWhitespace(stripComments($0)) } ?? "\(c.typeSpelling) \(c.spelling)"
        declaration = declaration.replacingOccurrences(of: "__shared__ ", with: "")
            .replacingOccurrences(of: "__shared__", with: "")
        let attribute = "shared: " + declaration.trimmingCharacters(in: .whitespaces)
        if !symbols[symbolIndex].attributes.contains(attribute) { symbols[symbolIndex].attributes.append(attribute) }
    }

    // MARK: Registrations

    private mutating func recordRegistration(
        call: CXCursor, method: CXCursor, targetName: String, blockIndex: Int, file: KnownFile, line: Int
    ) {
        let block = blocks[blockIndex]
        let methodName = method.spelling
        let owner = method.semanticParent.spelling
        let isLibrary = owner == "Library" && (methodName == "def" || methodName == "impl")
        let isPybind = owner == "module_" && methodName == "def"
        guard isLibrary || isPybind else { return }
        let argc = Int(clang_Cursor_getNumArguments(call))
        guard argc >= 1 else { return }
        let first = clang_Cursor_getArgument(call, 0)
        guard let literal = writtenText(first).flatMap(stringLiteralValue) else { return }
        var target = ""
        var targetUSR = ""
        var dispatchKey = block.block.dispatchKey
        // The bound function: the first argument after the name that refers to a function (default
        // arguments such as `def`'s tags come last and refer to none).
        for i in 1..<max(1, argc) {
            let arg = clang_Cursor_getArgument(call, UInt32(i))
            if let (name, usr) = functionReferenced(in: arg) {
                target = name
                targetUSR = usr
                break
            }
        }
        if target.isEmpty {
            // The function is not declared in this TU (or under another branch): keep the name as written.
            for i in 1..<max(1, argc) {
                let arg = clang_Cursor_getArgument(call, UInt32(i))
                guard let written = writtenText(arg).map(stripComments),
                    written.contains("&") || written.contains("TORCH_")
                else { continue }
                target = referencedName(inText: written)
                if !target.isEmpty { break }
            }
        }
        if isLibrary, methodName == "impl", argc >= 3 {
            let keyArg = clang_Cursor_getArgument(call, 1)
            if let written = writtenText(keyArg) { dispatchKey = dispatchKeyName(written) }
        }
        let kind: Registration.Kind
        var opName = literal
        var schema = ""
        if isPybind {
            kind = .pybind
        } else if methodName == "impl" {
            kind = .impl
        } else if let paren = literal.firstIndex(of: "(") {
            kind = .def
            schema = literal
            opName = String(literal[..<paren])
        } else {
            kind = target.isEmpty ? .def : .impl
        }
        opName = opName.trimmingCharacters(in: .whitespaces)
        registrations.append(Registration(
            kind: kind, namespaceExpression: block.expression, namespace: block.block.namespace,
            opName: opName, schema: schema, dispatchKey: dispatchKey, target: target, targetUSR: targetUSR,
            condition: condition(file.path, line: line), file: file.path, line: line, scope: block.scope))
    }

    /// The first function an expression refers to (`&fn`, `fn`, `TORCH_BOX(&fn)`), with its USR.
    private func functionReferenced(in expression: CXCursor) -> (String, String)? {
        // Depth first in source order on an explicit stack (an argument can nest deeply).
        var stack = [expression]
        while let c = stack.popLast() {
            if c.kind == CXCursor_DeclRefExpr || c.kind == CXCursor_OverloadedDeclRef,
                let t = target(of: c), Self.functionKinds.contains(t.decl.kind.rawValue)
            {
                return (qualifiedName(t.decl), t.unique ? t.decl.usr : "")
            }
            if c.kind == CXCursor_LambdaExpr { continue }
            stack.append(contentsOf: children(of: c).reversed())
        }
        return nil
    }

    /// Registrations written in branches the preprocessor skipped, found by scanning their text
    /// for `m.def(...)` / `m.impl(...)` inside a registration block of the main file.
    private mutating func scanSkippedRegistrations() {
        let mainBlocks = blocks.filter { $0.start >= 0 && !$0.parameter.isEmpty }
        guard !mainBlocks.isEmpty else { return }
        let fullPath = root + "/" + mainPath.rawValue
        let file = clang_getFile(tu, fullPath)
        guard let file, let list = clang_getSkippedRanges(tu, file) else { return }
        defer { clang_disposeSourceRangeList(list) }
        let t = text(mainPath)
        for i in 0..<Int(list.pointee.count) {
            let r = list.pointee.ranges[i]
            let s = filePoint(clang_getRangeStart(r)).offset
            let e = filePoint(clang_getRangeEnd(r)).offset
            for block in mainBlocks where s >= block.start && e <= block.end {
                for found in scanRegistrationCalls(t, from: s, to: e, receiver: block.parameter) {
                    registrations.append(Registration(
                        kind: found.kind, namespaceExpression: block.expression, namespace: block.block.namespace,
                        opName: found.opName, schema: found.schema,
                        dispatchKey: found.dispatchKey.isEmpty ? block.block.dispatchKey : found.dispatchKey,
                        target: found.target, targetUSR: "", condition: condition(mainPath, line: found.line),
                        file: mainPath, line: found.line, scope: block.scope))
                }
            }
        }
    }

    // MARK: Macros

    private mutating func recordMacroDefinition(_ c: CXCursor) {
        let point = filePoint(c.location)
        guard let file = known(point.file) else { return }
        let name = c.spelling
        let (s, e) = range(of: c)
        checkoutMacros[name] = (file.path, s.offset, e.offset, point.line)
        var signature = name
        if clang_Cursor_isMacroFunctionLike(c) != 0 {
            let t = text(file.path)
            let open = point.offset + name.utf8.count
            if open < t.bytes.count, t.bytes[open] == UInt8(ascii: "("),
                let close = t.matchingClose(from: open, openByte: UInt8(ascii: "("), closeByte: UInt8(ascii: ")"))
            {
                signature = name + collapseWhitespace(t.slice(open, close))
            }
        }
        let index = addSymbol(c, kind: .macro, file: file, qualified: name, attributes: ["definition"])
        symbols[index].signature = signature
    }

    private mutating func recordMacroExpansion(_ c: CXCursor) {
        let point = filePoint(c.location)
        guard let file = known(point.file) else { return }
        guard let def = c.referenced else { return }
        let defPoint = filePoint(def.location)
        guard let defFile = known(defPoint.file) else { return }
        let scope = functionRanges[file.path]?
            .filter { $0.range.start.line <= point.line && point.line <= $0.range.end.line }
            .max { ($0.range.start.line, $0.range.start.column) < ($1.range.start.line, $1.range.start.column) }?
            .name ?? ""
        expansions.append(MacroExpansion(
            name: c.spelling, file: file.path, line: point.line, definitionFile: defFile.path.rawValue,
            definitionLine: defPoint.line, scope: scope))
    }

    // MARK: Symbols

    @discardableResult
    private mutating func addSymbol(
        _ c: CXCursor, kind: SymbolKind, file: KnownFile, qualified: String, attributes: [String] = []
    ) -> Int {
        let r = range(of: c)
        let name = c.spelling
        let namePoint = filePoint(c.location)
        let parentName: String = {
            guard let sep = qualified.range(of: "::", options: .backwards) else { return "" }
            return String(qualified[..<sep.lowerBound])
        }()
        var symbol = Symbol(
            qualifiedName: qualified, name: name, kind: kind, language: file.language, file: file.path,
            range: sourceRange(r),
            nameRange: SourceRange(line: namePoint.line, column: namePoint.column, endLine: namePoint.line,
                                   endColumn: namePoint.column + name.utf8.count),
            parent: parentName, attributes: attributes, usr: c.usr)
        if kind != .macro, kind != .namespace {
            let comment = take(clang_Cursor_getBriefCommentText(c))
            symbol.doc = comment
        }
        symbols.append(symbol)
        return symbols.count - 1
    }

    /// Namespace- and class-qualified name without template arguments or parameters; anonymous
    /// namespaces and the translation unit are left out.
    func qualifiedName(_ c: CXCursor) -> String {
        var parts: [String] = [c.spelling]
        var p = c.semanticParent
        while !p.isNull, p.kind != CXCursor_TranslationUnit {
            switch p.kind {
            case CXCursor_Namespace, CXCursor_StructDecl, CXCursor_ClassDecl, CXCursor_UnionDecl,
                CXCursor_ClassTemplate, CXCursor_ClassTemplatePartialSpecialization, CXCursor_EnumDecl:
                let s = p.spelling
                if !s.isEmpty, !s.hasPrefix("(anonymous"), !(p.kind == CXCursor_EnumDecl && clang_EnumDecl_isScoped(p) == 0) {
                    parts.append(s)
                }
            case CXCursor_FunctionDecl, CXCursor_CXXMethod, CXCursor_FunctionTemplate:
                parts.append(p.spelling)
            default:
                break
            }
            p = p.semanticParent
        }
        return parts.reversed().joined(separator: "::")
    }

    private func baseClasses(_ c: CXCursor) -> [String] {
        var result: [String] = []
        visitChildren(of: c) { child in
            if child.kind == CXCursor_CXXBaseSpecifier {
                if let decl = child.referenced {
                    result.append(qualifiedName(decl))
                } else {
                    result.append(child.typeSpelling)
                }
            }
            return .continue
        }
        return result
    }

    /// `template <typename T, int N = 4> ` for templates, "" otherwise.
    private mutating func templatePrefix(_ c: CXCursor) -> String {
        var parameters: [String] = []
        visitChildren(of: c) { child in
            switch child.kind {
            case CXCursor_TemplateTypeParameter, CXCursor_NonTypeTemplateParameter, CXCursor_TemplateTemplateParameter:
                if let written = writtenText(child) {
                    parameters.append(collapseWhitespace(stripComments(written)))
                } else if child.kind == CXCursor_TemplateTypeParameter {
                    parameters.append("typename \(child.spelling)")
                } else {
                    parameters.append("\(child.typeSpelling) \(child.spelling)")
                }
            default:
                break
            }
            return .continue
        }
        if parameters.isEmpty, c.kind != CXCursor_FunctionTemplate, c.kind != CXCursor_ClassTemplate { return "" }
        return "template <\(parameters.joined(separator: ", "))> "
    }

    /// `template <...> RESULT NAME(PARAM TYPES)`; overloads of one qualified name differ here.
    private mutating func functionSignature(_ c: CXCursor) -> String {
        let prefix = templatePrefix(c)
        let result = c.resultTypeSpelling
        var name = c.displayName
        if name.isEmpty { name = c.spelling }
        let head = (c.kind == CXCursor_Constructor || c.kind == CXCursor_Destructor || result.isEmpty) ? name : "\(result) \(name)"
        return prefix + head
    }

    /// `__launch_bounds__(...)` as written between the declaration's start and its name.
    private mutating func launchBounds(_ c: CXCursor) -> String? {
        let (s, _) = range(of: c)
        let name = filePoint(c.location)
        guard let f = known(s.file), name.file == s.file, name.offset > s.offset else { return nil }
        let t = text(f.path)
        let keyword = Array("__launch_bounds__".utf8)
        guard let startOffset = t.firstOffset(of: keyword, from: s.offset, to: name.offset) else { return nil }
        var open = startOffset + keyword.count
        while open < t.bytes.count, t.bytes[open] == UInt8(ascii: " ") { open += 1 }
        guard open < t.bytes.count, t.bytes[open] == UInt8(ascii: "("),
            let close = t.matchingClose(from: open, openByte: UInt8(ascii: "("), closeByte: UInt8(ascii: ")"))
        else { return nil }
        return "__launch_bounds__" + collapseWhitespace(t.slice(open, close))
    }

    // MARK: Includes and diagnostics

    private mutating func inclusions() -> [RepoPath] {
        final class Box { var files: [CXFile] = [] }
        let box = Box()
        clang_getInclusions(tu, { file, _, depth, data in
            let box = Unmanaged<Box>.fromOpaque(data!).takeUnretainedValue()
            if depth > 0, let file { box.files.append(file) }
        }, Unmanaged.passUnretained(box).toOpaque())
        var result = Set<RepoPath>()
        for f in box.files {
            if let k = known(f), k.path != mainPath { result.insert(k.path) }
        }
        withExtendedLifetime(box) {}
        return result.sorted()
    }

    private mutating func diagnostics() -> [Diagnostic] {
        var result: [Diagnostic] = []
        let n = clang_getNumDiagnostics(tu)
        for i in 0..<n {
            guard let d = clang_getDiagnostic(tu, i) else { continue }
            defer { clang_disposeDiagnostic(d) }
            let severity = clang_getDiagnosticSeverity(d)
            guard severity == CXDiagnostic_Error || severity == CXDiagnostic_Fatal else { continue }
            let p = filePoint(clang_getDiagnosticLocation(d))
            let file: RepoPath
            if let k = known(p.file) {
                file = k.path
            } else if let f = p.file {
                file = RepoPath(realPath(of: f))
            } else {
                file = mainPath
            }
            result.append(Diagnostic(
                file: file, line: p.line, column: p.column, severity: severity == CXDiagnostic_Fatal ? .fatal : .error,
                message: take(clang_getDiagnosticSpelling(d))))
        }
        return result
    }
}

/// `torch::kCUDA` gives `CUDA`, `c10::DispatchKey::CompositeImplicitAutograd` gives
/// `CompositeImplicitAutograd`, `"CUDA"` gives `CUDA`.
func dispatchKeyName(_ written: String) -> String {
    var s = collapseWhitespace(written)
    if let literal = stringLiteralValue(s) { return literal }
    if let sep = s.range(of: "::", options: .backwards) { s = String(s[sep.upperBound...]) }
    if s.count > 1, s.hasPrefix("k"), let second = s.dropFirst().first, second.isUppercase { s.removeFirst() }
    return s
}

/// In `Name<...>::member`, the member following `className` (and its template arguments) in `body`.
func memberName(after className: String, in body: String) -> String? {
    let t = SourceText(bytes: Array(body.utf8))
    var search = body.startIndex
    while let r = body.range(of: className, range: search..<body.endIndex) {
        search = r.upperBound
        let before = body.utf8.distance(from: body.startIndex, to: r.lowerBound)
        var i = body.utf8.distance(from: body.startIndex, to: r.upperBound)
        if before > 0, isIdentifierByte(t.bytes[before - 1]) { continue }
        if i < t.bytes.count, isIdentifierByte(t.bytes[i]) { continue }
        while i < t.bytes.count, t.bytes[i] == UInt8(ascii: " ") { i += 1 }
        if i < t.bytes.count, t.bytes[i] == UInt8(ascii: "<") {
            guard let close = t.matchingClose(from: i, openByte: UInt8(ascii: "<"), closeByte: UInt8(ascii: ">")) else { continue }
            i = close
        }
        while i < t.bytes.count, t.bytes[i] == UInt8(ascii: " ") { i += 1 }
        guard i + 1 < t.bytes.count, t.bytes[i] == UInt8(ascii: ":"), t.bytes[i + 1] == UInt8(ascii: ":") else { continue }
        i += 2
        while i < t.bytes.count, t.bytes[i] == UInt8(ascii: " ") { i += 1 }
        if body.utf8.count >= i + 8, t.slice(i, i + 8) == "template" { i += 8 }
        while i < t.bytes.count, t.bytes[i] == UInt8(ascii: " ") { i += 1 }
        let name = t.identifier(at: i)
        if !name.isEmpty { return name }
    }
    return nil
}

/// The `<<<...>>>` text following `callee` (and its template arguments) in a macro's text.
func launchConfig(inMacroText body: String, callee: String) -> String? {
    guard !callee.isEmpty else { return nil }
    let t = SourceText(bytes: Array(body.utf8))
    var searchStart = body.startIndex
    while let r = body.range(of: callee, range: searchStart..<body.endIndex) {
        searchStart = r.upperBound
        var i = body.utf8.distance(from: body.startIndex, to: r.upperBound)
        let before = body.utf8.distance(from: body.startIndex, to: r.lowerBound)
        if before > 0, isIdentifierByte(t.bytes[before - 1]) { continue }
        if i < t.bytes.count, isIdentifierByte(t.bytes[i]) { continue }
        func skipSpace() {
            while i < t.bytes.count,
                [UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\\"), UInt8(ascii: "\r")]
                    .contains(t.bytes[i])
            { i += 1 }
        }
        skipSpace()
        func startsLaunch() -> Bool {
            i + 2 < t.bytes.count && t.bytes[i] == UInt8(ascii: "<") && t.bytes[i + 1] == UInt8(ascii: "<")
                && t.bytes[i + 2] == UInt8(ascii: "<")
        }
        if !startsLaunch(), i < t.bytes.count, t.bytes[i] == UInt8(ascii: "<") {
            guard let close = t.matchingClose(from: i, openByte: UInt8(ascii: "<"), closeByte: UInt8(ascii: ">")) else { continue }
            i = close
            skipSpace()
        }
        guard startsLaunch() else { continue }
        let open = i + 3
        guard let end = body.range(of: ">>>", range: body.utf8.index(body.startIndex, offsetBy: open)..<body.endIndex) else { continue }
        let inner = String(body[body.utf8.index(body.startIndex, offsetBy: open)..<end.lowerBound])
        return collapseWhitespace(stripComments(inner)).trimmingCharacters(in: .whitespaces)
    }
    return nil
}

/// A registration found by text in a skipped preprocessor branch.
struct TextRegistration {
    var kind: Registration.Kind
    var opName: String
    var schema: String
    var dispatchKey: String
    var target: String
    var line: Int
}

/// Finds `receiver.def(...)` and `receiver.impl(...)` calls in `[from, to)` of `text`.
func scanRegistrationCalls(_ text: SourceText, from: Int, to: Int, receiver: String) -> [TextRegistration] {
    var result: [TextRegistration] = []
    // Searched as bytes: the region may hold bytes that are not UTF-8, and offsets into a decoded
    // String (where each bad byte becomes a 3-byte U+FFFD) would no longer be file offsets.
    let to = min(max(0, to), text.bytes.count)
    let needle = Array(receiver.utf8)
    var search = max(0, from)
    while let start = text.firstOffset(of: needle, from: search, to: to) {
        search = start + needle.count
        if start > 0, isIdentifierByte(text.bytes[start - 1]) { continue }
        var i = start + needle.count
        guard i < to, text.bytes[i] == UInt8(ascii: ".") else { continue }
        i += 1
        let method = text.identifier(at: i)
        guard method == "def" || method == "impl" else { continue }
        i += method.utf8.count
        while i < to, text.bytes[i] == UInt8(ascii: " ") || text.bytes[i] == UInt8(ascii: "\n") { i += 1 }
        guard i < to, text.bytes[i] == UInt8(ascii: "(") else { continue }
        let args = text.arguments(openParen: i)
        guard let first = args.first, let literal = stringLiteralValue(text.slice(first.lowerBound, first.upperBound)) else {
            continue
        }
        var target = ""
        if args.count >= 2 {
            let last = stripComments(text.slice(args.last!.lowerBound, args.last!.upperBound))
            target = referencedName(inText: last)
        }
        var key = ""
        if method == "impl", args.count >= 3 { key = dispatchKeyName(text.slice(args[1].lowerBound, args[1].upperBound)) }
        var kind: Registration.Kind = method == "impl" ? .impl : .def
        var opName = literal
        var schema = ""
        if method == "def" {
            if let paren = literal.firstIndex(of: "(") {
                schema = literal
                opName = String(literal[..<paren])
            } else if !target.isEmpty {
                kind = .impl
            }
        }
        result.append(TextRegistration(
            kind: kind, opName: opName.trimmingCharacters(in: .whitespaces), schema: schema, dispatchKey: key,
            target: target, line: text.line(ofOffset: start)))
    }
    return result
}

/// `&ns::fn`, `TORCH_BOX(&fn)`, `TORCH_FN(fn)` give `ns::fn` / `fn`.
func referencedName(inText text: String) -> String {
    var s = collapseWhitespace(text)
    for wrapper in ["TORCH_BOX(", "TORCH_FN(", "torch::CppFunction("] where s.hasPrefix(wrapper) && s.hasSuffix(")") {
        s = String(s.dropFirst(wrapper.count).dropLast())
    }
    s = s.trimmingCharacters(in: .whitespaces)
    if s.hasPrefix("&") { s.removeFirst() }
    s = s.trimmingCharacters(in: .whitespaces)
    let allowed = s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
    return allowed ? s : ""
}
