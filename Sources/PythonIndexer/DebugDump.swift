// A stable text form of a Python `FileIndex`, one record per line, for golden tests and debugging.
import IndexModel

extension PythonIndexer {
    /// Prints every record of `index` in the order the indexer produced it (source order), one per
    /// line, with positions as `line:column-endLine:endColumn`. Stable across runs: golden files
    /// compare these dumps. Strings are quoted with `\n`, `\t`, `"` and `\` escaped.
    public static func debugDump(_ index: FileIndex) -> String {
        var out = "file \(index.path)\n"
        for s in index.symbols {
            var line = "symbol \(s.kind) \(s.qualifiedName) \(dumpRange(s.range))"
            if let n = s.nameRange { line += " name=\(dumpRange(n))" }
            if !s.parent.isEmpty { line += " parent=\(s.parent)" }
            if !s.signature.isEmpty { line += " sig=\(quoted(s.signature))" }
            if !s.attributes.isEmpty { line += " attrs=[\(s.attributes.map(quoted).joined(separator: ", "))]" }
            if !s.bases.isEmpty { line += " bases=[\(s.bases.map(quoted).joined(separator: ", "))]" }
            if !s.doc.isEmpty { line += " doc=\(quoted(s.doc))" }
            out += line + "\n"
        }
        for c in index.calls where c.kind != .attribute {
            var line = "call \(c.caller) -> \(quoted(c.callee)) \(dumpRange(c.range)) args=\(c.argumentCount)"
            if !c.arguments.isEmpty {
                line += " arguments=[" + c.arguments.map { a in
                    (a.label.isEmpty ? "" : a.label + "=") + (a.string.map { "str:" + quoted($0) } ?? quoted(a.text))
                }.joined(separator: ", ") + "]"
            }
            out += line + "\n"
        }
        for i in index.imports {
            var line = "import scope=\(i.scope) module=\(quoted(i.module))"
            if i.level > 0 { line += " level=\(i.level)" }
            if !i.name.isEmpty { line += " name=\(i.name)" }
            if !i.alias.isEmpty { line += " as=\(i.alias)" }
            line += " line=\(i.line)"
            if i.conditional { line += " conditional" }
            out += line + "\n"
        }
        for f in index.typeFacts {
            out += "fact \(f.origin.rawValue) scope=\(f.scope) \(f.target): \(quoted(f.expression)) line=\(f.line)\n"
        }
        if !index.exports.isEmpty { out += "exports [\(index.exports.joined(separator: ", "))]\n" }
        for d in index.diagnostics { out += "diagnostic \(d.line):\(d.column) \(d.severity.rawValue) \(d.message)\n" }
        return out
    }

    private static func dumpRange(_ r: SourceRange) -> String {
        "\(r.start.line):\(r.start.column)-\(r.end.line):\(r.end.column)"
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}
