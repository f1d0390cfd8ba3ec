// The Python lexer: UTF-8 bytes in, tokens out. It follows CPython 3.12's tokenizer (PEP 701
// f-strings are split into start / middle / replacement-field tokens / end), so that calls written
// inside f-string fields are seen by the parser and highlighted like other code.
//
// Every byte of the input belongs to exactly one token when trivia is kept (whitespace, comments,
// blank-line newlines, backslash continuations): printing the tokens gives back the file. Zero-width
// tokens (INDENT, DEDENT, ENDMARKER, the NEWLINE synthesized at an end of file without one) carry no
// bytes. The lexer never fails: bad bytes become `.errorToken`s and the problem a diagnostic.

/// What a token is. Trivia kinds appear only when the lexer is asked to keep them.
enum TokKind: UInt8 {
    case name, number, string, op, newline, indent, dedent, endMarker
    case fstringStart, fstringMiddle, fstringEnd
    case errorToken
    case whitespace, comment, nl, continuation

    /// True for tokens that carry no meaning for the parser.
    var isTrivia: Bool { rawValue >= TokKind.whitespace.rawValue }
}

/// Operators the parser tells apart; everything else is `.other` or `.augAssign`.
enum Op: UInt8 {
    case none = 0, lpar, rpar, lsqb, rsqb, lbrace, rbrace, colon, comma, semi, dot, ellipsis, at, equal
    case arrow, star, doubleStar, colonEqual, augAssign, exclamation, other
}

/// Hard keywords (soft keywords `match`, `case`, `type`, `_` are names, decided by the parser).
enum Kw: UInt8 {
    case none = 0
    case kFalse, kNone, kTrue, kAnd, kAs, kAssert, kAsync, kAwait, kBreak, kClass, kContinue, kDef, kDel
    case kElif, kElse, kExcept, kFinally, kFor, kFrom, kGlobal, kIf, kImport, kIn, kIs, kLambda, kNonlocal
    case kNot, kOr, kPass, kRaise, kReturn, kTry, kWhile, kWith, kYield
}

/// One token: a kind, an `Op`/`Kw` raw value in `sub`, the byte range `[start, end)` and the lines
/// (1-based) its first and last byte sit on (`endLine` is the line of `end`).
struct Token {
    var kind: TokKind
    var sub: UInt8
    var start: Int32
    var end: Int32
    var line: Int32
    var endLine: Int32

    var op: Op { kind == .op ? Op(rawValue: sub) ?? .other : .none }
    var kw: Kw { kind == .name ? Kw(rawValue: sub) ?? .none : .none }
    @inline(__always) func isOp(_ o: Op) -> Bool { kind == .op && sub == o.rawValue }
    @inline(__always) func isKw(_ k: Kw) -> Bool { kind == .name && sub == k.rawValue }
}

/// A problem the lexer found, positioned by 1-based line and byte column.
struct LexDiagnostic {
    var line: Int
    var column: Int
    var message: String
}

/// What the lexer hands the parser (or the highlighter).
struct LexResult {
    var tokens: [Token]
    /// For each token, the index of its matching bracket (and FSTRING_START <-> FSTRING_END), else -1.
    var match: [Int32]
    /// Byte offset at which each line starts; `lineStarts[0] == 0`.
    var lineStarts: [Int32]
    var diagnostics: [LexDiagnostic]
}

private let keywordTable: [UInt64: Kw] = {
    let words: [(String, Kw)] = [
        ("False", .kFalse), ("None", .kNone), ("True", .kTrue), ("and", .kAnd), ("as", .kAs),
        ("assert", .kAssert), ("async", .kAsync), ("await", .kAwait), ("break", .kBreak), ("class", .kClass),
        ("continue", .kContinue), ("def", .kDef), ("del", .kDel), ("elif", .kElif), ("else", .kElse),
        ("except", .kExcept), ("finally", .kFinally), ("for", .kFor), ("from", .kFrom), ("global", .kGlobal),
        ("if", .kIf), ("import", .kImport), ("in", .kIn), ("is", .kIs), ("lambda", .kLambda),
        ("nonlocal", .kNonlocal), ("not", .kNot), ("or", .kOr), ("pass", .kPass), ("raise", .kRaise),
        ("return", .kReturn), ("try", .kTry), ("while", .kWhile), ("with", .kWith), ("yield", .kYield),
    ]
    var table: [UInt64: Kw] = [:]
    for (word, kw) in words {
        var v: UInt64 = 0
        for byte in word.utf8 { v = v << 8 | UInt64(byte) }
        table[v] = kw
    }
    return table
}()

// Byte classes: bit 0 identifier start, bit 1 identifier continue, bit 2 digit.
private let byteClass: [UInt8] = {
    var t = [UInt8](repeating: 0, count: 256)
    for c in UInt8(ascii: "a")...UInt8(ascii: "z") { t[Int(c)] = 3 }
    for c in UInt8(ascii: "A")...UInt8(ascii: "Z") { t[Int(c)] = 3 }
    t[Int(UInt8(ascii: "_"))] = 3
    for c in UInt8(ascii: "0")...UInt8(ascii: "9") { t[Int(c)] = 6 }
    for c in 0x80...0xFF { t[c] = 3 }
    return t
}()

private enum Mode {
    /// Inside the literal part of an f-string.
    case fstring(FContext)
    /// Inside a replacement field's expression; `depth` is the bracket depth just after its `{`.
    case field(FContext, depth: Int)
    /// Inside a replacement field's format spec (after a top-level `:`).
    case spec(FContext)
}

private struct FContext {
    var quote: UInt8
    var triple: Bool
    var raw: Bool
    /// Bracket depth before the f-string started, restored when it is cut short.
    var depthAtStart: Int
    /// Token index of FSTRING_START.
    var startToken: Int
}

private let maxDiagnostics = 50

/// Lexes `bytes`. With `keepTrivia` every byte lands in a token (for highlighting and the
/// round-trip); without it only the tokens the parser reads are produced.
func lex(_ bytes: UnsafeBufferPointer<UInt8>, keepTrivia: Bool) -> LexResult {
    var lexer = Lexer(b: bytes, keepTrivia: keepTrivia)
    lexer.run()
    return LexResult(tokens: lexer.toks, match: lexer.match, lineStarts: lexer.lineStarts,
                     diagnostics: lexer.diags)
}

private struct Lexer {
    let b: UnsafeBufferPointer<UInt8>
    let n: Int
    let keepTrivia: Bool
    var p = 0
    var line: Int32 = 1
    var lineStarts: [Int32] = [0]
    var toks: [Token] = []
    var match: [Int32] = []
    var openStack: [Int] = []
    var indents: [Int] = [0]
    var atLineStart = true
    var lineHasContent = false
    var modes: [Mode] = []
    var diags: [LexDiagnostic] = []

    init(b: UnsafeBufferPointer<UInt8>, keepTrivia: Bool) {
        self.b = b
        self.n = b.count
        self.keepTrivia = keepTrivia
        toks.reserveCapacity(b.count / (keepTrivia ? 3 : 5) + 16)
        match.reserveCapacity(toks.capacity)
        lineStarts.reserveCapacity(b.count / 30 + 2)
    }

    mutating func diag(_ message: String, at offset: Int) {
        guard diags.count < maxDiagnostics else { return }
        // The line holding `offset`: the last line start <= offset.
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if Int(lineStarts[mid]) <= offset { lo = mid } else { hi = mid - 1 }
        }
        diags.append(LexDiagnostic(line: lo + 1, column: offset - Int(lineStarts[lo]) + 1, message: message))
    }

    @inline(__always) mutating func emit(_ kind: TokKind, _ sub: UInt8, _ s: Int, _ e: Int, _ startLine: Int32) {
        if kind.isTrivia && !keepTrivia { return }
        toks.append(Token(kind: kind, sub: sub, start: Int32(truncatingIfNeeded: s), end: Int32(truncatingIfNeeded: e),
                          line: startLine, endLine: line))
        match.append(-1)
        if !kind.isTrivia && kind != .newline && kind != .indent && kind != .dedent && kind != .endMarker {
            lineHasContent = true
        }
    }

    /// Consumes one line break (`\n`, `\r\n` or `\r`) at `p`.
    @inline(__always) mutating func consumeNewline() {
        if b[p] == 13 && p + 1 < n && b[p + 1] == 10 { p += 2 } else { p += 1 }
        line += 1
        lineStarts.append(Int32(truncatingIfNeeded: p))
    }

    @inline(__always) func isNewline(_ c: UInt8) -> Bool { c == 10 || c == 13 }

    mutating func run() {
        while true {
            if let mode = modes.last {
                switch mode {
                case .fstring(let c):
                    lexFStringBody(c, spec: false)
                    continue
                case .spec(let c):
                    lexFStringBody(c, spec: true)
                    continue
                case .field(let c, let depth):
                    if p >= n {
                        diag("unterminated f-string", at: n)
                        abortFString(c)
                        continue
                    }
                    if openStack.count < depth { modes.removeLast(); continue }  // closed by a wrong bracket
                    if openStack.count == depth && fieldSpecial(depth) { continue }
                }
            } else if atLineStart {
                atLineStart = false
                indentation()
            }
            if p >= n { finish(); return }
            lexOne()
        }
    }

    /// Measures a logical line's indentation and emits INDENT / DEDENT.
    mutating func indentation() {
        let s = p
        var col = 0
        while p < n {
            let c = b[p]
            if c == 32 { col += 1 } else if c == 9 { col = (col / 8 + 1) * 8 } else if c == 12 { col = 0 } else { break }
            p += 1
        }
        if p > s { emit(.whitespace, 0, s, p, line) }
        if p >= n { return }
        let c = b[p]
        if c == 35 || isNewline(c) { return }  // comment-only or blank line
        if c == 92 && p + 1 < n && isNewline(b[p + 1]) { return }  // a line that only continues
        if col > indents[indents.count - 1] {
            indents.append(col)
            emit(.indent, 0, p, p, line)
        } else {
            while col < indents[indents.count - 1] {
                indents.removeLast()
                emit(.dedent, 0, p, p, line)
            }
            if col != indents[indents.count - 1] {
                diag("unindent does not match any outer indentation level", at: p)
            }
        }
    }

    mutating func finish() {
        if !modes.isEmpty {
            diag("unterminated f-string", at: n)
            modes.removeAll()
        }
        if !openStack.isEmpty {
            diag("'\(Character(UnicodeScalar(b[Int(toks[openStack[openStack.count - 1]].start)])))' was never closed",
                 at: Int(toks[openStack[openStack.count - 1]].start))
            openStack.removeAll()
        }
        if lineHasContent { emit(.newline, 0, n, n, line); lineHasContent = false }
        while indents.count > 1 {
            indents.removeLast()
            emit(.dedent, 0, n, n, line)
        }
        emit(.endMarker, 0, n, n, line)
    }

    /// Handles `}`, `:` and `!` at the top level of a replacement field; false when `p` holds none.
    mutating func fieldSpecial(_ depth: Int) -> Bool {
        let c = b[p]
        if c == 125 {  // }
            closeBracket(p, .rbrace)
            p += 1
            modes.removeLast()
            return true
        }
        if c == 58 {  // :  starts the format spec
            let s = p
            p += 1
            emit(.op, Op.colon.rawValue, s, p, line)
            guard case .field(let ctx, _) = modes[modes.count - 1] else { return true }
            modes.append(.spec(ctx))
            return true
        }
        if c == 33 && !(p + 1 < n && b[p + 1] == 61) {  // ! conversion (not !=)
            let s = p
            p += 1
            emit(.op, Op.exclamation.rawValue, s, p, line)
            return true
        }
        return false
    }

    mutating func openBracket(_ s: Int, _ op: Op) {
        let sl = line
        p = s + 1
        emit(.op, op.rawValue, s, p, sl)
        openStack.append(toks.count - 1)
    }

    /// Emits a closing bracket at `s` (without moving `p`) and pairs it with the innermost opener.
    mutating func closeBracket(_ s: Int, _ op: Op) {
        emit(.op, op.rawValue, s, s + 1, line)
        let me = toks.count - 1
        if let open = openStack.popLast() {
            match[open] = Int32(me)
            match[me] = Int32(open)
        } else {
            diag("unmatched '\(Character(UnicodeScalar(b[s])))'", at: s)
        }
    }

    /// Leaves an f-string that was cut short (newline in a single-quoted one, end of file).
    mutating func abortFString(_ c: FContext) {
        while let m = modes.popLast() {
            if case .fstring = m { break }
        }
        if openStack.count > c.depthAtStart { openStack.removeLast(openStack.count - c.depthAtStart) }
    }

    /// Lexes the literal part of an f-string (or of a format spec) up to the next field, the end of
    /// the spec or the closing quote.
    mutating func lexFStringBody(_ c: FContext, spec: Bool) {
        let s = p
        let sl = line
        func flushMiddle(_ me: inout Lexer, _ upTo: Int) {
            if upTo > s { me.emit(.fstringMiddle, 0, s, upTo, sl) }
        }
        while p < n {
            let ch = b[p]
            if ch == c.quote {
                if !c.triple || (p + 2 < n && b[p + 1] == ch && b[p + 2] == ch) {
                    flushMiddle(&self, p)
                    if spec { diag("f-string: expecting '}'", at: p) }
                    let q = p
                    p += c.triple ? 3 : 1
                    let ql = line
                    emit(.fstringEnd, 0, q, p, ql)
                    match[toks.count - 1] = Int32(c.startToken)
                    if c.startToken < match.count { match[c.startToken] = Int32(toks.count - 1) }
                    abortFString(c)
                    return
                }
                p += 1
                continue
            }
            if ch == 92 {  // backslash
                if !c.raw && p + 2 < n && b[p + 1] == 78 && b[p + 2] == 123 {  // \N{NAME}
                    p += 3
                    while p < n && b[p] != 125 && !isNewline(b[p]) && b[p] != c.quote { p += 1 }
                    if p < n && b[p] == 125 { p += 1 }
                    continue
                }
                p += 1
                if p < n {
                    if isNewline(b[p]) { consumeNewline() } else if b[p] != 123 && b[p] != 125 { p += 1 }
                }
                continue
            }
            if ch == 123 {  // {
                if p + 1 < n && b[p + 1] == 123 { p += 2; continue }
                flushMiddle(&self, p)
                openBracket(p, .lbrace)
                modes.append(.field(c, depth: openStack.count))
                return
            }
            if ch == 125 {  // }
                if spec {
                    flushMiddle(&self, p)
                    closeBracket(p, .rbrace)
                    p += 1
                    modes.removeLast()  // spec
                    modes.removeLast()  // field
                    return
                }
                if p + 1 < n && b[p + 1] == 125 { p += 2; continue }
                diag("f-string: single '}' is not allowed", at: p)
                p += 1
                continue
            }
            if isNewline(ch) {
                if c.triple { consumeNewline(); continue }
                flushMiddle(&self, p)
                diag("unterminated f-string literal", at: p)
                abortFString(c)
                return
            }
            p += 1
        }
        flushMiddle(&self, p)
        diag("unterminated f-string literal", at: p)
        abortFString(c)
    }

    /// Lexes one token (or trivia run) in ordinary code.
    mutating func lexOne() {
        let s = p
        let sl = line
        let c = b[p]
        let cls = byteClass[Int(c)]
        if cls & 1 != 0 {
            lexNameOrPrefixedString()
            return
        }
        if cls & 4 != 0 || (c == 46 && p + 1 < n && byteClass[Int(b[p + 1])] & 4 != 0) {
            lexNumber()
            return
        }
        switch c {
        case 32, 9, 12:
            p += 1
            while p < n, b[p] == 32 || b[p] == 9 || b[p] == 12 { p += 1 }
            emit(.whitespace, 0, s, p, sl)
        case 35:  // #
            p += 1
            while p < n && !isNewline(b[p]) { p += 1 }
            emit(.comment, 0, s, p, sl)
        case 10, 13:
            consumeNewline()
            if openStack.isEmpty {
                if lineHasContent {
                    emit(.newline, 0, s, p, sl)
                    lineHasContent = false
                } else {
                    emit(.nl, 0, s, p, sl)
                }
                atLineStart = modes.isEmpty
            } else {
                emit(.nl, 0, s, p, sl)
            }
        case 92:  // backslash
            if p + 1 < n && isNewline(b[p + 1]) {
                p += 1
                consumeNewline()
                emit(.continuation, 0, s, p, sl)
            } else {
                p += 1
                diag("unexpected character after line continuation character", at: s)
                emit(.errorToken, 0, s, p, sl)
            }
        case 34, 39:
            lexString(start: s, quote: s, raw: false, f: false)
        case 40: openBracket(s, .lpar)
        case 91: openBracket(s, .lsqb)
        case 123: openBracket(s, .lbrace)
        case 41: closeBracket(s, .rpar); p = s + 1
        case 93: closeBracket(s, .rsqb); p = s + 1
        case 125: closeBracket(s, .rbrace); p = s + 1
        default:
            lexOperator()
        }
    }

    mutating func lexNameOrPrefixedString() {
        let s = p
        p += 1
        while p < n && byteClass[Int(b[p])] & 2 != 0 { p += 1 }
        let len = p - s
        if len <= 2 && p < n && (b[p] == 34 || b[p] == 39) {
            // String prefixes: r u b f t, and two-letter mixes of r with b / f / t, any case.
            var raw = false, f = false, other = 0, ok = true
            for k in s..<p {
                switch b[k] | 0x20 {
                case 114: if raw { ok = false }; raw = true
                case 102, 116: f = true; other += 1
                case 98, 117: other += 1
                default: ok = false
                }
            }
            if len == 2 && (!raw || other != 1 || (b[s] | 0x20 == 117 || b[s + 1] | 0x20 == 117)) { ok = false }
            if ok {
                lexString(start: s, quote: p, raw: raw, f: f)
                return
            }
        }
        var sub: UInt8 = 0
        if len >= 2 && len <= 8 && b[s] < 0x80 {
            var v: UInt64 = 0
            for k in s..<p { v = v << 8 | UInt64(b[k]) }
            if let kw = keywordTable[v] { sub = kw.rawValue }
        }
        emit(.name, sub, s, p, line)
    }

    mutating func lexNumber() {
        let s = p
        @inline(__always) func digits(_ me: inout Lexer, hex: Bool) {
            while me.p < me.n {
                let c = me.b[me.p]
                if byteClass[Int(c)] & 4 != 0 || c == 95 { me.p += 1; continue }
                if hex && ((c | 0x20) >= 97 && (c | 0x20) <= 102) { me.p += 1; continue }
                break
            }
        }
        if b[p] == 48 && p + 1 < n && (b[p + 1] | 0x20 == 120 || b[p + 1] | 0x20 == 111 || b[p + 1] | 0x20 == 98) {
            p += 2
            digits(&self, hex: true)
        } else {
            digits(&self, hex: false)
            if p < n && b[p] == 46 { p += 1; digits(&self, hex: false) }
            if p < n && (b[p] | 0x20) == 101 {
                var q = p + 1
                if q < n && (b[q] == 43 || b[q] == 45) { q += 1 }
                if q < n && byteClass[Int(b[q])] & 4 != 0 { p = q; digits(&self, hex: false) }
            }
            if p < n && (b[p] | 0x20) == 106 { p += 1 }
        }
        emit(.number, 0, s, p, line)
    }

    /// Lexes a string whose prefix starts at `start` and whose opening quote is at `quote`.
    mutating func lexString(start: Int, quote: Int, raw: Bool, f: Bool) {
        let sl = line
        let q = b[quote]
        let triple = quote + 2 < n && b[quote + 1] == q && b[quote + 2] == q
        p = quote + (triple ? 3 : 1)
        if f {
            emit(.fstringStart, 0, start, p, sl)
            modes.append(.fstring(FContext(quote: q, triple: triple, raw: raw, depthAtStart: openStack.count,
                                           startToken: toks.count - 1)))
            return
        }
        while true {
            if p >= n {
                diag(triple ? "unterminated triple-quoted string literal" : "unterminated string literal", at: start)
                break
            }
            let c = b[p]
            if c == q {
                if !triple { p += 1; break }
                if p + 2 < n && b[p + 1] == q && b[p + 2] == q { p += 3; break }
                p += 1
                continue
            }
            if c == 92 {
                p += 1
                if p < n { if isNewline(b[p]) { consumeNewline() } else { p += 1 } }
                continue
            }
            if c == 10 || c == 13 {
                if triple { consumeNewline(); continue }
                diag("unterminated string literal", at: start)
                break
            }
            p += 1
        }
        emit(.string, 0, start, p, sl)
    }

    mutating func lexOperator() {
        let s = p
        let c = b[p]
        let c1: UInt8 = p + 1 < n ? b[p + 1] : 0
        let c2: UInt8 = p + 2 < n ? b[p + 2] : 0
        var len = 1
        var op = Op.other
        switch c {
        case 58: if c1 == 61 { len = 2; op = .colonEqual } else { op = .colon }  // :
        case 44: op = .comma
        case 59: op = .semi
        case 46: if c1 == 46 && c2 == 46 { len = 3; op = .ellipsis } else { op = .dot }
        case 64: if c1 == 61 { len = 2; op = .augAssign } else { op = .at }
        case 61: if c1 == 61 { len = 2 } else { op = .equal }
        case 45: if c1 == 62 { len = 2; op = .arrow } else if c1 == 61 { len = 2; op = .augAssign }
        case 42:
            if c1 == 42 { if c2 == 61 { len = 3; op = .augAssign } else { len = 2; op = .doubleStar } }
            else if c1 == 61 { len = 2; op = .augAssign } else { op = .star }
        case 47, 60, 62:  // / < >
            if c1 == c {
                if c2 == 61 { len = 3; op = .augAssign } else { len = 2 }
            } else if c1 == 61 {
                len = 2
                if c == 47 { op = .augAssign }
            } else if c == 60 && c1 == 62 { len = 2 }
        case 43, 37, 38, 124, 94: if c1 == 61 { len = 2; op = .augAssign }  // + % & | ^
        case 33: if c1 == 61 { len = 2 } else { op = .exclamation }
        case 126: break  // ~
        default:
            p += 1
            if c == 0 { diag("source code cannot contain null bytes", at: s) }
            else { diag("invalid character '\\x\(String(c, radix: 16))'", at: s) }
            emit(.errorToken, 0, s, p, line)
            return
        }
        p += len
        emit(.op, op.rawValue, s, p, line)
    }
}
