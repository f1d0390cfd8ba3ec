import Foundation
import IndexModel
import XCTest
@testable import Annotations

final class MarkdownTests: XCTestCase {
    func testRawHTMLIsInertUnlessAsked() {
        let md = "Hello <script>alert(1)</script>\n\n<img src=x onerror=\"alert(2)\">\n\n<div onclick=\"x()\">block</div>\n"
        let safe = MarkdownRenderer.render(md).html
        XCTAssertFalse(safe.contains("<script"), safe)
        XCTAssertFalse(safe.contains("<img"), safe)
        XCTAssertFalse(safe.contains("onerror"), safe)
        XCTAssertFalse(safe.contains("<div"), safe)
        XCTAssertTrue(safe.contains("<!-- raw HTML omitted -->"), safe)
        let link = MarkdownRenderer.render("[x](javascript:alert(1))").html
        XCTAssertFalse(link.contains("javascript:"), link)
        // Asked for: passed through, but the tag filter still defuses <script>.
        let unsafe = MarkdownRenderer.render(md, options: .init(allowRawHTML: true)).html
        XCTAssertTrue(unsafe.contains("<img src=x onerror"), unsafe)
        XCTAssertTrue(unsafe.contains("&lt;script>"), unsafe)
    }

    func testGitHubExtensions() {
        let md = """
        | a | b |
        |:--|--:|
        | 1 | 2 |

        ~~gone~~ and https://example.com

        - [x] done
        - [ ] todo

        Text[^1].

        [^1]: The footnote.
        """
        let html = MarkdownRenderer.render(md).html
        XCTAssertTrue(html.contains("<table>") && html.contains("<td align=\"right\">2</td>"), html)
        XCTAssertTrue(html.contains("<del>gone</del>"), html)
        XCTAssertTrue(html.contains("<a href=\"https://example.com\">"), html)
        XCTAssertTrue(html.contains("type=\"checkbox\" checked=\"\" disabled=\"\""), html)
        XCTAssertTrue(html.contains("class=\"footnotes\"") && html.contains("The footnote."), html)
    }

    func testWikiLinksAndMath() {
        let md = """
        See [[vllm.core.scheduler.Scheduler.schedule|the scheduler]] and [[note:pa-v1]] and [[missing]].
        Not in code: `[[code.link]]`

        ```
        [[block.link]]
        ```

        Math $a_1 * b_2 < c$ and $$\\sum_i x_i^*$$ stay; price 5 $ and 6 $ too.
        """
        let r = MarkdownRenderer.render(md) { link in
            link.target == "missing" ? nil : "/s/\(link.noteID?.rawValue ?? link.target).html"
        }
        XCTAssertEqual(r.links, [WikiLink(target: "vllm.core.scheduler.Scheduler.schedule", label: "the scheduler"),
                                 WikiLink(target: "note:pa-v1"), WikiLink(target: "missing")])
        XCTAssertTrue(r.html.contains("<a href=\"/s/vllm.core.scheduler.Scheduler.schedule.html\" title=\"vllm.core.scheduler.Scheduler.schedule\">the scheduler</a>"), r.html)
        XCTAssertTrue(r.html.contains("<a href=\"/s/pa-v1.html\" title=\"note:pa-v1\">pa-v1</a>"), r.html)
        XCTAssertTrue(r.html.contains("[[missing]]"), r.html)
        XCTAssertTrue(r.html.contains("<code>[[code.link]]</code>"), r.html)
        XCTAssertTrue(r.html.contains("$a_1 * b_2 &lt; c$"), r.html)
        XCTAssertTrue(r.html.contains("$$\\sum_i x_i^*$$"), r.html)
        XCTAssertTrue(r.html.contains("price 5 $ and 6 $ too"), r.html)
    }

    func testUnknownSymbolLinkGetsNearMissSuggestions() {
        func sym(_ qn: String, _ file: String) -> Symbol {
            Symbol(qualifiedName: qn, name: Reanchorer.lastComponent(qn), kind: .function, language: .python,
                   file: RepoPath(file), range: SourceRange(line: 1, column: 1, endLine: 2, endColumn: 1))
        }
        let table = SymbolTable(symbols: [
            sym("vllm.core.scheduler.Scheduler.schedule", "vllm/core/scheduler.py"),
            sym("vllm.core.scheduler.Scheduler._schedule_prefills", "vllm/core/scheduler.py"),
            sym("vllm::paged_attention_v1_kernel", "csrc/a.cu"),
            sym("vllm::paged_attention_v2_kernel", "csrc/a.cu"),
            sym("a.forward", "a.py"), sym("b.forward", "b.py"),
        ])
        let resolver = LinkResolver(lookup: table, notes: ["pa-v1"])
        XCTAssertEqual(resolver.resolve(WikiLink(target: "paged_attention_v1_kernel")),
                       .symbol(LinkTarget(qualifiedName: "vllm::paged_attention_v1_kernel", file: "csrc/a.cu", line: 1, kind: .function)))
        XCTAssertEqual(resolver.resolve(WikiLink(target: "Scheduler.schedule")),
                       .symbol(LinkTarget(qualifiedName: "vllm.core.scheduler.Scheduler.schedule", file: "vllm/core/scheduler.py", line: 1, kind: .function)))
        guard case let .ambiguous(t) = resolver.resolve(WikiLink(target: "forward")) else { return XCTFail() }
        XCTAssertEqual(t.map(\.qualifiedName), ["a.forward", "b.forward"])
        XCTAssertEqual(resolver.resolve(WikiLink(target: "vllm.core.scheduler.Scheduler.scheduel")),
                       .unknown(suggestions: ["vllm.core.scheduler.Scheduler.schedule"]))
        XCTAssertEqual(resolver.resolve(WikiLink(target: "paged_attention_v3_kernel")),
                       .unknown(suggestions: ["vllm::paged_attention_v1_kernel", "vllm::paged_attention_v2_kernel"]))
        XCTAssertEqual(resolver.resolve(WikiLink(target: "note:pa-v2")), .unknown(suggestions: ["pa-v1"]))
        let note = NoteFileFormat.parse(text: "---\nid: n\ntitle: t\n---\nline one\nsee [[Scheduler.scheduel]]\n",
                                        path: "n.md", displayPath: "Annotations/n.md").note!
        let d = resolver.check(note, displayPath: "Annotations/n.md")
        XCTAssertEqual(d.count, 1)
        XCTAssertEqual(d.first?.line, 6)
        XCTAssertTrue(d.first?.message.contains("did you mean [[vllm.core.scheduler.Scheduler.schedule]]") ?? false, "\(d)")
    }
}
