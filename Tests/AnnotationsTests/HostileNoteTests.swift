import Foundation
import IndexModel
import XCTest
@testable import Annotations

/// Notes that used to kill `notes lint` and `site` or blow up memory (issue 19): each is reported
/// with its file and line and the other notes still load and render.
final class HostileNoteTests: XCTestCase {
    func writeNotes(_ files: [String: [UInt8]]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)/Annotations")
        for (path, bytes) in files {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        addTeardownBlock { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        return dir
    }

    let good = Array("---\nid: good\ntitle: Good\n---\nSee [[note:deep]] and *this*.\n".utf8)

    /// Ten lines of nested aliases standing for 9^10 strings.
    func laughs(id: String, extraLines: [String] = []) -> String {
        var lines = ["---", "id: \(id)", "title: Laughs", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for i in 1..<10 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]") }
        return (lines + extraLines + ["---", "body", ""]).joined(separator: "\n")
    }

    func testBlockQuoteFiftyThousandDeep() throws {
        let deep = Array("---\nid: deep\ntitle: Deep\n---\nintro\n\n".utf8) + Array(repeating: UInt8(ascii: ">"), count: 50_000)
            + Array(" [[note:good]] <b>\n".utf8)
        let dir = try writeNotes(["a/deep.md": deep, "good.md": good])
        let set = NoteDirectory(root: dir).load()
        XCTAssertEqual(set.notes.map(\.id), ["deep", "good"])
        XCTAssertEqual(set.diagnostics, [Diagnostic(
            file: "Annotations/a/deep.md", line: 7, severity: .error,
            message: "Markdown nested more than 100 levels deep: the body is shown as plain text")])
        // Rendering: the deep body as escaped text, the good one as Markdown.
        let rendered = MarkdownRenderer.render(set.notes[0].body) { _ in "/x.html" }
        XCTAssertEqual(rendered.tooDeepAtLine, 3)
        XCTAssertEqual(rendered.links, [])
        XCTAssertTrue(rendered.html.hasPrefix("<pre>intro\n\n&gt;&gt;&gt;"), String(rendered.html.prefix(40)))
        XCTAssertTrue(rendered.html.hasSuffix(" [[note:good]] &lt;b&gt;\n</pre>\n"))
        let ok = MarkdownRenderer.render(set.notes[1].body) { _ in "/deep.html" }
        XCTAssertNil(ok.tooDeepAtLine)
        XCTAssertEqual(ok.html, "<p>See <a href=\"/deep.html\" title=\"note:deep\">deep</a> and <em>this</em>.</p>\n")
        // lint reports it and exits 1; the good note is still counted.
        let lint = NotesCommands.lint(set, lookup: SymbolTable(symbols: []))
        XCTAssertEqual(lint.status, 1)
        XCTAssertTrue(lint.text.contains("Annotations/a/deep.md:7:0: error: Markdown nested more than 100"), lint.text)
        XCTAssertTrue(lint.text.hasSuffix("2 notes, 1 problems\n"), lint.text)
    }

    /// Just under the limit: rendered, and links deep inside are still found in document order
    /// (the link rewrite walks on an explicit stack).
    func testDeepButAllowedNestingKeepsLinksInOrder() {
        let body = "[[first]]\n\n" + String(repeating: "> ", count: 90) + "[[deep]] *[[inner]]*\n\n[[last]]\n"
        XCTAssertNil(MarkdownRenderer.nestingProblem(in: body))
        let r = MarkdownRenderer.render(body) { "/\($0.target).html" }
        XCTAssertNil(r.tooDeepAtLine)
        XCTAssertEqual(r.links.map(\.target), ["first", "deep", "inner", "last"])
        XCTAssertEqual(r.html.components(separatedBy: "<blockquote>").count - 1, 90)
        XCTAssertTrue(r.html.contains("<em><a href=\"/inner.html\" title=\"inner\">inner</a></em>"))
        // Emphasis nested past the limit is caught too, on its own line.
        let emphasis = "line\n" + String(repeating: "*a ", count: 150) + String(repeating: "b*", count: 150)
        XCTAssertEqual(MarkdownRenderer.nestingProblem(in: emphasis), 2)
    }

    func testBillionLaughsFailsFast() throws {
        let dir = try writeNotes([
            "lol.md": Array(laughs(id: "lol").utf8),
            // An alias as a mapping key: Yams would hash its whole expansion while composing.
            "key.md": Array(laughs(id: "key", extraLines: ["? *a9", ": x"]).utf8),
            "good.md": good,
            "tours/t.yaml": Array("id: t\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".utf8)
                + Array((1..<8).map { "a\($0): &a\($0) [" + Array(repeating: "*a\($0 - 1)", count: 10).joined(separator: ", ") + "]\n" }.joined().utf8)
                + Array("steps: [{note: good}]\n".utf8),
        ])
        let start = Date()
        let set = NoteDirectory(root: dir).load()
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertEqual(set.notes.map(\.id), ["good"])
        XCTAssertEqual(set.tours.map(\.id), [])
        let refused = "aliases expand the YAML to more than 100000 nodes"
        XCTAssertEqual(set.diagnostics.sorted { $0.file < $1.file }, [
            Diagnostic(file: "Annotations/key.md", line: 9, severity: .error, message: "front matter refused: " + refused),
            Diagnostic(file: "Annotations/lol.md", line: 9, severity: .error, message: "front matter refused: " + refused),
            Diagnostic(file: "Annotations/tours/t.yaml", line: 6, severity: .error, message: "tour refused: " + refused),
        ])
    }

    func testYAMLDepthAndOrdinaryAliases() {
        func parse(_ yaml: String) -> NoteFileFormat.Parsed {
            NoteFileFormat.parse(text: "---\n" + yaml + "---\nbody\n", path: "n.md", displayPath: "Annotations/n.md")
        }
        // A few aliases, as a person might write them, are fine.
        let ok = parse("id: n\ntitle: t\ntags: &t [a, b]\nsee_also: *t\n")
        XCTAssertEqual(ok.diagnostics, [])
        XCTAssertEqual(ok.note?.tags, ["a", "b"])
        // Nested past our limit: refused with the line; far past libyaml's: its own error, no crash.
        let deep = parse("id: n\ntitle: t\nx: " + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "\n")
        XCTAssertNil(deep.note)
        XCTAssertEqual(deep.diagnostics.map(\.line), [4])
        XCTAssertEqual(deep.diagnostics.map(\.message), ["front matter refused: YAML nested more than 64 levels deep"])
        let deeper = parse("id: n\nx: " + String(repeating: "[", count: 50_000) + "\n")
        XCTAssertNil(deeper.note)
        XCTAssertEqual(deeper.diagnostics.map(\.line), [3])
        XCTAssertTrue(deeper.diagnostics[0].message.hasPrefix("broken front matter:"), deeper.diagnostics[0].message)
    }
}
