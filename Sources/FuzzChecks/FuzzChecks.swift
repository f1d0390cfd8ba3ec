// What every fuzzed input must satisfy, per front end (issue 19). A crash or a hang is always a
// failure; these checks catch quieter breakage. Shared by the seeded mutation fuzzer
// (marginalia-fuzz) and the coverage-guided libFuzzer harness (marginalia-libfuzz), so both hold
// the code under test to the same rules.
import Annotations
import ClangIndexer
import Foundation
import IndexModel
import PythonIndexer

public enum FuzzChecks {
    /// The Python lexer and parser: a module symbol, and the lexer's tokens print back the input.
    public static func python(_ bytes: [UInt8], name: String) -> [String] {
        var failures: [String] = []
        let index = PythonIndexer().index(source: bytes, path: RepoPath(name), moduleName: "fuzzed")
        if index.symbols.first?.kind != .module { failures.append("no module symbol") }
        var printed: [UInt8] = []
        printed.reserveCapacity(bytes.count)
        for span in PythonIndexer.highlightTokens(bytes) { printed += bytes[span.start..<span.end] }
        if printed != bytes { failures.append("the lexer's tokens do not print back the input") }
        return failures
    }

    /// The C++ walker through libclang: each input becomes `csrc/caseK.EXT` of a scratch checkout under
    /// `scratch`, and every file gets a unit (a file libclang cannot parse is a unit with errors).
    /// Returns the failures with the index of their input.
    public static func cpp(_ inputs: [(name: String, bytes: [UInt8])], scratch: URL, workers: Int = 2) -> [(Int, String)] {
        let root = scratch.appendingPathComponent("checkout")
        try? FileManager.default.removeItem(at: root)
        try? FileManager.default.createDirectory(at: root.appendingPathComponent("csrc"), withIntermediateDirectories: true)
        var paths: [RepoPath] = []
        for (k, input) in inputs.enumerated() {
            let ext = (input.name as NSString).pathExtension
            let path = RepoPath("csrc/case\(k).\(ext.isEmpty ? "cu" : ext)")
            _ = FileManager.default.createFile(atPath: root.appendingPathComponent(path.rawValue).path, contents: Data(input.bytes))
            paths.append(path)
        }
        let indexer = ClangIndexer(checkoutRoot: root, options: .init(workers: workers, pchDirectory: scratch.appendingPathComponent("pch")))
        let result = indexer.index(files: paths)
        let seen = Set(result.units.map(\.path))
        var failures: [(Int, String)] = []
        for (k, path) in paths.enumerated() where !seen.contains(path) { failures.append((k, "no unit for \(path)")) }
        try? FileManager.default.removeItem(at: root)
        return failures
    }

    /// The note loader (front matter, YAML budget, the body's depth check): a note or a diagnostic,
    /// and every diagnostic names the file.
    public static func frontmatter(_ bytes: [UInt8], name: String) -> [String] {
        let display = "Annotations/" + name
        let parsed = NoteFileFormat.parse(text: String(decoding: bytes, as: UTF8.self), path: name, displayPath: display)
        var failures: [String] = []
        if parsed.note == nil, parsed.diagnostics.isEmpty { failures.append("no note and no diagnostic") }
        if parsed.diagnostics.contains(where: { $0.file.rawValue != display || $0.line < 0 }) {
            failures.append("a diagnostic does not name the file")
        }
        return failures
    }

    /// The Markdown converter on a note body: a body refused as too deep is shown as text.
    public static func markdown(_ bytes: [UInt8]) -> [String] {
        let r = MarkdownRenderer.render(String(decoding: bytes, as: UTF8.self)) { "/\($0.target).html" }
        if r.tooDeepAtLine != nil, !r.html.hasPrefix("<pre>") { return ["too deep but rendered"] }
        return []
    }
}
