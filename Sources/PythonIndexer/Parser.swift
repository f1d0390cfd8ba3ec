// The statement parser: walks the lexer's tokens with exact statement structure (blocks, compound
// statements, decorators, `;`-separated simple statements) and records symbols, imports, call sites,
// type facts and `__all__`. Expressions are not parsed into trees: calls are found on the token
// stream (an opening parenthesis right after the end of an atom or trailer), and the few expression
// shapes the index needs (a call, a dotted name, a lambda) are recognized from their tokens.

import IndexModel

enum ScopeKind { case module, klass, function }

struct Scope {
    var qualifiedName: String
    var kind: ScopeKind
    /// For methods: the first parameter (`self`) and the class's qualified name.
    var selfName: String = ""
    var classQualifiedName: String = ""
    /// Imports under `try`/`if` at this scope's own level.
    var conditional = 0
}

struct Parser {
    let src: UnsafeBufferPointer<UInt8>
    let t: [Token]
    let m: [Int32]
    let lineStarts: [Int32]
    let path: RepoPath
    let moduleName: String

    var i = 0
    var symbols: [Symbol] = []
    var calls: [CallSite] = []
    var imports: [Import] = []
    var facts: [TypeFact] = []
    /// Facts that hold only where no other fact names the same target in the same scope (see
    /// FlowFacts.swift); joined to `facts` when the module is parsed.
    var fallbackFacts: [TypeFact] = []
    /// Names each function declares `global` / `nonlocal` (not its locals).
    var outerNames: [String: Set<String>] = [:]
    var exports: [String] = []
    var diagnostics: [Diagnostic] = []
    fileprivate(set) var scopes: [Scope] = []
    /// The caller recorded for calls found now (a named lambda's body overrides the scope).
    private var callerOverride: String? = nil
    /// Variables the previous statement of the current block defined (for attribute docstrings).
    private var lastVariables: Range<Int>? = nil
    private var textBuffer: [UInt8] = []
    /// Indented blocks open around the statement being parsed (blocks are parsed recursively).
    private var blockDepth = 0
    /// Blocks nested deeper are skipped with one diagnostic: CPython refuses about as many levels
    /// ("too many levels of indentation", MAXINDENT 100), so valid Python never gets here, and the
    /// recursion (a few frames per level) stays bounded whatever the input.
    static let maxBlockDepth = 100

    init(src: UnsafeBufferPointer<UInt8>, lexed: LexResult, path: RepoPath, moduleName: String) {
        self.src = src
        self.t = lexed.tokens
        self.m = lexed.match
        self.lineStarts = lexed.lineStarts
        self.path = path
        self.moduleName = moduleName
        textBuffer.reserveCapacity(256)
    }

    // MARK: Positions and text

    @inline(__always) func startPos(_ k: Int) -> SourcePosition {
        let line = Int(t[k].line)
        return SourcePosition(line: line, column: Int(t[k].start - lineStarts[line - 1]) + 1)
    }

    @inline(__always) func endPos(_ k: Int) -> SourcePosition {
        let line = Int(t[k].endLine)
        return SourcePosition(line: line, column: Int(t[k].end - lineStarts[line - 1]) + 1)
    }

    func range(_ a: Int, _ b: Int) -> SourceRange { SourceRange(start: startPos(a), end: endPos(b)) }

    /// The position of a byte offset (for the module's end).
    func position(ofOffset offset: Int) -> SourcePosition {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if Int(lineStarts[mid]) <= offset { lo = mid } else { hi = mid - 1 }
        }
        return SourcePosition(line: lo + 1, column: offset - Int(lineStarts[lo]) + 1)
    }

    /// The raw bytes of token `k` as a String.
    func tokenText(_ k: Int) -> String {
        let tok = t[k]
        return String(decoding: UnsafeBufferPointer(rebasing: src[Int(tok.start)..<Int(tok.end)]), as: UTF8.self)
    }

    /// True when token `k` is a name spelled `word` (for soft keywords and `__all__`).
    func isName(_ k: Int, _ word: StaticString) -> Bool {
        guard k < t.count, t[k].kind == .name else { return false }
        let tok = t[k]
        let len = Int(tok.end - tok.start)
        guard len == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for j in 0..<len where src[Int(tok.start) + j] != w[j] { return false }
        return true
    }

    /// Tokens `[a, b)` as written, whitespace-normalized: trivia between two tokens becomes one space,
    /// except after an opening bracket, before a closing bracket, comma or colon and around dots.
    mutating func text(_ a: Int, _ b: Int) -> String {
        guard a < b else { return "" }
        textBuffer.removeAll(keepingCapacity: true)
        for k in a..<b {
            let tok = t[k]
            if k > a && tok.start > t[k - 1].end && tok.start > t[k - 1].start {
                let prev = t[k - 1]
                let prevOpens = prev.kind == .op && (prev.isOp(.lpar) || prev.isOp(.lsqb) || prev.isOp(.lbrace)
                                                     || prev.isOp(.dot))
                let curCloses = tok.kind == .op && (tok.isOp(.rpar) || tok.isOp(.rsqb) || tok.isOp(.rbrace)
                                                    || tok.isOp(.comma) || tok.isOp(.dot) || tok.isOp(.colon))
                if !prevOpens && !curCloses && prev.kind != .fstringStart && tok.kind != .fstringEnd {
                    textBuffer.append(32)
                }
            }
            textBuffer.append(contentsOf: UnsafeBufferPointer(rebasing: src[Int(tok.start)..<Int(tok.end)]))
        }
        return String(decoding: textBuffer, as: UTF8.self)
    }

    mutating func error(_ message: String, at k: Int) {
        let k = min(k, t.count - 1)
        let pos = startPos(k)
        diagnostics.append(Diagnostic(file: path, line: pos.line, column: pos.column, severity: .error,
                                      message: message))
    }

    // MARK: Scopes

    var scope: Scope { scopes[scopes.count - 1] }
    private var caller: String { callerOverride ?? scopes[scopes.count - 1].qualifiedName }
    private var isConditional: Bool { scopes[scopes.count - 1].conditional > 0 }

    private mutating func withConditional<R>(_ on: Bool, _ body: (inout Parser) -> R) -> R {
        if on { scopes[scopes.count - 1].conditional += 1 }
        let r = body(&self)
        if on { scopes[scopes.count - 1].conditional -= 1 }
        return r
    }

    // MARK: Entry

    /// Parses the whole file; symbols, calls and the rest accumulate in the parser's fields.
    mutating func parseModule() {
        scopes = [Scope(qualifiedName: moduleName, kind: .module)]
        let endOffset = src.count
        var module = Symbol(qualifiedName: moduleName,
                            name: String(moduleName.split(separator: ".").last ?? Substring(moduleName)),
                            kind: .module, language: .python, file: path,
                            range: SourceRange(start: SourcePosition(line: 1, column: 1),
                                               end: position(ofOffset: endOffset)))
        module.doc = docstring(at: 0) ?? ""
        symbols.append(module)
        _ = parseBlock(topLevel: true)
        joinFallbackFacts()
    }

    /// Parses statements until the DEDENT that closes this block (consumed) or the end of input.
    /// Returns the index of the last token of the block's last statement, -1 when it has none.
    mutating func parseBlock(topLevel: Bool) -> Int {
        if !topLevel && blockDepth >= Self.maxBlockDepth { return skipBlock() }
        if !topLevel { blockDepth += 1 }
        defer { if !topLevel { blockDepth -= 1 } }
        var last = -1
        lastVariables = nil
        while i < t.count {
            switch t[i].kind {
            case .endMarker:
                return last
            case .dedent:
                i += 1
                if !topLevel { return last }
            case .indent:
                error("unexpected indent", at: i)
                i += 1
                let saved = lastVariables
                let l = parseBlock(topLevel: false)
                lastVariables = saved
                if l >= 0 { last = l }
            case .newline:
                i += 1
            default:
                if let vars = lastVariables, let doc = docstring(at: i) {
                    for k in vars { symbols[k].doc = doc }
                }
                lastVariables = nil
                last = parseStatement()
            }
        }
        return last
    }

    /// Skips a block nested too deep (its INDENT consumed) up to and including its DEDENT, reporting
    /// it once; returns the index of its last token that is not NEWLINE/INDENT/DEDENT, -1 when none.
    mutating func skipBlock() -> Int {
        error("more than \(Self.maxBlockDepth) levels of indentation: the code below is not indexed", at: i)
        var depth = 1, last = -1
        while i < t.count {
            switch t[i].kind {
            case .endMarker: return last
            case .indent: depth += 1
            case .dedent:
                depth -= 1
                if depth == 0 {
                    i += 1
                    return last
                }
            case .newline: break
            default: last = i
            }
            i += 1
        }
        return last
    }

    /// Parses one statement starting at `i`; returns the index of its last token.
    mutating func parseStatement() -> Int {
        let tok = t[i]
        if tok.isOp(.at) { return parseDecorated() }
        if tok.kind == .name {
            switch tok.kw {
            case .kDef: return parseDef(decorators: [], asyncIndex: nil)
            case .kClass: return parseClass(decorators: [])
            case .kAsync:
                if i + 1 < t.count && t[i + 1].isKw(.kDef) {
                    let a = i
                    i += 1
                    return parseDef(decorators: [], asyncIndex: a)
                }
                return parseCompound(conditional: false)
            case .kIf, .kElif, .kElse, .kTry, .kExcept, .kFinally:
                return parseCompound(conditional: true)
            case .kWhile, .kFor, .kWith:
                return parseCompound(conditional: false)
            case .none:
                if isName(i, "match"), let colon = matchStatementColon() { return parseMatch(colon: colon) }
            default:
                break
            }
        }
        return parseSimpleLine()
    }

    /// Finds the `:` ending a compound statement's header that starts at `from`: the first `:` at
    /// bracket depth 0 that does not belong to a lambda. Nil when the logical line has none.
    func headerColon(from: Int) -> Int? {
        var k = from
        var lambdas = 0
        while k < t.count {
            let tok = t[k]
            switch tok.kind {
            case .newline, .endMarker, .indent, .dedent:
                return nil
            case .op:
                switch tok.op {
                case .lpar, .lsqb, .lbrace, .ellipsis:
                    if tok.op != .ellipsis, m[k] > k { k = Int(m[k]) }
                case .colon:
                    if lambdas == 0 { return k }
                    lambdas -= 1
                default: break
                }
            case .name:
                if tok.isKw(.kLambda) { lambdas += 1 }
            case .fstringStart:
                if m[k] > k { k = Int(m[k]) }
            default: break
            }
            k += 1
        }
        return nil
    }

    /// The end of the logical line starting at `from`: the index of its NEWLINE or ENDMARKER.
    func lineEnd(from: Int) -> Int {
        var k = from
        while k < t.count {
            switch t[k].kind {
            case .newline, .endMarker: return k
            default: k += 1
            }
        }
        return t.count - 1
    }

    /// Parses the body after a header's `:` at `colon`; returns the body's last token index (or the
    /// colon when the body is missing).
    mutating func parseSuite(colon: Int) -> Int {
        i = colon + 1
        guard i < t.count else { return colon }
        if t[i].kind == .newline {
            i += 1
            if i < t.count && t[i].kind == .indent {
                i += 1
                let last = parseBlock(topLevel: false)
                lastVariables = nil
                return last >= 0 ? last : colon
            }
            error("expected an indented block", at: i)
            return colon
        }
        if t[i].kind == .endMarker { return colon }
        let last = parseSimpleLine()
        lastVariables = nil
        return last
    }

    mutating func parseCompound(conditional: Bool) -> Int {
        let head = i
        guard let colon = headerColon(from: head + 1) else {
            error("expected ':'", at: head)
            return parseSimpleLine()
        }
        var k = head + 1
        if t[head].isKw(.kAsync) { k += 1 }
        if t[k - 1].isKw(.kFor) { forTargetFact(k, colon) }
        scanCalls(k, colon)
        return withConditional(conditional) { $0.parseSuite(colon: colon) }
    }

    /// `for x in self.layers:`, `for i, x in enumerate(self.layers):`, `for x in islice(self.layers, a, b):`:
    /// `x` is an element of the container (`self.layers[*]`).
    mutating func forTargetFact(_ a: Int, _ colon: Int) {
        var k = a
        var inIndex: Int? = nil
        while k < colon {
            if t[k].kind == .op, t[k].isOp(.lpar) || t[k].isOp(.lsqb) || t[k].isOp(.lbrace), m[k] > k { k = Int(m[k]) + 1; continue }
            if t[k].isKw(.kIn) { inIndex = k; break }
            k += 1
        }
        guard let inAt = inIndex else { return }
        var names = targetNames(a..<inAt)
        var iter = stripParentheses((inAt + 1)..<colon)
        // Unwrap the iterator helpers that keep the elements' type.
        while let open = wholeCallCallee(iter), isDottedName(iter.lowerBound..<open) {
            let callee = text(iter.lowerBound, open)
            let args = arguments(open + 1, iter.upperBound - 1)
            guard let first = args.first, !first.keyword else { return }
            switch callee.split(separator: ".").last.map(String.init) ?? callee {
            case "enumerate":
                guard names.count == 2 else { return }
                names = [names[1]]
            case "islice", "reversed", "list", "tuple", "sorted", "iter":
                break
            default:
                return
            }
            iter = stripParentheses(first.range)
        }
        guard names.count == 1, !iter.isEmpty, isDottedName(iter) else { return }
        facts.append(TypeFact(scope: scope.qualifiedName, target: tokenText(names[0]),
                              expression: text(iter.lowerBound, iter.upperBound) + "[*]", origin: .assignedName,
                              file: path, line: Int(t[a].line)))
    }

    /// `match subject:` followed by an indented block of `case` clauses; returns the header colon or nil
    /// when the line at `i` is an ordinary statement using `match` as a name.
    func matchStatementColon() -> Int? {
        guard i + 1 < t.count else { return nil }
        let next = t[i + 1]
        if next.kind == .op && [Op.equal, .dot, .colon, .comma, .rpar, .augAssign, .semi].contains(next.op) {
            return nil
        }
        if next.kind == .newline || next.kind == .endMarker { return nil }
        guard let colon = headerColon(from: i + 1), colon + 1 < t.count, t[colon + 1].kind == .newline else {
            return nil
        }
        return colon
    }

    mutating func parseMatch(colon: Int) -> Int {
        scanCalls(i + 1, colon)
        i = colon + 1
        guard t[i].kind == .newline, i + 1 < t.count, t[i + 1].kind == .indent else {
            return parseSuite(colon: colon)
        }
        i += 2
        var last = colon
        while i < t.count {
            let tok = t[i]
            if tok.kind == .endMarker { break }
            if tok.kind == .dedent { i += 1; break }
            if tok.kind == .newline { i += 1; continue }
            if isName(i, "case"), let caseColon = headerColon(from: i + 1) {
                // Patterns are not expressions (`Point(x=1)` is no call); only a guard is scanned.
                var k = i + 1
                while k < caseColon {
                    if t[k].isKw(.kIf) { scanCalls(k + 1, caseColon); break }
                    if t[k].kind == .op, [Op.lpar, .lsqb, .lbrace].contains(t[k].op), m[k] > k { k = Int(m[k]) }
                    k += 1
                }
                last = withConditional(true) { $0.parseSuite(colon: caseColon) }
            } else {
                last = parseStatement()
            }
        }
        lastVariables = nil
        return last
    }

    // MARK: Definitions

    mutating func parseDecorated() -> Int {
        var decorators: [String] = []
        while i < t.count && t[i].isOp(.at) {
            let end = lineEnd(from: i)
            decorators.append(text(i + 1, end))
            scanCalls(i + 1, end)
            i = end + 1
        }
        guard i < t.count else { return t.count - 1 }
        if t[i].isKw(.kDef) { return parseDef(decorators: decorators, asyncIndex: nil) }
        if t[i].isKw(.kClass) { return parseClass(decorators: decorators) }
        if t[i].isKw(.kAsync) && i + 1 < t.count && t[i + 1].isKw(.kDef) {
            let a = i
            i += 1
            return parseDef(decorators: decorators, asyncIndex: a)
        }
        error("expected a class or function after decorators", at: i)
        if t[i].kind == .endMarker || t[i].kind == .dedent { return max(0, i - 1) }
        return parseStatement()
    }

    /// The parameters in `(a, b)` token range `[a, b)`: name token index, annotation range, and
    /// whether it is `*args`/`**kwargs`.
    func parameters(_ a: Int, _ b: Int) -> [(name: Int, annotation: Range<Int>?)] {
        var result: [(name: Int, annotation: Range<Int>?)] = []
        var s = a
        var k = a
        var lambdas = 0
        func finish(_ s: Int, _ e: Int, into result: inout [(name: Int, annotation: Range<Int>?)]) {
            var n = s
            while n < e && t[n].kind == .op && (t[n].isOp(.star) || t[n].isOp(.doubleStar)) { n += 1 }
            guard n < e, t[n].kind == .name else { return }
            var ann: Range<Int>? = nil
            if n + 1 < e && t[n + 1].isOp(.colon) {
                var q = n + 2
                var depthLambdas = 0
                while q < e {
                    let tok = t[q]
                    if tok.isOp(.equal) && depthLambdas == 0 { break }
                    if tok.isKw(.kLambda) { depthLambdas += 1 }
                    if tok.isOp(.colon) && depthLambdas > 0 { depthLambdas -= 1 }
                    if tok.kind == .op, [Op.lpar, .lsqb, .lbrace].contains(tok.op), m[q] > q { q = Int(m[q]) }
                    q += 1
                }
                if q > n + 2 { ann = (n + 2)..<q }
            }
            result.append((n, ann))
        }
        while k < b {
            let tok = t[k]
            if tok.kind == .op {
                switch tok.op {
                case .lpar, .lsqb, .lbrace: if m[k] > k && Int(m[k]) < b { k = Int(m[k]) }
                case .comma:
                    if lambdas == 0 { finish(s, k, into: &result); s = k + 1 }
                case .colon: if lambdas > 0 { lambdas -= 1 }
                default: break
                }
            } else if tok.isKw(.kLambda) {
                lambdas += 1
            } else if tok.kind == .fstringStart, m[k] > k {
                k = Int(m[k])
            }
            k += 1
        }
        if s < b { finish(s, b, into: &result) }
        return result
    }

    /// The default value of the parameter whose name is token `name`: the tokens after its top-level `=`
    /// up to the next top-level `,` or `end`.
    func parameterDefault(after name: Int, before end: Int) -> Range<Int>? {
        var k = name + 1
        var equal: Int? = nil
        var lambdas = 0
        while k < end {
            let tok = t[k]
            if tok.kind == .op {
                if (tok.isOp(.lpar) || tok.isOp(.lsqb) || tok.isOp(.lbrace)), m[k] > k { k = Int(m[k]) + 1; continue }
                if tok.isOp(.comma), lambdas == 0 { break }
                if tok.isOp(.colon), lambdas > 0 { lambdas -= 1 }
                if tok.isOp(.equal), equal == nil, lambdas == 0 { equal = k }
            } else if tok.isKw(.kLambda) {
                lambdas += 1
            }
            k += 1
        }
        guard let e = equal, e + 1 < k else { return nil }
        let r = stripParentheses((e + 1)..<k)
        return r.isEmpty ? nil : r
    }

    mutating func parseDef(decorators: [String], asyncIndex: Int?) -> Int {
        let defIndex = i
        let startIndex = asyncIndex ?? defIndex
        let nameIndex = defIndex + 1
        guard nameIndex < t.count, t[nameIndex].kind == .name, t[nameIndex].kw == .none else {
            error("expected a function name", at: nameIndex)
            return parseSimpleLine()
        }
        var k = nameIndex + 1
        let signatureStart = k
        if k < t.count && t[k].isOp(.lsqb) && m[k] > k { k = Int(m[k]) + 1 }  // PEP 695 type parameters
        guard k < t.count, t[k].isOp(.lpar), m[k] > k, let colon = headerColon(from: Int(m[k]) + 1) else {
            error("malformed function header", at: defIndex)
            return parseSimpleLine()
        }
        let lpar = k
        let rpar = Int(m[k])
        let name = tokenText(nameIndex)
        let outer = scope
        let qualifiedName = outer.qualifiedName + "." + name
        let kind: SymbolKind = outer.kind == .klass ? .method : .function
        // Type parameters, defaults and annotations run in the enclosing scope. (Scanned piecewise: the
        // `(` after `[T]` is no call.)
        if lpar > signatureStart { scanCalls(signatureStart + 1, lpar - 1) }
        scanCalls(lpar + 1, rpar)
        scanCalls(rpar + 1, colon)

        let params = parameters(lpar + 1, rpar)
        let line = Int(t[defIndex].line)
        for param in params {
            // `layer_type: type[nn.Module] = LlamaDecoderLayer`: a class as the default value.
            if let d = parameterDefault(after: param.name, before: rpar), isDottedName(d),
               let first = text(d.upperBound - 1, d.upperBound).first, first.isUppercase
            {
                facts.append(TypeFact(scope: qualifiedName, target: tokenText(param.name),
                                      expression: text(d.lowerBound, d.upperBound), origin: .parameterDefault,
                                      file: path, line: Int(t[param.name].line)))
            }
            guard let ann = param.annotation.map(stripParentheses) else { continue }
            facts.append(TypeFact(scope: qualifiedName, target: tokenText(param.name),
                                  expression: text(ann.lowerBound, ann.upperBound), origin: .parameter,
                                  file: path, line: Int(t[param.name].line)))
        }
        if rpar + 1 < colon && t[rpar + 1].isOp(.arrow) {
            let ret = stripParentheses((rpar + 2)..<colon)
            facts.append(TypeFact(scope: qualifiedName, target: "return", expression: text(ret.lowerBound, ret.upperBound),
                                  origin: .returns, file: path, line: line))
        }
        var attributes = decorators
        if asyncIndex != nil { attributes.append("async") }
        let symbolIndex = symbols.count
        symbols.append(Symbol(qualifiedName: qualifiedName, name: name, kind: kind, language: .python, file: path,
                              range: range(startIndex, colon), nameRange: range(nameIndex, nameIndex),
                              signature: text(signatureStart, colon), doc: suiteDocstring(colon: colon) ?? "",
                              parent: outer.qualifiedName, attributes: attributes))
        var inner = Scope(qualifiedName: qualifiedName, kind: .function)
        if kind == .method, let first = params.first, t[first.name - 1].kind != .op || !(t[first.name - 1].isOp(.star) || t[first.name - 1].isOp(.doubleStar)) {
            inner.selfName = tokenText(first.name)
            inner.classQualifiedName = outer.qualifiedName
        }
        let savedOverride = callerOverride
        callerOverride = nil
        scopes.append(inner)
        let last = parseSuite(colon: colon)
        scopes.removeLast()
        callerOverride = savedOverride
        symbols[symbolIndex].range = range(startIndex, last)
        return last
    }

    mutating func parseClass(decorators: [String]) -> Int {
        let classIndex = i
        let nameIndex = classIndex + 1
        guard nameIndex < t.count, t[nameIndex].kind == .name, t[nameIndex].kw == .none,
              let colon = headerColon(from: nameIndex + 1)
        else {
            error("malformed class header", at: classIndex)
            return parseSimpleLine()
        }
        var k = nameIndex + 1
        if k < colon && t[k].isOp(.lsqb) && m[k] > k {
            scanCalls(k + 1, Int(m[k]))
            k = Int(m[k]) + 1
        }
        var bases: [String] = []
        if k < colon && t[k].isOp(.lpar) && m[k] > k {
            for arg in arguments(k + 1, Int(m[k])) where !arg.keyword {
                bases.append(text(arg.range.lowerBound, arg.range.upperBound))
            }
            scanCalls(k + 1, Int(m[k]))
        }
        let name = tokenText(nameIndex)
        let outer = scope
        let qualifiedName = outer.qualifiedName + "." + name
        let symbolIndex = symbols.count
        symbols.append(Symbol(qualifiedName: qualifiedName, name: name, kind: .class, language: .python, file: path,
                              range: range(classIndex, colon), nameRange: range(nameIndex, nameIndex),
                              signature: text(nameIndex + 1, colon), doc: suiteDocstring(colon: colon) ?? "",
                              parent: outer.qualifiedName, attributes: decorators, bases: bases))
        let savedOverride = callerOverride
        callerOverride = nil
        scopes.append(Scope(qualifiedName: qualifiedName, kind: .klass))
        let last = parseSuite(colon: colon)
        scopes.removeLast()
        callerOverride = savedOverride
        symbols[symbolIndex].range = range(classIndex, last)
        return last
    }

    // MARK: Docstrings

    /// The docstring of a suite whose header ends at `colon`.
    func suiteDocstring(colon: Int) -> String? {
        var k = colon + 1
        guard k < t.count else { return nil }
        if t[k].kind == .newline {
            k += 1
            guard k < t.count, t[k].kind == .indent else { return nil }
            k += 1
        }
        return docstring(at: k)
    }

    /// The value of the statement at `k` when it is a bare (non-f, non-bytes) string literal,
    /// cleaned like `inspect.cleandoc`.
    func docstring(at k: Int) -> String? {
        var e = k
        while e < t.count && t[e].kind == .string { e += 1 }
        guard e > k, e < t.count, t[e].kind == .newline || t[e].kind == .endMarker || t[e].isOp(.semi) else {
            return nil
        }
        var bytes: [UInt8] = []
        for s in k..<e {
            guard let v = stringValue(s) else { return nil }
            bytes += v
        }
        return cleanDoc(bytes)
    }

    /// The value of string token `k` (simple escapes decoded), nil for bytes literals.
    func stringValue(_ k: Int) -> [UInt8]? {
        let tok = t[k]
        var s = Int(tok.start)
        let e = Int(tok.end)
        var raw = false
        while s < e && src[s] != 34 && src[s] != 39 {
            let c = src[s] | 0x20
            if c == 98 { return nil }
            if c == 114 { raw = true }
            s += 1
        }
        guard s < e else { return nil }
        let q = src[s]
        let quoteLength = (s + 2 < e && src[s + 1] == q && src[s + 2] == q && e - s >= 6) ? 3 : 1
        let cs = s + quoteLength
        var ce = e
        // An unterminated literal has no closing quotes to drop.
        if e - cs >= quoteLength && (0..<quoteLength).allSatisfy({ src[e - 1 - $0] == q }) {
            var backslashes = 0
            while e - quoteLength - 1 - backslashes >= cs && src[e - quoteLength - 1 - backslashes] == 92 {
                backslashes += 1
            }
            if backslashes % 2 == 0 { ce = e - quoteLength }
        }
        var out: [UInt8] = []
        out.reserveCapacity(ce - cs)
        var p = cs
        while p < ce {
            let c = src[p]
            if c == 92 && !raw && p + 1 < ce {
                let d = src[p + 1]
                switch d {
                case 110: out.append(10)
                case 116: out.append(9)
                case 92, 39, 34: out.append(d)
                case 10: break
                case 13: if p + 2 < ce && src[p + 2] == 10 { p += 1 }
                default: out.append(c); out.append(d)
                }
                p += 2
                continue
            }
            if c == 13 {  // universal newlines
                out.append(10)
                if p + 1 < ce && src[p + 1] == 10 { p += 1 }
                p += 1
                continue
            }
            out.append(c)
            p += 1
        }
        return out
    }

    // MARK: Simple statements

    /// Parses the `;`-separated simple statements up to NEWLINE; returns the last token's index.
    mutating func parseSimpleLine() -> Int {
        let s = i
        let end = lineEnd(from: s)
        var a = s
        var k = s
        var variablesStart = symbols.count
        var sawVariables = false
        while k < end {
            let tok = t[k]
            if tok.kind == .op {
                if tok.isOp(.semi) {
                    let before = symbols.count
                    parseSmall(a, k)
                    if symbols.count > before { variablesStart = before; sawVariables = true }
                    a = k + 1
                } else if (tok.isOp(.lpar) || tok.isOp(.lsqb) || tok.isOp(.lbrace)), m[k] > k, Int(m[k]) < end {
                    k = Int(m[k])
                }
            } else if tok.kind == .fstringStart, m[k] > k, Int(m[k]) < end {
                k = Int(m[k])
            }
            k += 1
        }
        if a < end {
            let before = symbols.count
            parseSmall(a, end)
            if symbols.count > before { variablesStart = before; sawVariables = true }
        }
        i = t[end].kind == .newline ? end + 1 : end
        // A trailing `;` ends the line's last statement no further, but CPython counts it in the
        // enclosing block (its end is the last token that is not NEWLINE/INDENT/DEDENT).
        let last = end - 1
        lastVariables = sawVariables ? variablesStart..<symbols.count : nil
        return max(last, s)
    }

    /// One simple statement in tokens `[a, b)`.
    mutating func parseSmall(_ a: Int, _ b: Int) {
        guard a < b else { return }
        switch t[a].kw {
        case .kImport: parseImport(a, b); return
        case .kFrom: parseFrom(a, b); return
        case .kGlobal, .kNonlocal:
            if scope.kind == .function {
                for k in (a + 1)..<b where t[k].kind == .name { outerNames[scope.qualifiedName, default: []].insert(tokenText(k)) }
            }
            return
        case .kPass, .kBreak, .kContinue: return
        case .kReturn:
            // `return wrapper` where `wrapper` is a function defined in this one (a decorator): even under a
            // return annotation (`-> Callable` says nothing of which function).
            if b - a == 2, t[a + 1].kind == .name, t[a + 1].kw == .none, scope.kind == .function {
                let name = tokenText(a + 1)
                let nested = scope.qualifiedName + "." + name
                // The function's nested definitions follow its own symbol: look back no further than it.
                var k = symbols.count - 1
                var defined = false
                while k >= 0, symbols[k].qualifiedName != scope.qualifiedName {
                    if symbols[k].qualifiedName == nested, symbols[k].kind == .function { defined = true; break }
                    k -= 1
                }
                if defined {
                    facts.append(TypeFact(scope: scope.qualifiedName, target: "return", expression: name, origin: .returnedName,
                                          file: path, line: Int(t[a].line)))
                }
            }
            if scope.kind == .function { returnFact((a + 1)..<b, line: Int(t[a].line)) }
            scanCalls(a + 1, b); return
        case .kDel, .kAssert, .kRaise: scanCalls(a + 1, b); return
        default: break
        }
        // PEP 695 `type X = ...` / `type X[T] = ...`.
        if isName(a, "type"), a + 2 < b, t[a + 1].kind == .name, t[a + 2].isOp(.equal) || t[a + 2].isOp(.lsqb) {
            if scope.kind != .function {
                symbols.append(Symbol(qualifiedName: scope.qualifiedName + "." + tokenText(a + 1),
                                      name: tokenText(a + 1), kind: .variable, language: .python, file: path,
                                      range: range(a, b - 1), nameRange: range(a + 1, a + 1),
                                      parent: scope.qualifiedName, attributes: ["type"]))
            }
            scanCalls(a + 2, b)
            return
        }
        // Find top-level `=`, the annotation `:` and augmented assignment.
        var equals: [Int] = []
        var annotationColon = -1
        var augmented = -1
        var k = a
        var lambdas = 0
        while k < b {
            let tok = t[k]
            if tok.kind == .op {
                switch tok.op {
                case .lpar, .lsqb, .lbrace: if m[k] > k && Int(m[k]) < b { k = Int(m[k]) }
                case .colon:
                    if lambdas > 0 { lambdas -= 1 } else if annotationColon < 0 && equals.isEmpty && augmented < 0 {
                        annotationColon = k
                    }
                case .equal: if lambdas == 0 && augmented < 0 { equals.append(k) }
                case .augAssign: if lambdas == 0 && equals.isEmpty && augmented < 0 { augmented = k }
                default: break
                }
            } else if tok.isKw(.kLambda) {
                lambdas += 1
            } else if tok.kind == .fstringStart, m[k] > k, Int(m[k]) < b {
                k = Int(m[k])
            }
            k += 1
        }
        if augmented >= 0 {
            scanCalls(a, b)
            if scope.kind == .module && augmented == a + 1 && isName(a, "__all__") {
                exports += strings(augmented + 1, b)
            }
            return
        }
        var targets: [Range<Int>] = []
        var value: Range<Int>? = nil
        var annotation: Range<Int>? = nil
        if annotationColon >= 0 {
            targets = [a..<annotationColon]
            let annotationEnd = equals.first ?? b
            annotation = (annotationColon + 1)..<annotationEnd
            if let eq = equals.first { value = (eq + 1)..<b }
        } else if !equals.isEmpty {
            var s = a
            for eq in equals {
                targets.append(s..<eq)
                s = eq + 1
            }
            value = s..<b
        } else {
            scanCalls(a, b)
            if scope.kind == .module && b - a >= 4 && isName(a, "__all__") && t[a + 1].isOp(.dot)
                && (isName(a + 2, "extend") || isName(a + 2, "append")) && t[a + 3].isOp(.lpar) {
                exports += strings(a + 4, b)
            }
            return
        }
        assignment(statement: a..<b, targets: targets, annotation: annotation, value: value)
    }

    /// Records symbols, type facts, calls and exports of an assignment statement.
    mutating func assignment(statement: Range<Int>, targets: [Range<Int>], annotation: Range<Int>?,
                             value: Range<Int>?) {
        let here = scope
        let line = Int(t[statement.lowerBound].line)
        // A lambda that is the whole value and the only target a name: a named lambda.
        var lambdaParts: (lambda: Int, colon: Int, end: Int)? = nil
        if let value, targets.count == 1, targets[0].count == 1, t[targets[0].lowerBound].kind == .name {
            let v = stripParentheses(value)
            if !v.isEmpty, t[v.lowerBound].isKw(.kLambda), let colon = lambdaColon(v.lowerBound, v.upperBound),
               lambdaBodyEnd(colon + 1, v.upperBound) == v.upperBound
            {
                lambdaParts = (v.lowerBound, colon, v.upperBound)
            }
        }
        for target in targets {
            // A target's attributes are written, not read: no read sites from it.
            scanCalls(target.lowerBound, target.upperBound, reads: false)
            let names = targetNames(target)
            if let parts = lambdaParts {
                let nameIndex = target.lowerBound
                let name = tokenText(nameIndex)
                symbols.append(Symbol(qualifiedName: here.qualifiedName + "." + name, name: name, kind: .lambda,
                                      language: .python, file: path, range: range(parts.lambda, parts.end - 1),
                                      nameRange: range(nameIndex, nameIndex),
                                      signature: "(" + text(parts.lambda + 1, parts.colon) + ")",
                                      parent: here.qualifiedName))
            } else if here.kind != .function {
                for nameIndex in names {
                    let name = tokenText(nameIndex)
                    symbols.append(Symbol(qualifiedName: here.qualifiedName + "." + name, name: name,
                                          kind: .variable, language: .python, file: path,
                                          range: range(target.lowerBound, statement.upperBound - 1),
                                          nameRange: range(nameIndex, nameIndex),
                                          signature: annotation.map { text($0.lowerBound, $0.upperBound) } ?? "",
                                          parent: here.qualifiedName))
                }
            }
            // Type facts.
            var factTarget = ""
            var factScope = ""
            if target.count == 1 && t[target.lowerBound].kind == .name && t[target.lowerBound].kw == .none {
                factTarget = tokenText(target.lowerBound)
                factScope = here.qualifiedName
            } else if target.count == 3, !here.selfName.isEmpty, t[target.lowerBound].kind == .name,
                      t[target.lowerBound + 1].isOp(.dot), t[target.lowerBound + 2].kind == .name,
                      tokenText(target.lowerBound) == here.selfName
            {
                factTarget = text(target.lowerBound, target.upperBound)
                factScope = here.classQualifiedName
            }
            if !factTarget.isEmpty {
                if let ann = annotation.map(stripParentheses), !ann.isEmpty {
                    facts.append(TypeFact(scope: factScope, target: factTarget,
                                          expression: text(ann.lowerBound, ann.upperBound), origin: .annotation,
                                          file: path, line: line))
                } else if let v = value.map(stripParentheses), !v.isEmpty {
                    if let callee = wholeCallCallee(v), elementConstructor(v) == nil {
                        facts.append(TypeFact(scope: factScope, target: factTarget, expression: text(v.lowerBound, callee),
                                              origin: .assignedCall, file: path, line: line))
                    } else if isDottedName(v) {
                        facts.append(TypeFact(scope: factScope, target: factTarget,
                                              expression: text(v.lowerBound, v.upperBound), origin: .assignedName,
                                              file: path, line: line))
                    }
                }
            }
            // `self.layers = nn.ModuleList([Layer(...) for i in ...])`, `a, b, self.layers = make_layers(n,
            // lambda prefix: Layer(...))`: the container's elements are instances of the class the lambda
            // or the comprehension builds (the last target of a tuple holds them).
            if annotation == nil, let v = value.map(stripParentheses), let element = elementConstructor(v),
               let (scopeName, targetName) = elementTarget(target, here)
            {
                facts.append(TypeFact(scope: scopeName, target: targetName, expression: "[" + element + "()]",
                                      origin: .assignedName, file: path, line: line))
            }
            if here.kind == .function, annotation == nil, let v = value.map(stripGrouping), !v.isEmpty {
                assignmentFallbackFacts(target: target, value: v, line: line)
            }
            if here.kind == .module && target.count == 1 && isName(target.lowerBound, "__all__"), let v = value {
                exports = strings(v.lowerBound, v.upperBound)
            }
        }
        if let ann = annotation { scanCalls(ann.lowerBound, ann.upperBound) }
        guard let v = value else { return }
        if let parts = lambdaParts {
            scanCalls(v.lowerBound, parts.lambda + 1)  // nothing but parentheses, kept for robustness
            scanCalls(parts.lambda + 1, parts.colon)
            let saved = callerOverride
            callerOverride = here.qualifiedName + "." + tokenText(targets[0].lowerBound)
            scanCalls(parts.colon + 1, parts.end)
            callerOverride = saved
        } else {
            scanCalls(v.lowerBound, v.upperBound)
        }
    }

    /// When `v` is a call that builds a container of one class: the callee of the constructor in its
    /// lambda argument (`make_layers(n, lambda prefix: Layer(...))`) or in its list comprehension argument
    /// (`ModuleList([Layer(...) for _ in range(n)])`), as written.
    mutating func elementConstructor(_ v: Range<Int>) -> String? {
        guard let open = wholeCallCallee(v) else { return nil }
        let close = v.upperBound - 1
        for (arg, keyword) in arguments(open + 1, close) {
            var r = stripParentheses(arg)
            if keyword {
                guard r.count > 2, t[r.lowerBound].kind == .name, t[r.lowerBound + 1].isOp(.equal) else { continue }
                r = stripParentheses((r.lowerBound + 2)..<r.upperBound)
            }
            guard !r.isEmpty else { continue }
            var body: Range<Int>? = nil
            if t[r.lowerBound].isKw(.kLambda), let colon = lambdaColon(r.lowerBound, r.upperBound),
               lambdaBodyEnd(colon + 1, r.upperBound) == r.upperBound
            {
                body = stripParentheses((colon + 1)..<r.upperBound)
            } else if t[r.lowerBound].isOp(.lsqb), Int(m[r.lowerBound]) == r.upperBound - 1 {
                // `[ELEMENT for ...]`: the element ends at the first top-level `for`.
                var k = r.lowerBound + 1
                while k < r.upperBound - 1, !t[k].isKw(.kFor) {
                    if t[k].kind == .op, t[k].isOp(.lpar) || t[k].isOp(.lsqb) || t[k].isOp(.lbrace), m[k] > k { k = Int(m[k]) }
                    k += 1
                }
                if k < r.upperBound - 1 { body = stripParentheses((r.lowerBound + 1)..<k) }
            }
            guard let b = body, !b.isEmpty, let bodyOpen = wholeCallCallee(b), isDottedName(b.lowerBound..<bodyOpen) else { continue }
            let callee = text(b.lowerBound, bodyOpen)
            // A lambda's call is the element whatever it names (`layer_type(...)`, a class parameter); in a
            // comprehension only a class by convention (CapWords): `maybe_offload(layer_fn(...))` is a wrapper.
            if !t[r.lowerBound].isKw(.kLambda) {
                guard let lastChar = callee.split(separator: ".").last?.first, lastChar.isUppercase else { continue }
            }
            return callee
        }
        return nil
    }

    /// The fact target of an assignment target for container facts: a name or `self.x`, or the last of a
    /// tuple of them.
    fileprivate mutating func elementTarget(_ target: Range<Int>, _ here: Scope) -> (String, String)? {
        var lo = target.lowerBound, hi = target.upperBound
        if hi - lo >= 2, t[lo].isOp(.lpar) || t[lo].isOp(.lsqb), Int(m[lo]) == hi - 1 { lo += 1; hi -= 1 }
        // The last element of a tuple target.
        var k = hi - 1
        var start = lo
        while k >= lo {
            if t[k].isOp(.comma) { start = k + 1; break }
            k -= 1
        }
        let n = hi - start
        if n == 1, t[start].kind == .name, t[start].kw == .none, !(start > lo && t[start - 1].isOp(.star)) {
            return (here.qualifiedName, tokenText(start))
        }
        if n == 3, !here.selfName.isEmpty, t[start].kind == .name, tokenText(start) == here.selfName,
           t[start + 1].isOp(.dot), t[start + 2].kind == .name
        {
            return (here.classQualifiedName, text(start, hi))
        }
        return nil
    }

    /// `r` without parentheses that enclose all of it: `((f(x)))` -> `f(x)`.
    func stripParentheses(_ r: Range<Int>) -> Range<Int> {
        var v = r
        while v.count > 2 && t[v.lowerBound].isOp(.lpar) && Int(m[v.lowerBound]) == v.upperBound - 1 {
            v = (v.lowerBound + 1)..<(v.upperBound - 1)
        }
        return v
    }

    /// Name tokens bound by an assignment target: `x`, `a, b`, `(a, *b)`, `[a, b]`.
    func targetNames(_ r: Range<Int>) -> [Int] {
        var lo = r.lowerBound, hi = r.upperBound
        if hi - lo >= 2, t[lo].isOp(.lpar) || t[lo].isOp(.lsqb), Int(m[lo]) == hi - 1 { lo += 1; hi -= 1 }
        var names: [Int] = []
        var k = lo
        while k < hi {
            if t[k].isOp(.star) { k += 1 }
            guard k < hi, t[k].kind == .name, t[k].kw == .none else { return [] }
            names.append(k)
            k += 1
            if k < hi {
                guard t[k].isOp(.comma) else { return [] }
                k += 1
            }
        }
        return names
    }

    /// The `:` that ends the parameters of the lambda at `l`.
    func lambdaColon(_ l: Int, _ b: Int) -> Int? {
        var k = l + 1
        var lambdas = 0
        while k < b {
            let tok = t[k]
            if tok.kind == .op {
                if (tok.isOp(.lpar) || tok.isOp(.lsqb) || tok.isOp(.lbrace)), m[k] > k { k = Int(m[k]) }
                else if tok.isOp(.colon) { if lambdas == 0 { return k }; lambdas -= 1 }
            } else if tok.isKw(.kLambda) { lambdas += 1 }
            k += 1
        }
        return nil
    }

    /// Where a lambda body starting at `s` ends: the first top-level `,` (not one in the parameters
    /// of a nested lambda) or `b`.
    func lambdaBodyEnd(_ s: Int, _ b: Int) -> Int {
        var k = s
        while k < b {
            let tok = t[k]
            if tok.isKw(.kLambda), let colon = lambdaColon(k, b) {
                k = colon + 1
                continue
            }
            if tok.kind == .op {
                if (tok.isOp(.lpar) || tok.isOp(.lsqb) || tok.isOp(.lbrace)), m[k] > k { k = Int(m[k]) }
                else if tok.isOp(.comma) { return k }
            } else if tok.kind == .fstringStart, m[k] > k { k = Int(m[k]) }
            k += 1
        }
        return b
    }

    /// When tokens `r` are one call (`a.b(...)`, `f(x)(y)`), the index of the final call's `(`.
    func wholeCallCallee(_ r: Range<Int>) -> Int? {
        let last = r.upperBound - 1
        guard last > r.lowerBound, t[last].isOp(.rpar) else { return nil }
        let open = Int(m[last])
        guard open > r.lowerBound, isAtomEnd(open - 1), let start = primaryStart(open - 1, lower: r.lowerBound),
              start == r.lowerBound
        else { return nil }
        return open
    }

    /// True when tokens `r` are a name or dotted name.
    func isDottedName(_ r: Range<Int>) -> Bool {
        var k = r.lowerBound
        while true {
            guard k < r.upperBound, t[k].kind == .name, t[k].kw == .none else { return false }
            k += 1
            if k == r.upperBound { return true }
            guard t[k].isOp(.dot) else { return false }
            k += 1
        }
    }

    /// The values of plain string literals in tokens `[a, b)` (for `__all__`).
    func strings(_ a: Int, _ b: Int) -> [String] {
        var result: [String] = []
        var k = a
        while k < b {
            if t[k].kind == .string, let v = stringValue(k) { result.append(String(decoding: v, as: UTF8.self)) }
            k += 1
        }
        return result
    }

    // MARK: Imports

    /// A dotted name starting at `k` (within `b`): its text and the index after it.
    func dottedName(_ k: Int, _ b: Int) -> (String, Int) {
        var k = k
        var parts: [String] = []
        while k < b && t[k].kind == .name && t[k].kw == .none {
            parts.append(tokenText(k))
            k += 1
            if k < b && t[k].isOp(.dot) && k + 1 < b && t[k + 1].kind == .name && t[k + 1].kw == .none {
                k += 1
            } else {
                break
            }
        }
        return (parts.joined(separator: "."), k)
    }

    var importScope: String {
        scope.qualifiedName
    }

    mutating func parseImport(_ a: Int, _ b: Int) {
        var k = a + 1
        while k < b {
            let (module, next) = dottedName(k, b)
            guard next > k else { error("malformed import", at: k); return }
            var alias = ""
            k = next
            if k + 1 < b && t[k].isKw(.kAs) && t[k + 1].kind == .name { alias = tokenText(k + 1); k += 2 }
            imports.append(Import(scope: importScope, module: module, alias: alias, file: path,
                                  line: Int(t[next - 1].line), conditional: isConditional))
            if k < b && t[k].isOp(.comma) { k += 1 } else { break }
        }
    }

    mutating func parseFrom(_ a: Int, _ b: Int) {
        var k = a + 1
        var level = 0
        while k < b && (t[k].isOp(.dot) || t[k].isOp(.ellipsis)) {
            level += t[k].isOp(.dot) ? 1 : 3
            k += 1
        }
        let (module, next) = dottedName(k, b)
        k = next
        guard k < b, t[k].isKw(.kImport) else { error("malformed from-import", at: a); return }
        k += 1
        var end = b
        if k < b && t[k].isOp(.lpar) { k += 1; if t[b - 1].isOp(.rpar) { end = b - 1 } }
        while k < end {
            if t[k].isOp(.star) {
                imports.append(Import(scope: importScope, module: module, level: level, name: "*", file: path,
                                      line: Int(t[k].line), conditional: isConditional))
                k += 1
            } else if t[k].kind == .name {
                var alias = ""
                let nameIndex = k
                k += 1
                if k + 1 < end && t[k].isKw(.kAs) && t[k + 1].kind == .name { alias = tokenText(k + 1); k += 2 }
                imports.append(Import(scope: importScope, module: module, level: level, name: tokenText(nameIndex),
                                      alias: alias, file: path, line: Int(t[nameIndex].line),
                                      conditional: isConditional))
            } else {
                error("malformed from-import", at: k)
                return
            }
            if k < end && t[k].isOp(.comma) { k += 1 } else { break }
        }
    }

    // MARK: Calls

    /// True when token `k` can end an atom or trailer, so that a `(` after it is a call.
    @inline(__always) func isAtomEnd(_ k: Int) -> Bool {
        let tok = t[k]
        switch tok.kind {
        case .name:
            return tok.sub == 0 || tok.sub == Kw.kTrue.rawValue || tok.sub == Kw.kFalse.rawValue
                || tok.sub == Kw.kNone.rawValue
        case .number, .string, .fstringEnd: return true
        case .op: return tok.sub == Op.rpar.rawValue || tok.sub == Op.rsqb.rawValue || tok.sub == Op.rbrace.rawValue
        default: return false
        }
    }

    /// The first token of the primary (atom plus trailers) that ends at token `j`, not before `lower`.
    func primaryStart(_ j: Int, lower: Int) -> Int? {
        var j = j
        while j >= lower {
            let tok = t[j]
            var atom: Int
            var isName = false
            switch tok.kind {
            case .op:
                let open = Int(m[j])
                guard open >= lower, open < j else { return nil }
                if (tok.isOp(.rpar) || tok.isOp(.rsqb)) && open - 1 >= lower && isAtomEnd(open - 1) {
                    j = open - 1
                    continue
                }
                atom = open
            case .name:
                guard isAtomEnd(j) else { return nil }
                atom = j
                isName = true
            case .number:
                atom = j
            case .string, .fstringEnd:
                atom = j
                // Implicitly concatenated strings form one atom.
                while true {
                    if t[atom].kind == .fstringEnd {
                        let open = Int(m[atom])
                        guard open >= lower, open < atom else { return nil }
                        atom = open
                    }
                    if atom - 1 >= lower && (t[atom - 1].kind == .string || t[atom - 1].kind == .fstringEnd) {
                        atom -= 1
                    } else {
                        break
                    }
                }
            default:
                return nil
            }
            if isName && atom - 2 >= lower && t[atom - 1].isOp(.dot) && isAtomEnd(atom - 2) {
                j = atom - 2
                continue
            }
            return atom
        }
        return nil
    }

    /// Splits the arguments in tokens `[a, b)` at top-level commas.
    func arguments(_ a: Int, _ b: Int) -> [(range: Range<Int>, keyword: Bool)] {
        var result: [(range: Range<Int>, keyword: Bool)] = []
        var s = a
        var k = a
        var lambdas = 0
        func add(_ s: Int, _ e: Int, _ result: inout [(range: Range<Int>, keyword: Bool)]) {
            guard s < e else { return }
            let keyword = t[s].isOp(.doubleStar) || (e - s >= 2 && t[s].kind == .name && t[s + 1].isOp(.equal))
            result.append((s..<e, keyword))
        }
        while k < b {
            let tok = t[k]
            if tok.kind == .op {
                switch tok.op {
                case .lpar, .lsqb, .lbrace: if m[k] > k && Int(m[k]) < b { k = Int(m[k]) }
                case .comma: if lambdas == 0 { add(s, k, &result); s = k + 1 }
                case .colon: if lambdas > 0 { lambdas -= 1 }
                default: break
                }
            } else if tok.isKw(.kLambda) {
                lambdas += 1
            } else if tok.isKw(.kFor) {
                // A bare generator expression is the call's only argument: `f(x for x, y in z)`.
                return [(a..<b, false)]
            } else if tok.kind == .fstringStart, m[k] > k, Int(m[k]) < b {
                k = Int(m[k])
            }
            k += 1
        }
        add(s, b, &result)
        return result
    }

    /// Records every call in tokens `[a, b)`, and (unless `reads` is false: assignment targets) every
    /// attribute read that is not called, as `attribute` sites.
    mutating func scanCalls(_ a: Int, _ b: Int, reads: Bool = true) {
        guard a < b else { return }
        var k = a + 1
        while k < b {
            // `x.name` not followed by `(`: a read (a property getter runs when `name` is one).
            if reads, t[k].kind == .name, t[k].kw == .none, t[k - 1].isOp(.dot),
               !(k + 1 < b && t[k + 1].isOp(.lpar)), let start = primaryStart(k, lower: a), start < k - 1
            {
                calls.append(CallSite(caller: caller, callee: text(start, k + 1), kind: .attribute, file: path,
                                      range: range(start, k)))
            }
            if t[k].kind == .op && t[k].sub == Op.lpar.rawValue && isAtomEnd(k - 1),
               let start = primaryStart(k - 1, lower: a)
            {
                let close = Int(m[k]) > k ? Int(m[k]) : b - 1
                let args = arguments(k + 1, close)
                let positional = args.reduce(0) { $0 + ($1.keyword ? 0 : 1) }
                calls.append(CallSite(caller: caller, callee: text(start, k), file: path, range: range(start, close),
                                      argumentCount: positional, arguments: callArguments(args)))
            }
            k += 1
        }
    }
}

/// `inspect.cleandoc`: strip the first line's leading blanks, the common indentation of the other
/// lines, and leading / trailing blank lines.
func cleanDoc(_ bytes: [UInt8]) -> String {
    var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map { Array($0) }
    func indentation(_ l: [UInt8]) -> Int? {
        var n = 0
        for c in l {
            if c == 32 { n += 1 } else if c == 9 { n = (n / 8 + 1) * 8 } else { return n }
        }
        return nil  // blank
    }
    func expandTabs(_ l: [UInt8]) -> [UInt8] {
        guard l.contains(9) else { return l }
        var out: [UInt8] = []
        for c in l {
            if c == 9 { repeat { out.append(32) } while out.count % 8 != 0 } else { out.append(c) }
        }
        return out
    }
    lines = lines.map(expandTabs)
    var margin = Int.max
    for l in lines.dropFirst() { if let n = indentation(l) { margin = min(margin, n) } }
    if !lines.isEmpty { lines[0] = Array(lines[0].drop(while: { $0 == 32 })) }
    if margin != Int.max {
        for k in 1..<max(1, lines.count) where k < lines.count { lines[k] = Array(lines[k].dropFirst(margin)) }
    }
    for k in lines.indices {
        while let last = lines[k].last, last == 32 || last == 13 { lines[k].removeLast() }
    }
    while let first = lines.first, first.isEmpty { lines.removeFirst() }
    while let last = lines.last, last.isEmpty { lines.removeLast() }
    return String(decoding: Array(lines.joined(separator: [10])), as: UTF8.self)
}
