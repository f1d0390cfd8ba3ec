// A fallback for indexes that do not record `return` statements: reads them off the source lines.
import Foundation
import IndexModel

/// Type facts for `return NAME` and `return CALLEE(...)` statements of Python functions that have no
/// return annotation, read from their source lines (`lines(file)` gives a file's lines, nil when it cannot
/// be read). Functions that already have `returns`, `returnedCall` or `returnedName` facts are skipped,
/// as are the lines of nested definitions. Only a whole-statement name or call is recorded (`return a.b`,
/// `return f(x, y)` over several lines); anything else (`return a or b`, tuples) says nothing.
///
/// This lets the resolver follow unannotated factories (`self.driver_worker = self._create_worker()`,
/// whose body is `return create_worker(...)`) when the Python index does not carry these facts.
public func returnFacts(symbols: [Symbol], existing: [TypeFact], lines: (RepoPath) -> [String]?) -> [TypeFact] {
    var known = Set<String>()
    for f in existing where f.target == "return" { known.insert(f.scope) }
    var nested: [String: [ClosedRange<Int>]] = [:]
    for s in symbols where s.language == .python && (s.kind.isCallable || s.kind == .class) {
        nested[s.parent, default: []].append(s.range.lines)
    }
    var byFile: [RepoPath: [Symbol]] = [:]
    for s in symbols where s.language == .python && (s.kind == .function || s.kind == .method) && !known.contains(s.qualifiedName) {
        byFile[s.file, default: []].append(s)
    }
    var out: [TypeFact] = []
    for (file, fns) in byFile.sorted(by: { $0.key < $1.key }) {
        guard let text = lines(file) else { continue }
        for fn in fns.sorted(by: { $0.range.start < $1.range.start }) {
            let inner = nested[fn.qualifiedName] ?? []
            var n = fn.range.start.line + 1
            let last = min(fn.range.end.line, text.count)
            while n <= last {
                defer { n += 1 }
                if inner.contains(where: { $0.contains(n) }) { continue }
                let line = text[n - 1].trimmingCharacters(in: .whitespaces)
                guard line.hasPrefix("return ") else { continue }
                var expr = String(line.dropFirst(7))
                // Join continuation lines while brackets are open.
                var extra = n
                while openBrackets(expr) > 0, extra < last, extra - n < 30 {
                    extra += 1
                    expr += " " + text[extra - 1].trimmingCharacters(in: .whitespaces)
                }
                expr = stripComment(expr).trimmingCharacters(in: .whitespaces)
                if isDotted(expr) {
                    out.append(TypeFact(scope: fn.qualifiedName, target: "return", expression: expr, origin: .returnedName,
                                        file: file, line: n))
                } else if let callee = wholeCallCallee(expr) {
                    out.append(TypeFact(scope: fn.qualifiedName, target: "return", expression: callee, origin: .returnedCall,
                                        file: file, line: n))
                }
            }
        }
    }
    return out
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
