import Foundation
import IndexModel
import PythonIndexer
import XCTest

/// Compares the classes and functions the indexer finds in a real vLLM release with CPython's `ast`
/// (Tests/PythonIndexerTests/ast_oracle.py): same qualified names, kinds, first and last lines.
final class DifferentialTests: XCTestCase {
    func testMatchesAstOn062() throws { try compareWithAst(version: "0.6.2") }
    func testMatchesAstOn0330() throws { try compareWithAst(version: "0.33.0") }
    func testCallSitesMatchAstOn062() throws { try compareCallsWithAst(version: "0.6.2") }
    func testCallSitesMatchAstOn0330() throws { try compareCallsWithAst(version: "0.33.0") }

    /// Every call site: caller, exact range, callee text (whitespace removed) and positional count.
    func compareCallsWithAst(version: String) throws {
        let root = try vllmRelease(version)
        let oracle = packageRoot.appendingPathComponent("Tests/PythonIndexerTests/ast_oracle.py").path
        let output = String(decoding: try runProcess("python3", [oracle, "--calls", root.path]), as: UTF8.self)
        var expected: [String: Int] = [:]
        var unparsable = Set<String>()
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3 && fields[1] == "!error" { unparsable.insert(String(fields[0])) } else {
                expected[String(line), default: 0] += 1
            }
        }
        let indexer = PythonIndexer()
        var actual: [String: Int] = [:]
        for path in pythonFiles(under: root) where !unparsable.contains(path) {
            let repoPath = RepoPath(path)
            let index = indexer.index(source: try readBytes(root.appendingPathComponent(path)), path: repoPath,
                                      moduleName: PythonIndexer.moduleName(for: repoPath))
            for c in index.calls {
                let r = c.range
                let callee = c.callee.filter { !$0.isWhitespace }
                let line = "\(path)\tcall\t\(c.caller)\t\(r.start.line):\(r.start.column)-\(r.end.line):\(r.end.column)"
                    + "\t\(callee)\t\(c.argumentCount)"
                actual[line, default: 0] += 1
            }
        }
        var missing: [String] = [], extra: [String] = []
        var identical = 0
        for (line, n) in expected {
            let a = actual[line] ?? 0
            identical += min(a, n)
            if n > a { missing += Array(repeating: line, count: n - a) }
        }
        for (line, n) in actual where n > (expected[line] ?? 0) {
            extra += Array(repeating: line, count: n - (expected[line] ?? 0))
        }
        let total = expected.values.reduce(0, +)
        print("vLLM \(version): \(identical)/\(total) call sites identical to ast, \(missing.count) missing, "
              + "\(extra.count) extra")
        if !missing.isEmpty || !extra.isEmpty {
            let listing = (missing.sorted().prefix(40).map { "  ast only:  \($0)" }
                           + extra.sorted().prefix(40).map { "  ours only: \($0)" }).joined(separator: "\n")
            XCTFail("vLLM \(version): \(missing.count) call sites missing, \(extra.count) extra:\n\(listing)")
        }
    }

    func compareWithAst(version: String) throws {
        let root = try vllmRelease(version)
        let oracle = packageRoot.appendingPathComponent("Tests/PythonIndexerTests/ast_oracle.py").path
        let output = String(decoding: try runProcess("python3", [oracle, root.path]), as: UTF8.self)
        var expected = Set<String>()
        var unparsable: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3 && fields[1] == "!error" {
                unparsable[String(fields[0])] = String(fields[2])
            } else {
                expected.insert(String(line))
            }
        }
        let indexer = PythonIndexer()
        var actual = Set<String>()
        let files = pythonFiles(under: root)
        XCTAssertGreaterThan(files.count, 100, "no Python files under \(root.path)")
        for path in files where unparsable[path] == nil {
            let source = try readBytes(root.appendingPathComponent(path))
            let repoPath = RepoPath(path)
            let index = indexer.index(source: source, path: repoPath, moduleName: PythonIndexer.moduleName(for: repoPath))
            for s in index.symbols where s.kind == .class || s.kind == .function || s.kind == .method {
                actual.insert("\(path)\t\(s.kind.rawValue)\t\(s.qualifiedName)\t\(s.range.start.line)\t\(s.range.end.line)")
            }
        }
        let missing = expected.subtracting(actual).sorted()
        let extra = actual.subtracting(expected).sorted()
        let identical = expected.intersection(actual).count
        print("vLLM \(version): \(identical)/\(expected.count) definitions identical to ast, \(missing.count) missing, "
              + "\(extra.count) extra; \(files.count) files, \(unparsable.count) unparsable by python3's ast")
        for (path, message) in unparsable.sorted(by: { $0.key < $1.key }) { print("  unparsable by ast: \(path): \(message)") }
        if !missing.isEmpty || !extra.isEmpty {
            let listing = (missing.prefix(40).map { "  ast only:  \($0)" } + extra.prefix(40).map { "  ours only: \($0)" })
                .joined(separator: "\n")
            XCTFail("vLLM \(version): \(missing.count) definitions missing, \(extra.count) extra:\n\(listing)")
        }
    }
}
