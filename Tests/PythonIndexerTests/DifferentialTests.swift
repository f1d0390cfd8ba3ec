import Foundation
import IndexModel
import PythonIndexer
import XCTest

/// Compares what the indexer finds in a real vLLM release with CPython's `ast`, as printed by
/// Tests/PythonIndexerTests/ast_oracle.py, in five categories:
/// - definitions: every class / function / method with its qualified name, kind, first and last line
///   and first and end column;
/// - call sites: caller, exact range, callee text (whitespace removed), positional argument count, and
///   for calls passing a plain string literal their arguments (label, string value or text);
/// - imports: scope, module, level, name, alias, line, conditional;
/// - variables: module- and class-level assigned names and named lambdas (qualified name, kind, line);
/// - type facts: parameter / return annotations and name or `self.x` assignments (origin, scope,
///   target, expression, line), and the function-body facts (returns of unannotated functions, tuple
///   targets, subscripts, conditionals, comprehensions, literals of names, "bound, type unknown").
/// Files the running python3 cannot parse are counted and listed, not compared.
final class DifferentialTests: XCTestCase {
    func testMatchesAstOn062() throws { try compareWithAst(version: "0.6.2") }
    func testMatchesAstOn0330() throws { try compareWithAst(version: "0.33.0") }

    static let categories = ["definitions", "call sites", "imports", "variables", "type facts"]

    static func category(ofKind kind: Substring) -> String {
        switch kind {
        case "class", "function", "method": return "definitions"
        case "call": return "call sites"
        case "import": return "imports"
        case "fact": return "type facts"
        default: return "variables"
        }
    }

    /// Our index of one file, in the oracle's line format.
    static func render(_ path: String, _ index: FileIndex) -> [String] {
        var lines: [String] = []
        for s in index.symbols {
            let r = s.range
            switch s.kind {
            case .class, .function, .method:
                lines.append("\(path)\t\(s.kind)\t\(s.qualifiedName)\t\(r.start.line)\t\(r.end.line)"
                             + "\t\(r.start.column)-\(r.end.column)")
            case .variable, .lambda:
                lines.append("\(path)\t\(s.kind)\t\(s.qualifiedName)\t\(s.nameRange?.start.line ?? 0)")
            default: break
            }
        }
        // Attribute reads are not calls (the oracle lists calls only).
        for c in index.calls where c.kind != .attribute {
            let r = c.range
            var line = "\(path)\tcall\t\(c.caller)\t\(r.start.line):\(r.start.column)-\(r.end.line):\(r.end.column)"
                + "\t\(c.callee.filter { !$0.isWhitespace })\t\(c.argumentCount)"
            if !c.arguments.isEmpty {
                line += "\t" + c.arguments.map { a in
                    a.label + "=" + (a.string.map { "str:" + Self.escaped($0) } ?? a.text.filter { !$0.isWhitespace })
                }.joined(separator: "|")
            }
            lines.append(line)
        }
        for i in index.imports {
            lines.append("\(path)\timport\t\(i.scope)\t\(i.module)\t\(i.level)\t\(i.name)\t\(i.alias)\t\(i.line)"
                         + "\t\(i.conditional ? 1 : 0)")
        }
        for f in index.typeFacts {
            lines.append("\(path)\tfact\t\(f.origin.rawValue)\t\(f.scope)\t\(f.target)"
                         + "\t\(f.expression.filter { !$0.isWhitespace })\t\(f.line)")
        }
        return lines
    }

    /// Backslash, tab, newline and carriage return escaped, as the oracle prints string values.
    static func escaped(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    func compareWithAst(version: String) throws {
        let root = try vllmRelease(version)
        let oracle = packageRoot.appendingPathComponent("Tests/PythonIndexerTests/ast_oracle.py").path
        let oracleRun = try startProcess("python3", [oracle, "--all", root.path])
        let files = pythonFiles(under: root)
        XCTAssertGreaterThan(files.count, 100, "no Python files under \(root.path)")
        let indexer = PythonIndexer()
        var ours: [String: [String]] = [:]
        for path in files {
            let repoPath = RepoPath(path)
            let index = indexer.index(source: try readBytes(root.appendingPathComponent(path)), path: repoPath,
                                      moduleName: PythonIndexer.moduleName(for: repoPath))
            ours[path] = Self.render(path, index)
        }
        let (status, data) = oracleRun()
        XCTAssertEqual(status, 0, "ast_oracle.py failed")
        let output = String(decoding: data, as: UTF8.self)
        var expected: [String: Int] = [:]
        var unparsable: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3 && fields[1] == "!error" {
                unparsable[String(fields[0])] = String(fields[2])
            } else {
                expected[String(line), default: 0] += 1
            }
        }
        var actual: [String: Int] = [:]
        for (path, lines) in ours where unparsable[path] == nil {
            for line in lines { actual[line, default: 0] += 1 }
        }
        // Multiset difference, per category.
        var total: [String: Int] = [:], identical: [String: Int] = [:]
        var missing: [String: [String]] = [:], extra: [String: [String]] = [:]
        func category(_ line: String) -> String {
            Self.category(ofKind: line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)[1])
        }
        for (line, n) in expected {
            let c = category(line), a = actual[line] ?? 0
            total[c, default: 0] += n
            identical[c, default: 0] += min(a, n)
            if n > a { missing[c, default: []] += Array(repeating: line, count: n - a) }
        }
        for (line, n) in actual where n > (expected[line] ?? 0) {
            extra[category(line), default: []] += Array(repeating: line, count: n - (expected[line] ?? 0))
        }
        print("vLLM \(version): \(files.count) files, \(unparsable.count) unparsable by python3's ast")
        for (path, message) in unparsable.sorted(by: { $0.key < $1.key }) { print("  unparsable by ast: \(path): \(message)") }
        for c in Self.categories {
            let m = missing[c] ?? [], e = extra[c] ?? []
            print("vLLM \(version): \(identical[c] ?? 0)/\(total[c] ?? 0) \(c) identical to ast, \(m.count) missing, \(e.count) extra")
            XCTAssertGreaterThan(total[c] ?? 0, 0, "the oracle printed no \(c)")
            if !m.isEmpty || !e.isEmpty {
                let listing = (m.sorted().prefix(40).map { "  ast only:  \($0)" } + e.sorted().prefix(40).map { "  ours only: \($0)" })
                    .joined(separator: "\n")
                XCTFail("vLLM \(version): \(m.count) \(c) missing, \(e.count) extra:\n\(listing)")
            }
        }
    }
}
