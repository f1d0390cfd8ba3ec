// Facts read off a function's statements beyond plain `x = Callee(...)` / `x = a.b`: what it returns
// without a return annotation, subscripts, tuple targets, conditional values, comprehensions and
// literals of names, and "bound here, type unknown". And the arguments of calls that pass a string
// literal. Each fact is made from the statement's tokens; the call graph reads them as they are.
import IndexModel

extension Parser {
    /// Facts that hold only where the statement-level facts say nothing of the same target (a
    /// `return` in a function with a return annotation, `x = a[i]` where another statement assigns
    /// `x = Foo()`): joined to `facts` once the module is parsed, each kept only when no fact of
    /// `facts` has its scope and target, and not for names the function declares global or nonlocal.
    mutating func joinFallbackFacts() {
        guard !fallbackFacts.isEmpty else { return }
        var known = Set<String>()
        for f in facts { known.insert(f.scope + "\u{1}" + f.target) }
        for f in fallbackFacts where !known.contains(f.scope + "\u{1}" + f.target) {
            if let outer = outerNames[f.scope], outer.contains(f.target) { continue }
            facts.append(f)
        }
        fallbackFacts = []
    }

    /// `return a.b` (`returned_name`) or `return f(...)` (`returned_call`, the callee as written) in a
    /// function; kept when the function has no return annotation.
    mutating func returnFact(_ r: Range<Int>, line: Int) {
        let v = stripGrouping(r)
        guard !v.isEmpty else { return }
        if isPlainDotted(v) {
            fallbackFacts.append(TypeFact(scope: scope.qualifiedName, target: "return", expression: text(v.lowerBound, v.upperBound),
                                          origin: .returnedName, file: path, line: line))
        } else if let open = wholeCallCallee(v), isPlainDotted(v.lowerBound..<open) {
            fallbackFacts.append(TypeFact(scope: scope.qualifiedName, target: "return", expression: text(v.lowerBound, open),
                                          origin: .returnedCall, file: path, line: line))
        }
    }

    /// A dotted name that is not `self` alone.
    func isPlainDotted(_ r: Range<Int>) -> Bool {
        isDottedName(r) && !(r.count == 1 && isName(r.lowerBound, "self"))
    }

    /// The scope and target of a fact on `r`: a name of this function, or `self.x` on its class.
    mutating func factPlace(_ r: Range<Int>) -> (scope: String, target: String)? {
        let here = scope
        if r.count == 1, t[r.lowerBound].kind == .name, t[r.lowerBound].kw == .none {
            return (here.qualifiedName, tokenText(r.lowerBound))
        }
        if r.count == 3, !here.selfName.isEmpty, t[r.lowerBound].kind == .name, tokenText(r.lowerBound) == here.selfName,
           t[r.lowerBound + 1].isOp(.dot), t[r.lowerBound + 2].kind == .name, t[r.lowerBound + 2].kw == .none
        {
            return (here.classQualifiedName, text(r.lowerBound, r.upperBound))
        }
        return nil
    }

    /// The facts of one assignment target in a function beyond the statement-level ones:
    /// - `a, b, self.c = f(...)`: for each target, `f()[k]`, the k-th element of what `f` returns;
    /// - `x = A(...) if c else B`: a fact for each branch (kept whatever else names `x`);
    /// - `x = a.b[i]`: `a.b[i]`; `x = [Foo(...) for ...]`: `[Foo()]`; `x = [a, b]`: `[a, b]`;
    ///   `x = {k: a, k2: b}`: `{a, b}`;
    /// - any other value that is neither a call nor a dotted name: `?` (bound here, type unknown), so
    ///   that `x` is not taken for a module-level name nor `self.x` for an inherited attribute.
    mutating func assignmentFallbackFacts(target: Range<Int>, value v: Range<Int>, line: Int) {
        let elements = tupleElements(target)
        if elements.count > 1 {
            guard let open = wholeCallCallee(v), isPlainDotted(v.lowerBound..<open) else { return }
            let callee = text(v.lowerBound, open)
            for (k, element) in elements.enumerated() {
                guard let p = factPlace(element) else { continue }
                fallbackFacts.append(TypeFact(scope: p.scope, target: p.target, expression: "\(callee)()[\(k)]",
                                              origin: .assignedName, file: path, line: line))
            }
            return
        }
        guard let p = factPlace(target) else { return }
        func add(_ expression: String, _ origin: TypeFact.Origin = .assignedName) {
            fallbackFacts.append(TypeFact(scope: p.scope, target: p.target, expression: expression, origin: origin, file: path, line: line))
        }
        if let (a, b) = conditionalBranches(v) {
            for branch in [a, b] where !(branch.count == 1 && t[branch.lowerBound].isKw(.kNone)) {
                if let open = wholeCallCallee(branch), isPlainDotted(branch.lowerBound..<open) {
                    facts.append(TypeFact(scope: p.scope, target: p.target, expression: text(branch.lowerBound, open),
                                          origin: .assignedCall, file: path, line: line))
                } else if isPlainDotted(branch) {
                    facts.append(TypeFact(scope: p.scope, target: p.target, expression: text(branch.lowerBound, branch.upperBound),
                                          origin: .assignedName, file: path, line: line))
                }
            }
        } else if wholeCallCallee(v) != nil || isPlainDotted(v) {
            return   // the statement-level facts
        } else if isSubscriptOfDotted(v) {
            add(text(v.lowerBound, v.upperBound))
        } else if let element = comprehensionElement(v) {
            add("[\(element)()]")
        } else if let values = literalNames(v) {
            let (open, close) = t[v.lowerBound].isOp(.lbrace) ? ("{", "}") : ("[", "]")
            add(open + values.joined(separator: ", ") + close)
        } else {
            add("?")
        }
    }

    /// The elements of a tuple or list target (`a, b`, `(a, *b)`, `[a, b]`); one element otherwise.
    func tupleElements(_ r: Range<Int>) -> [Range<Int>] {
        var lo = r.lowerBound, hi = r.upperBound
        if hi - lo >= 2, t[lo].isOp(.lpar) || t[lo].isOp(.lsqb), Int(m[lo]) == hi - 1 { lo += 1; hi -= 1 }
        let parts = arguments(lo, hi).map(\.range)
        return parts.count > 1 ? parts : [r]
    }

    /// `A if c else B` at the top level of `v`: the ranges of A and B.
    func conditionalBranches(_ v: Range<Int>) -> (Range<Int>, Range<Int>)? {
        guard !t[v.lowerBound].isKw(.kLambda) else { return nil }
        var k = v.lowerBound
        var ifAt: Int? = nil
        var lambdas = 0
        while k < v.upperBound {
            let tok = t[k]
            if tok.kind == .op {
                if tok.isOp(.lpar) || tok.isOp(.lsqb) || tok.isOp(.lbrace), m[k] > k, Int(m[k]) < v.upperBound { k = Int(m[k]) }
                else if tok.isOp(.colon), lambdas > 0 { lambdas -= 1 }
            } else if tok.isKw(.kLambda) {
                lambdas += 1
            } else if lambdas == 0, tok.isKw(.kIf), ifAt == nil {
                ifAt = k
            } else if lambdas == 0, tok.isKw(.kElse), let i = ifAt {
                let a = stripGrouping(v.lowerBound..<i)
                let b = stripGrouping((k + 1)..<v.upperBound)
                return a.isEmpty || b.isEmpty ? nil : (a, b)
            } else if tok.kind == .fstringStart, m[k] > k, Int(m[k]) < v.upperBound {
                k = Int(m[k])
            }
            k += 1
        }
        return nil
    }

    /// `a.b[i]`: one subscript, without brackets or slices inside, on a dotted name.
    func isSubscriptOfDotted(_ v: Range<Int>) -> Bool {
        let last = v.upperBound - 1
        guard last > v.lowerBound, t[last].isOp(.rsqb) else { return false }
        let open = Int(m[last])
        guard open > v.lowerBound, open < last, isPlainDotted(v.lowerBound..<open) else { return false }
        for k in (open + 1)..<last where t[k].kind == .op && (t[k].isOp(.lsqb) || t[k].isOp(.rsqb) || t[k].isOp(.colon)) {
            return false
        }
        return true
    }

    /// `[Callee(...) for ...]`: the callee, as written.
    mutating func comprehensionElement(_ v: Range<Int>) -> String? {
        guard v.count > 2, t[v.lowerBound].isOp(.lsqb), Int(m[v.lowerBound]) == v.upperBound - 1 else { return nil }
        var k = v.lowerBound + 1
        while k < v.upperBound - 1, !t[k].isKw(.kFor) {
            if t[k].kind == .op, t[k].isOp(.lpar) || t[k].isOp(.lsqb) || t[k].isOp(.lbrace), m[k] > k { k = Int(m[k]) }
            k += 1
        }
        guard k < v.upperBound - 1 else { return nil }
        let element = (v.lowerBound + 1)..<k
        guard let open = wholeCallCallee(element), isPlainDotted(element.lowerBound..<open) else { return nil }
        return text(element.lowerBound, open)
    }

    /// `[a, b.c]` or `{k: a, k2: b}` whose elements (values) are all dotted names: those names.
    mutating func literalNames(_ v: Range<Int>) -> [String]? {
        guard v.count > 2, t[v.lowerBound].isOp(.lsqb) || t[v.lowerBound].isOp(.lbrace), Int(m[v.lowerBound]) == v.upperBound - 1
        else { return nil }
        let isDict = t[v.lowerBound].isOp(.lbrace)
        var names: [String] = []
        for (item, keyword) in arguments(v.lowerBound + 1, v.upperBound - 1) {
            guard !keyword else { return nil }
            var value = item
            if isDict {
                var k = item.lowerBound
                var colon: Int? = nil
                while k < item.upperBound {
                    if t[k].kind == .op, t[k].isOp(.lpar) || t[k].isOp(.lsqb) || t[k].isOp(.lbrace), m[k] > k { k = Int(m[k]) }
                    else if t[k].isOp(.colon) { colon = k }
                    k += 1
                }
                guard let c = colon else { return nil }
                value = (c + 1)..<item.upperBound
            }
            guard isPlainDotted(value) else { return nil }
            names.append(text(value.lowerBound, value.upperBound))
        }
        return names.isEmpty ? nil : names
    }

    /// The arguments of a call that passes a plain string literal (op names, method names); empty for
    /// other calls, which the call graph reads nothing from. Parentheses around an argument are dropped.
    mutating func callArguments(_ args: [(range: Range<Int>, keyword: Bool)]) -> [CallArgument] {
        func value(_ r: Range<Int>, _ keyword: Bool) -> (label: String, value: Range<Int>) {
            if t[r.lowerBound].isOp(.doubleStar) { return ("**", stripGrouping((r.lowerBound + 1)..<r.upperBound)) }
            if t[r.lowerBound].isOp(.star) { return ("*", stripGrouping((r.lowerBound + 1)..<r.upperBound)) }
            if keyword { return (tokenText(r.lowerBound), stripGrouping((r.lowerBound + 2)..<r.upperBound)) }
            return ("", stripGrouping(r))
        }
        var parts: [(label: String, value: Range<Int>, string: String?)] = []
        var any = false
        for (r, keyword) in args {
            let (label, v) = value(r, keyword)
            let string = v.count == 1 && t[v.lowerBound].kind == .string ? literalString(v.lowerBound) : nil
            if string != nil { any = true }
            parts.append((label, v, string))
        }
        guard any else { return [] }
        return parts.map { CallArgument(label: $0.label, text: text($0.value.lowerBound, $0.value.upperBound), string: $0.string) }
    }

    /// `r` without grouping parentheses: `(("a"))` -> `"a"`, but a tuple `(a, b)` or a generator
    /// `(x for x in y)` keeps its own.
    func stripGrouping(_ r: Range<Int>) -> Range<Int> {
        var v = r
        while v.count > 2, t[v.lowerBound].isOp(.lpar), Int(m[v.lowerBound]) == v.upperBound - 1 {
            let inner = (v.lowerBound + 1)..<(v.upperBound - 1)
            let parts = arguments(inner.lowerBound, inner.upperBound)
            if parts.count != 1 || parts[0].range != inner { break }   // a tuple or a generator
            if let last = inner.last, t[last].isOp(.comma) { break }
            var k = inner.lowerBound
            var generator = false
            while k < inner.upperBound, !generator {
                if t[k].kind == .op, t[k].isOp(.lpar) || t[k].isOp(.lsqb) || t[k].isOp(.lbrace), m[k] > k { k = Int(m[k]) }
                else if t[k].isKw(.kFor) { generator = true }
                k += 1
            }
            if generator { break }
            v = inner
        }
        return v
    }

    /// The value of string literal token `k` with Python's escapes decoded; nil for bytes, for an
    /// unterminated literal and for `\N{...}` escapes (named characters are not decoded).
    func literalString(_ k: Int) -> String? {
        let tok = t[k]
        var s = Int(tok.start)
        let e = Int(tok.end)
        var raw = false
        while s < e && src[s] != 34 && src[s] != 39 {
            let c = src[s] | 0x20
            if c == 98 || c == 102 { return nil }   // bytes, f-strings
            if c == 114 { raw = true }
            s += 1
        }
        guard s < e else { return nil }
        let q = src[s]
        let quoteLength = (s + 2 < e && src[s + 1] == q && src[s + 2] == q && e - s >= 6) ? 3 : 1
        let cs = s + quoteLength, ce = e - quoteLength
        guard ce >= cs, (0..<quoteLength).allSatisfy({ src[e - 1 - $0] == q }) else { return nil }
        var bytes: [UInt8] = []
        var scalars: [Unicode.Scalar] = []
        func flush() {
            guard !bytes.isEmpty else { return }
            scalars.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars)
            bytes.removeAll()
        }
        func hex(_ from: Int, _ count: Int) -> UInt32? {
            guard from + count <= ce else { return nil }
            var v: UInt32 = 0
            for j in from..<(from + count) {
                let c = src[j]
                let d: UInt32
                switch c {
                case 48...57: d = UInt32(c - 48)
                case 97...102: d = UInt32(c - 87)
                case 65...70: d = UInt32(c - 55)
                default: return nil
                }
                v = v * 16 + d
            }
            return v
        }
        var p = cs
        while p < ce {
            let c = src[p]
            if c == 13 {   // universal newlines
                bytes.append(10)
                p += (p + 1 < ce && src[p + 1] == 10) ? 2 : 1
                continue
            }
            guard c == 92, !raw, p + 1 < ce else { bytes.append(c); p += 1; continue }
            let d = src[p + 1]
            var scalar: UInt32? = nil
            var width = 2
            switch d {
            case 10: width = 2
            case 13: width = (p + 2 < ce && src[p + 2] == 10) ? 3 : 2
            case 92, 39, 34: bytes.append(d)
            case 97: bytes.append(7)
            case 98: bytes.append(8)
            case 102: bytes.append(12)
            case 110: bytes.append(10)
            case 114: bytes.append(13)
            case 116: bytes.append(9)
            case 118: bytes.append(11)
            case 48...55:
                var v: UInt32 = 0
                var n = 0
                while n < 3, p + 1 + n < ce, (48...55).contains(src[p + 1 + n]) { v = v * 8 + UInt32(src[p + 1 + n] - 48); n += 1 }
                scalar = v
                width = 1 + n
            case 120: guard let v = hex(p + 2, 2) else { return nil }; scalar = v; width = 4
            case 117: guard let v = hex(p + 2, 4) else { return nil }; scalar = v; width = 6
            case 85: guard let v = hex(p + 2, 8) else { return nil }; scalar = v; width = 10
            case 78: return nil
            default: bytes.append(c); bytes.append(d)
            }
            if let v = scalar {
                guard let u = Unicode.Scalar(v) else { return nil }
                flush()
                scalars.append(u)
            }
            p += width
        }
        flush()
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out)
    }
}
