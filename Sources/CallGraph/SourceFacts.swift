// A fallback for facts the Python index does not record: `return` statements, subscript and
// tuple-unpacking assignments, `for` loop targets. Read off the source lines of each function.
import Foundation
import IndexModel

/// Type facts the Python index may lack, read from the source lines of each Python function
/// (`lines(file)` gives a file's lines, nil when it cannot be read; it is called from several threads at
/// once and must be thread-safe); lines of nested definitions are
/// skipped, and a fact already in `existing` for the same scope and target is never duplicated.
///
/// - `return NAME` / `return CALLEE(...)` (whole statement, over several lines when brackets are open)
///   in functions without a return annotation: `returnedName` / `returnedCall`. Lets the resolver follow
///   unannotated factories (`self.driver_worker = self._create_worker()`).
/// - `x = a.b[i]`: `assignedName` with the subscript kept (`a.b[i]`).
/// - `a, b, self.c = f(...)`: for each target, `assignedName` `f()[k]`, the k-th element of what `f`
///   returns (its `Tuple[...]` annotation).
/// - `for x in a.b:`: `assignedName` `a.b[*]`, an element of `a.b`.
/// - `x = [Foo(...) for ...]`: `assignedName` `[Foo()]`; `x = [a, b]`: `[a, b]`; `x = {k: a, k2: b}`: `{a, b}`
///   (a list of, or a dict with values of, those types).
///
/// - `x = A(...) if c else B`: a fact for each branch.
/// - any other `x = ...`: `assignedName` `?` (bound, type unknown), so `x` is not taken for a module-level
///   name nor `self.x` for an attribute inherited from an external base.
///
/// `self.x` targets are kept on the class, as the Python indexer does.
public func sourceFacts(symbols: [Symbol], existing: [TypeFact], lines: (RepoPath) -> [String]?) -> [TypeFact] {
    var knownBefore = Set<String>()
    for f in existing { knownBefore.insert(f.scope + "\u{1}" + f.target) }
    let known = knownBefore
    var nested: [String: [ClosedRange<Int>]] = [:]
    for s in symbols where s.language == .python && (s.kind.isCallable || s.kind == .class) {
        nested[s.parent, default: []].append(s.range.lines)
    }
    var byFile: [RepoPath: [Symbol]] = [:]
    var classOf: [String: String] = [:]
    var kinds: [String: SymbolKind] = [:]
    for s in symbols where s.language == .python { kinds[s.qualifiedName] = s.kind }
    for s in symbols where s.language == .python && (s.kind == .function || s.kind == .method) {
        byFile[s.file, default: []].append(s)
        if kinds[s.parent] == .class { classOf[s.qualifiedName] = s.parent }
    }
    // Files are independent: both cores read them, and the facts are joined in file order.
    let files = byFile.sorted(by: { $0.key < $1.key })
    var perFile = [[TypeFact]](repeating: [], count: files.count)
    let lock = NSLock()
    DispatchQueue.concurrentPerform(iterations: files.count) { index in
        let (file, fns) = files[index]
        var out: [TypeFact] = []
        // Targets bound in this file (scopes never span files): kept apart from the shared `known`,
        // which the workers only read.
        var localKnown = Set<String>()
        defer { lock.lock(); perFile[index] = out; lock.unlock() }
        func emit(_ scope: String, _ target: String, _ expr: String, _ origin: TypeFact.Origin, _ file: RepoPath, _ line: Int) {
            let key = scope + "\u{1}" + target
            if known.contains(key) || localKnown.contains(key) { return }
            out.append(TypeFact(scope: scope, target: target, expression: expr, origin: origin, file: file, line: line))
        }
        guard let text = lines(file) else { return }
        for fn in fns.sorted(by: { $0.range.start < $1.range.start }) {
            let annotatedReturn = known.contains(fn.qualifiedName + "\u{1}return")
            let inner = nested[fn.qualifiedName] ?? []
            let selfName = classOf[fn.qualifiedName] != nil && !fn.attributes.contains("staticmethod")
                ? (firstParameterName(fn.signature) ?? "") : ""
            var n = fn.range.start.line + 1
            let last = min(fn.range.end.line, text.count)
            // Names declared `global`/`nonlocal` are not this function's locals.
            var outerNames = Set<String>()
            if n <= last {
                for k in n...last where firstByte(text[k - 1]) == 103 || firstByte(text[k - 1]) == 110 {   // 'g', 'n'
                    if inner.contains(where: { $0.contains(k) }) { continue }
                    let t = text[k - 1].trimmingCharacters(in: .whitespaces)
                    for kw in ["global ", "nonlocal "] where t.hasPrefix(kw) {
                        for name in t.dropFirst(kw.count).split(separator: ",") { outerNames.insert(name.trimmingCharacters(in: .whitespaces)) }
                    }
                }
            }
            while n <= last {
                defer { n += 1 }
                if !mayCarryFact(text[n - 1]) { continue }
                if inner.contains(where: { $0.contains(n) }) { continue }
                var line = stripComment(text[n - 1]).trimmingCharacters(in: .whitespaces)
                var extra = n
                while openBrackets(line) > 0, extra < last, extra - n < 30 {
                    extra += 1
                    line += " " + stripComment(text[extra - 1]).trimmingCharacters(in: .whitespaces)
                }
                if line.hasPrefix("return "), !annotatedReturn {
                    let expr = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces)
                    if isDotted(expr) {
                        emit(fn.qualifiedName, "return", expr, .returnedName, file, n)
                    } else if let callee = wholeCallCallee(expr) {
                        emit(fn.qualifiedName, "return", callee, .returnedCall, file, n)
                    }
                    continue
                }
                if line.hasPrefix("for "), line.hasSuffix(":"), let inRange = line.range(of: " in ") {
                    let target = String(line[line.index(line.startIndex, offsetBy: 4)..<inRange.lowerBound]).trimmingCharacters(in: .whitespaces)
                    let iterable = String(line[inRange.upperBound...].dropLast()).trimmingCharacters(in: .whitespaces)
                    if isIdentifier(target), isDotted(iterable) {
                        emit(fn.qualifiedName, target, iterable + "[*]", .assignedName, file, n)
                    }
                    continue
                }
                guard let eq = assignmentEquals(line) else { continue }
                let lhs = String(line[..<eq]).trimmingCharacters(in: .whitespaces)
                var rhs = String(line[line.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
                if rhs.hasPrefix("("), rhs.hasSuffix(")"), wholeCallCallee("f" + rhs) != nil {
                    rhs = String(rhs.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)   // `x = (a if c else b)`
                }
                let targets = lhs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                func place(_ t: String) -> (scope: String, target: String)? {
                    if isIdentifier(t) { return outerNames.contains(t) ? nil : (fn.qualifiedName, t) }
                    if !selfName.isEmpty, t.hasPrefix(selfName + "."), isIdentifier(String(t.dropFirst(selfName.count + 1))),
                       let cls = classOf[fn.qualifiedName]
                    {
                        return (cls, t)
                    }
                    return nil
                }
                if targets.count > 1 {
                    guard let callee = wholeCallCallee(rhs) else { continue }
                    for (k, t) in targets.enumerated() {
                        guard let p = place(t) else { continue }
                        emit(p.scope, p.target, "\(callee)()[\(k)]", .assignedName, file, n)
                    }
                } else if targets.count == 1, let p = place(targets[0]) {
                    if let (a, b) = conditionalBranches(rhs) {
                        // `x = A(...) if c else B`: both branches.
                        for branch in [a, b] where branch != "None" {
                            if let callee = wholeCallCallee(branch) {
                                out.append(TypeFact(scope: p.scope, target: p.target, expression: callee, origin: .assignedCall, file: file, line: n))
                            } else if isDotted(branch) {
                                out.append(TypeFact(scope: p.scope, target: p.target, expression: branch, origin: .assignedName, file: file, line: n))
                            }
                        }
                        localKnown.insert(p.scope + "\u{1}" + p.target)
                    } else if isSubscriptOfDotted(rhs) {
                        emit(p.scope, p.target, rhs, .assignedName, file, n)
                    } else if let element = comprehensionCallee(rhs) {
                        emit(p.scope, p.target, "[\(element)()]", .assignedName, file, n)
                    } else if let values = literalValues(rhs) {
                        let (open, close) = rhs.hasPrefix("{") ? ("{", "}") : ("[", "]")
                        emit(p.scope, p.target, open + values.joined(separator: ", ") + close, .assignedName, file, n)
                    } else if wholeCallCallee(rhs) == nil, !isDotted(rhs) {
                        // Assigned something we cannot type: record that the name is bound here ("?"), so
                        // the resolver does not mistake it for a module-level name or an inherited attribute.
                        emit(p.scope, p.target, "?", .assignedName, file, n)
                    }
                }
            }
        }
    }
    return perFile.flatMap { $0 }
}

private func firstParameterName(_ signature: String) -> String? {
    guard let open = signature.firstIndex(of: "(") else { return nil }
    var name = ""
    for ch in signature[signature.index(after: open)...] {
        if ch == "," || ch == ")" || ch == ":" || ch == "=" || ch == " " { break }
        name.append(ch)
    }
    return name.isEmpty ? nil : name
}

private func isIdentifier(_ s: String) -> Bool { isDotted(s) && !s.contains(".") }

/// The `=` of a plain assignment statement (not `==`, `<=`, `+=`, not inside brackets), nil otherwise.
private func assignmentEquals(_ line: String) -> String.Index? {
    var depth = 0
    var quote: Character? = nil
    var prev: Character = " "
    var i = line.startIndex
    while i < line.endIndex {
        let c = line[i]
        let next = line.index(after: i) < line.endIndex ? line[line.index(after: i)] : " "
        if let q = quote {
            if c == q { quote = nil }
        } else if c == "\"" || c == "'" {
            quote = c
        } else if "([{".contains(c) {
            depth += 1
        } else if ")]}".contains(c) {
            depth -= 1
        } else if c == ":" && depth == 0 {
            return nil   // annotated assignment or a compound statement: the indexer handles those
        } else if c == "=", depth == 0, next != "=", !"=<>!+-*/%&|^@".contains(prev) {
            return i
        }
        prev = c
        i = line.index(after: i)
    }
    return nil
}

/// `a.b[i]` (one trailing subscript on a dotted name).
private func isSubscriptOfDotted(_ s: String) -> Bool {
    guard let open = s.firstIndex(of: "["), s.hasSuffix("]") else { return false }
    let inner = s[s.index(after: open)..<s.index(before: s.endIndex)]
    return isDotted(String(s[..<open])) && !inner.contains("[") && !inner.contains("]") && !inner.contains(":")
}

private func isDotted(_ s: String) -> Bool {
    guard let f = s.unicodeScalars.first, f == "_" || f.properties.isAlphabetic else { return false }
    return s.unicodeScalars.allSatisfy { $0 == "_" || $0 == "." || $0.properties.isAlphabetic || ($0.value >= 48 && $0.value <= 57) }
        && !s.hasSuffix(".") && !["None", "True", "False", "self"].contains(s)
}

/// `a.b(x, y)` -> `a.b` when the call is the whole expression.
private func wholeCallCallee(_ s: String) -> String? {
    guard let open = s.firstIndex(of: "("), s.hasSuffix(")") else { return nil }
    let callee = String(s[..<open]).trimmingCharacters(in: .whitespaces)
    guard isDotted(callee) else { return nil }
    // The parenthesis opened after the callee must close at the very end.
    var depth = 0
    var quote: Character? = nil
    var i = open
    while i < s.endIndex {
        let c = s[i]
        if let q = quote {
            if c == q { quote = nil }
        } else if c == "\"" || c == "'" {
            quote = c
        } else if c == "(" || c == "[" || c == "{" {
            depth += 1
        } else if c == ")" || c == "]" || c == "}" {
            depth -= 1
            if depth == 0 { return s.index(after: i) == s.endIndex ? callee : nil }
        }
        i = s.index(after: i)
    }
    return nil
}

private func openBrackets(_ s: String) -> Int {
    var depth = 0
    var quote: Character? = nil
    for c in s {
        if let q = quote { if c == q { quote = nil }; continue }
        if c == "#" { break }
        if c == "\"" || c == "'" { quote = c } else if "([{".contains(c) { depth += 1 } else if ")]}".contains(c) { depth -= 1 }
    }
    return depth
}

private func stripComment(_ s: String) -> String {
    var quote: Character? = nil
    var out = ""
    for c in s {
        if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == "#" { break }
        out.append(c)
    }
    return out
}

/// `[Callee(...) for ...]` -> `Callee`.
private func comprehensionCallee(_ s: String) -> String? {
    guard s.hasPrefix("["), s.hasSuffix("]") else { return nil }
    let inner = String(s.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
    guard let open = inner.firstIndex(of: "(") else { return nil }
    let callee = String(inner[..<open]).trimmingCharacters(in: .whitespaces)
    guard isDotted(callee) else { return nil }
    var depth = 0
    var i = open
    while i < inner.endIndex {
        let c = inner[i]
        if "([{".contains(c) { depth += 1 } else if ")]}".contains(c) {
            depth -= 1
            if depth == 0 {
                let rest = inner[inner.index(after: i)...].trimmingCharacters(in: .whitespaces)
                return rest.hasPrefix("for ") ? callee : nil
            }
        }
        i = inner.index(after: i)
    }
    return nil
}

/// `[a, b.c]` or `{k: a, k2: b}` whose elements (values) are all dotted names -> those names.
private func literalValues(_ s: String) -> [String]? {
    guard let f = s.first, let l = s.last, (f == "[" && l == "]") || (f == "{" && l == "}") else { return nil }
    var items: [String] = []
    for part in splitTopLevel(String(s.dropFirst().dropLast()), separator: ",") where !part.isEmpty {
        var value = part
        if f == "{" {
            guard let colon = part.lastIndex(of: ":") else { return nil }
            value = part[part.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard isDotted(value) else { return nil }
        items.append(value)
    }
    return items.isEmpty ? nil : items
}

/// `A if c else B` at the top level -> (A, B).
private func conditionalBranches(_ s: String) -> (String, String)? {
    var depth = 0
    var quote: Character? = nil
    var ifAt: String.Index? = nil
    var i = s.startIndex
    while i < s.endIndex {
        let c = s[i]
        if let q = quote {
            if c == q { quote = nil }
        } else if c == "\"" || c == "'" {
            quote = c
        } else if "([{".contains(c) {
            depth += 1
        } else if ")]}".contains(c) {
            depth -= 1
        } else if depth == 0, c == " " {
            let rest = s[i...]
            if ifAt == nil, rest.hasPrefix(" if ") {
                ifAt = i
            } else if let start = ifAt, rest.hasPrefix(" else ") {
                let a = s[..<start].trimmingCharacters(in: .whitespaces)
                let b = s[s.index(i, offsetBy: 6)...].trimmingCharacters(in: .whitespaces)
                return (a, b)
            }
        }
        i = s.index(after: i)
    }
    return nil
}

/// A cheap byte test: only lines with `=`, or starting with `return`/`for`, can carry a fact.
private func mayCarryFact(_ line: String) -> Bool {
    var sawText = false
    var first: [UInt8] = []
    for b in line.utf8 {
        if b == 61 { return true }   // '='
        if !sawText {
            if b == 32 || b == 9 { continue }
            sawText = true
        }
        if first.count < 7 { first.append(b) }
    }
    let head = String(decoding: first, as: UTF8.self)
    return head.hasPrefix("return ") || head.hasPrefix("for ")
}

/// The first byte that is not a space or tab, 0 when none.
private func firstByte(_ line: String) -> UInt8 {
    for b in line.utf8 where b != 32 && b != 9 { return b }
    return 0
}

/// Fills `CallSite.arguments` from the source for the Python calls the resolver reads registrations
/// from (`direct_register_custom_op`, `custom_op`) and method names from (`collective_rpc("m")`,
/// `_run_workers("m")`, `run_method(w, "m")`), when the index left it empty:
/// the text between the call's parentheses, from its recorded range.
public func fillRegistrationArguments(_ calls: [CallSite], lines: (RepoPath) -> [String]?) -> [CallSite] {
    let names = Set(["direct_register_custom_op", "custom_op"]).union(rpcCallNames)
    return calls.map { c in
        guard c.arguments.isEmpty, Language.of(path: c.file.rawValue) == .python,
              let last = c.callee.split(separator: ".").last, names.contains(String(last)),
              let text = lines(c.file), c.range.start.line >= 1, c.range.end.line <= text.count
        else { return c }
        var joined = ""
        for n in c.range.start.line...max(c.range.start.line, c.range.end.line) {
            var line = text[n - 1]
            if n == c.range.end.line {
                let bytes = Array(line.utf8)
                line = String(decoding: bytes.prefix(max(0, c.range.end.column)), as: UTF8.self)
            }
            if n == c.range.start.line {
                let bytes = Array(line.utf8)
                line = String(decoding: bytes.dropFirst(max(0, c.range.start.column - 1)), as: UTF8.self)
            }
            joined += stripComment(line) + " "
        }
        guard let open = joined.firstIndex(of: "("), let close = joined.lastIndex(of: ")"), open < close else { return c }
        var out = c
        out.arguments = String(joined[joined.index(after: open)..<close]).trimmingCharacters(in: .whitespacesAndNewlines)
        return out
    }
}

/// Adds what the index may lack, read from the checkout's source lines: `sourceFacts` and
/// `fillRegistrationArguments`. The pipeline calls this once before `resolve`.
public func supplementFromSource(_ input: inout GraphInput, lines: (RepoPath) -> [String]?) {
    input.typeFacts += sourceFacts(symbols: input.symbols, existing: input.typeFacts, lines: lines)
    input.calls = fillRegistrationArguments(input.calls, lines: lines)
}
