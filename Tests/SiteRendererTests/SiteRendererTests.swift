import Foundation
import IndexModel
import XCTest
@testable import SiteRenderer

final class SiteRendererTests: XCTestCase {
    /// Renders the fixture into a fresh folder.
    func render(_ name: String, model: SiteModel = Fixture.model()) throws -> (URL, SiteReport) {
        let out = Fixture.temporaryDirectory(name)
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        let report = try renderSite(model: model, theme: Fixture.theme, output: out)
        return (out, report)
    }

    func page(_ root: URL, _ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    // MARK: Escaping

    func testHostileTextIsInertEverywhere() throws {
        let (out, report) = try render("escaping")
        XCTAssertGreaterThan(report.filesProduced, 20)
        let files = Fixture.snapshot(out)
        for (path, data) in files where path.hasSuffix(".html") || path.hasSuffix(".js") {
            let text = String(decoding: data, as: UTF8.self)
            for needle in ["<script>alert", "<img src=x", "onerror=alert(2)>", "\" onmouseover=\"", "</pre><script>",
                           "<div></code>", "<b>&\"c\"", "<<<launch>>>"] {
                XCTAssertFalse(text.contains(needle), "\(path) contains \(needle) unescaped")
            }
            if path.hasSuffix(".html") {
                // The only scripts are the theme's own, loaded from assets/.
                let scripts = text.components(separatedBy: "<script").count - 1
                XCTAssertEqual(scripts, 2, "\(path) has \(scripts) script tags")
            }
        }
        // The hostile text is there, escaped.
        let odd = try page(out, "src/vllm/odd/a <b> & \"c\" 'd'.py.html")
        XCTAssertTrue(odd.contains("&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), odd)
        XCTAssertTrue(odd.contains("&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; &amp; friends"))
        XCTAssertTrue(odd.contains("&lt;img src=x onerror=alert(2)&gt;"))
        XCTAssertTrue(odd.contains("caf\u{E9} \u{2028} done"))
        // The search index escapes <, > and & so it cannot end a script either.
        let index = try page(out, "assets/search-index.js")
        XCTAssertTrue(index.contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"))
        // The odd file is linked, percent-encoded, from its folder's page.
        let folder = try page(out, "src/vllm/odd/index.html")
        XCTAssertTrue(folder.contains("href=\"a%20%3Cb%3E%20%26%20%22c%22%20%27d%27.py.html\""), folder)
        XCTAssertTrue(folder.contains(">a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;.py</a>"))
        let check = try checkSite(at: out)
        XCTAssertEqual(check.problems.map(\.description), [])
    }

    func testEscapingPrimitives() {
        XCTAssertEqual(escapeHTML("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        var b = HTMLBuffer()
        b.escapeBytes([0x61, 0xFF, 0x00, 0x0D, 0x0A, 0xC3, 0xA9, 0xE2, 0x82] as ArraySlice<UInt8>)
        XCTAssertEqual(String(decoding: b.bytes, as: UTF8.self), "a\u{FFFD}\u{FFFD}\n\u{E9}\u{FFFD}\u{FFFD}")
        XCTAssertEqual(renderHTML(el("a", [.href(SitePath(["src", "a b.py.html"]).href(from: SitePath(["index.html"])))],
                                     text: "<x>")), "<a href=\"src/a%20b.py.html\">&lt;x&gt;</a>")
        XCTAssertEqual(percentEncode("a <b>&\"c\"/d", keepSlash: true), "a%20%3Cb%3E%26%22c%22/d")
        XCTAssertEqual(plainText(ofHTML: "<p>a &lt;b&gt; <em>c</em></p>"), "a <b> c")
    }

    // MARK: Links and names

    func testRelativeLinksAndStableNames() {
        let a = SitePath(["src", "vllm", "attention", "ops", "paged_attn.py.html"])
        XCTAssertEqual(SitePath(["src", "vllm", "_custom_ops.py.html"]).href(from: a).value, "../../_custom_ops.py.html")
        XCTAssertEqual(SitePath(["symbols", "vllm::k.html"]).href(from: a).value, "../../../../symbols/vllm%3A%3Ak.html")
        XCTAssertEqual(a.href(from: a).value, "paged_attn.py.html")
        XCTAssertEqual(SitePath(["index.html"]).href(from: a).value, "../../../../index.html")
        // One-to-one file names: distinct ids never share a page.
        let ids = ["a/b", "a~2Fb", "a%2Fb", ".hidden", "~2Ehidden", "x", "X", "a::b", "a.b", String(repeating: "n", count: 300),
                   String(repeating: "n", count: 301)]
        let names = ids.map { SiteLinks.fileName($0) }
        XCTAssertEqual(Set(names).count, ids.count, "\(names)")
        XCTAssertTrue(names.allSatisfy { !$0.contains("/") && !$0.hasPrefix(".") && $0.utf8.count <= 200 })
        XCTAssertEqual(SiteLinks.fileName("vllm.core.Scheduler"), "vllm.core.Scheduler")
    }

    func testLinkCheckerPassesTheFixtureAndTheOracleAgrees() throws {
        let (out, _) = try render("links")
        let report = try checkSite(at: out)
        XCTAssertEqual(report.problems.map(\.description), [])
        XCTAssertGreaterThan(report.pagesChecked, 20)
        XCTAssertGreaterThan(report.linksChecked, 200)
        XCTAssertEqual(report.externalLinks, 0)
        let (status, output) = try runPython(["Tests/SiteRendererTests/check_site.py", out.path])
        XCTAssertEqual(status, 0, output)
    }

    /// The checkers must be able to fail: break a copy of the site in four ways and count.
    func testLinkCheckerAndOracleCatchBrokenPages() throws {
        let (out, _) = try render("broken")
        let pagePath = out.appendingPathComponent("kernels.html")
        var text = try String(contentsOf: pagePath, encoding: .utf8)
        text = text.replacingOccurrences(of: "<main id=\"main\">", with: """
            <main id="main"><a href="src/nope.py.html">x</a><a href="drift.html#no-such-anchor">y</a>
            <div><span>unclosed</div><p class=x>unquoted</p> a & b <img src="https://example.com/x.png">
            <a href="JavaScript:alert(1)">z</a>
            """)
        try text.write(to: pagePath, atomically: true, encoding: .utf8)
        let kinds = try checkSite(at: out).problems.map(\.kind)
        XCTAssertTrue(kinds.contains(.brokenLink), "\(kinds)")
        XCTAssertTrue(kinds.contains(.missingAnchor))
        XCTAssertTrue(kinds.contains(.malformed))
        XCTAssertTrue(kinds.contains(.externalResource))
        XCTAssertTrue(kinds.contains(.unsafeURL))
        let (status, output) = try runPython(["Tests/SiteRendererTests/check_site.py", out.path])
        XCTAssertNotEqual(status, 0, output)
        XCTAssertTrue(output.contains("src/nope.py.html"), output)
    }

    // MARK: Determinism and incremental writes

    func testTwoRendersAreByteIdenticalAndTheSecondWritesNothing() throws {
        let (a, first) = try render("det-a")
        let (b, _) = try render("det-b")
        let sa = Fixture.snapshot(a), sb = Fixture.snapshot(b)
        XCTAssertEqual(sa.keys.sorted(), sb.keys.sorted())
        for (k, v) in sa { XCTAssertEqual(v, sb[k], k) }
        XCTAssertEqual(first.filesWritten, first.filesProduced)
        let again = try renderSite(model: Fixture.model(), theme: Fixture.theme, output: a)
        XCTAssertEqual(again.filesWritten, 0)
        XCTAssertEqual(again.filesUnchanged, first.filesProduced)
        XCTAssertEqual(again.totalBytes, sa.filter { $0.key != ".marginalia-site-manifest" }.values.reduce(0) { $0 + $1.count })
    }

    func testChangingOneNoteRewritesOnlyWhatShowsIt() throws {
        var model = Fixture.model()
        let (out, _) = try render("incremental", model: model)
        let k = model.notes.firstIndex { $0.id == "decode-path" }!
        model.notes[k].body = TrustedHTML(trusted: "<p>Edited: the wrapper checks shapes first.</p>\n")
        let report = try renderSite(model: model, theme: Fixture.theme, output: out)
        XCTAssertEqual(report.writtenPaths, [
            "assets/search-index.js",
            "notes/decode-path.html",
            "src/vllm/attention/ops/paged_attn.py.html",
            "symbols/vllm.attention.ops.paged_attn.PagedAttention.forward_decode.html",
            "symbols/vllm.attention.ops.paged_attn.PagedAttention.html",
        ])
        // Removing a note removes its page and nothing the renderer did not write.
        let keep = out.appendingPathComponent("notes/user-file.txt")
        try "mine".write(to: keep, atomically: true, encoding: .utf8)
        model.notes.removeAll { $0.id == "lost" }
        let third = try renderSite(model: model, theme: Fixture.theme, output: out)
        XCTAssertEqual(third.filesRemoved, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("notes/lost.html").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: keep.path))
    }

    // MARK: Page content

    func testLinksInNoteBodiesWorkOnEveryPageThatShowsThem() throws {
        let model = Fixture.model()
        let links = SiteLinks(model: model)
        XCTAssertEqual(links.bodyLink(toSymbol: "vllm::paged_attention_v1_kernel"),
                       "marginalia-root:/symbols/vllm%3A%3Apaged_attention_v1_kernel.html")
        XCTAssertEqual(links.bodyLink(toFile: "csrc/attention/attention_kernels.cu", line: 7),
                       "marginalia-root:/src/csrc/attention/attention_kernels.cu.html#L7")
        XCTAssertEqual(links.bodyLink(toNote: "moved/odd id"), "marginalia-root:/notes/moved~2Fodd%20id.html")
        XCTAssertNil(links.bodyLink(toSymbol: "nope"))
        let (out, _) = try render("bodylinks", model: model)
        XCTAssertTrue(try page(out, "src/vllm/attention/ops/paged_attn.py.html")
            .contains("<a href=\"../../../../symbols/vllm%3A%3Apaged_attention_v1_kernel.html\">the kernel</a>"))
        XCTAssertTrue(try page(out, "notes/decode-path.html")
            .contains("<a href=\"../symbols/vllm%3A%3Apaged_attention_v1_kernel.html\">the kernel</a>"))
        XCTAssertEqual(try checkSite(at: out).problems.map(\.description), [])
    }

    func testSourcePageHighlightsLinksAndNumbersLines() throws {
        let (out, report) = try render("source")
        let text = try page(out, "src/vllm/attention/ops/paged_attn.py.html")
        let lines = Fixture.sources[0].1.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        for l in 1...lines { XCTAssertTrue(text.contains("id=\"L\(l)\""), "L\(l)") }
        XCTAssertFalse(text.contains("id=\"L\(lines + 1)\""))
        XCTAssertTrue(text.contains("<span class=\"k\">class</span>"))
        XCTAssertTrue(text.contains("<span class=\"c\"># PagedAttention: the Python side.</span>"))
        // A call links to the definition's line in another file; the definition links to the symbol page.
        let defLine = Fixture.line("def paged_attention_v1", in: "vllm/_custom_ops.py")
        XCTAssertTrue(text.contains("<a class=\"r\" href=\"../../_custom_ops.py.html#L\(defLine)\" aria-describedby=\"d"), text)
        XCTAssertTrue(text.contains("<a class=\"r def\" href=\"../../../../symbols/vllm.attention.ops.paged_attn.PagedAttention.forward_decode.html\""))
        // The tooltip data: kind and signature, escaped.
        XCTAssertTrue(text.contains("data-kind=\"method\"><b>vllm.attention.ops.paged_attn.PagedAttention.split_kv_cache</b><i>(kv_cache, num_kv_heads, head_size) -&gt; &lt;Tuple[&quot;k&quot; &amp; &#39;v&#39;]&gt;</i>"))
        // A multi-line docstring keeps its class across lines.
        XCTAssertTrue(report.diagnostics.filter { $0.severity >= .warning }.isEmpty, "\(report.diagnostics)")
    }

    func testNotesSitBesideTheirLinesWithStatus() throws {
        let (out, _) = try render("notes")
        let pa = try page(out, "src/vllm/attention/ops/paged_attn.py.html")
        let first = Fixture.line("def forward_decode", in: "vllm/attention/ops/paged_attn.py")
        // Gutter marks on every anchored line, the note right after its last line.
        for l in first...(first + 3) { XCTAssertTrue(pa.contains("<div class=\"l anchored\" id=\"L\(l)\">"), "L\(l)") }
        XCTAssertFalse(pa.contains("<div class=\"l anchored\" id=\"L\(first + 4)\">"))
        let lastLine = pa.range(of: "id=\"L\(first + 3)\"")!
        let aside = pa.range(of: "<aside class=\"note status-exact\" id=\"note-decode-path\" data-start=\"\(first)\" data-end=\"\(first + 3)\">")!
        let nextLine = pa.range(of: "id=\"L\(first + 4)\"")!
        XCTAssertTrue(lastLine.upperBound < aside.lowerBound && aside.upperBound < nextLine.lowerBound)
        XCTAssertTrue(pa.contains("href=\"#note-decode-path\""))
        // Moved, edited and orphaned anchors say so.
        let cu = try page(out, "src/csrc/attention/attention_kernels.cu.html")
        XCTAssertTrue(cu.contains("moved from L"), cu)
        XCTAssertTrue(cu.contains("id=\"note-moved~2F~odd~20~id\""))
        XCTAssertTrue(cu.contains("id=\"note-shared-smem-2\""))
        let odd = try page(out, "src/vllm/odd/a <b> & \"c\" 'd'.py.html")
        XCTAssertTrue(odd.contains("edited from L3–3 · 71%"))
        let sched = try page(out, "src/vllm/core/scheduler.py.html")
        XCTAssertTrue(sched.contains("Notes that lost their place here"))
        XCTAssertTrue(sched.contains("last seen at lines 40–42"))
        let drift = try page(out, "drift.html")
        XCTAssertTrue(drift.contains("best candidate below threshold &lt;0.5&gt;"))
        XCTAssertTrue(drift.range(of: "orphaned")!.lowerBound < drift.range(of: "same text 2 lines lower")!.lowerBound)
    }

    func testSymbolPageShowsCallersCalleesConfidenceLaunchesAndNotes() throws {
        let (out, _) = try render("symbols")
        let k = try page(out, "symbols/vllm::paged_attention_v1_kernel.html")
        XCTAssertTrue(k.contains("Launch sites"))
        XCTAssertTrue(k.contains("&lt;&lt;&lt;grid, block, 0, 0&gt;&gt;&gt;"))
        XCTAssertTrue(k.contains("Shared memory for the reduction"))
        XCTAssertTrue(k.contains("<span class=\"conf conf-certain\" title=\"confidence 1.0\">certain 100%</span>"))
        let op = try page(out, "symbols/vllm._custom_ops.paged_attention_v1.html")
        XCTAssertTrue(op.contains("Callers (1)") && op.contains("Callees (2)"))
        XCTAssertTrue(op.contains("conf-medium") && op.contains("conf-low") && op.contains("conf-high"))
        XCTAssertTrue(op.contains("<span class=\"sym unresolved\">torch.empty &lt;external&gt;</span>"))
        XCTAssertTrue(op.contains("<code>x &lt; y &amp;&amp; z</code>"))
        // The definition excerpt is highlighted and linked like the source page, with its own tooltips.
        let decode = try page(out, "symbols/vllm.attention.ops.paged_attn.PagedAttention.forward_decode.html")
        let defLine = Fixture.line("def paged_attention_v1", in: "vllm/_custom_ops.py")
        XCTAssertTrue(decode.contains("<span class=\"k\">def</span>"), decode)
        XCTAssertTrue(decode.contains("<a class=\"r\" href=\"../src/vllm/_custom_ops.py.html#L\(defLine)\" aria-describedby=\"x"))
        XCTAssertTrue(decode.contains("<span id=\"x0\" data-kind="))
        let split = try page(out, "symbols/vllm.attention.ops.paged_attn.PagedAttention.split_kv_cache.html")
        XCTAssertTrue(split.contains("Splits &lt;k&gt; &amp; &quot;v&quot;."))
    }

    func testKernelTourHomeAndArticlePages() throws {
        let (out, _) = try render("pages")
        let kernels = try page(out, "kernels.html")
        XCTAssertTrue(kernels.contains("id=\"kernel-table\""))
        XCTAssertTrue(kernels.contains("typename scalar_t") && kernels.contains("_C.paged_attention_v1"))
        XCTAssertTrue(kernels.contains("float red_smem[2 * 4]"))
        let home = try page(out, "index.html")
        for key in KeyDirectory.roadmap { XCTAssertTrue(home.contains(key.title), key.title) }
        XCTAssertTrue(home.contains("href=\"src/csrc/cache_kernels.cu.html\""))
        XCTAssertTrue(home.contains("Not in this checkout."))
        XCTAssertTrue(home.contains("href=\"articles/paged-attention.html\""))
        let step = try page(out, "tours/decode/step-op.html")
        XCTAssertTrue(step.contains("Step 2 of 4"))
        XCTAssertTrue(step.contains("rel=\"prev\"") && step.contains("href=\"step-python.html\""))
        XCTAssertTrue(step.contains("href=\"step-kernel.html\""))
        XCTAssertTrue(step.contains("aria-current=\"step\">The custom op wrapper</li>"))
        // A step without an id is named after its note; a note on a folder shows on the folder's page.
        let last = try page(out, "tours/decode/step-core-map.html")
        XCTAssertTrue(last.contains("Step 4 of 4") && last.contains("(this step shows no code)"))
        XCTAssertTrue(last.contains("href=\"../../notes/core-map.html\""))
        let core = try page(out, "src/vllm/core/index.html")
        XCTAssertTrue(core.contains("About this folder") && core.contains("The scheduler and the block managers."))
        XCTAssertTrue(try page(out, "notes/core-map.html").contains("the folder <a href=\"../src/vllm/core/index.html\" class=\"file\">vllm/core/</a>"))
        let tour = try page(out, "tours/decode/index.html")
        XCTAssertTrue(tour.contains("<svg"))
        XCTAssertTrue(tour.contains("Graphviz was not available (no Graphviz layout was supplied)"))
    }

    func testGraphvizLayoutIsDeterministicAndFallsBack() throws {
        let model = Fixture.model()
        let links = SiteLinks(model: model)
        let dot = GraphvizLayout()
        let missing = GraphvizLayout(executable: URL(fileURLWithPath: "/nonexistent/dot"))
        XCTAssertNil(missing.executable)
        let fallback = missing.diagram(for: model.tours[0], links: links)
        XCTAssertFalse(fallback.byGraphviz)
        XCTAssertTrue(fallback.svg.html.contains("href=\"step-kernel.html\""))
        XCTAssertTrue(fallback.svg.html.contains("The kernel &lt;&lt;&lt;launch&gt;&gt;&gt; &amp; body"))
        guard dot.executable != nil else {
            XCTFail("Graphviz `dot` is not installed (scripts/setup installs graphviz)")
            return
        }
        let a = dot.diagram(for: model.tours[0], links: links)
        let b = dot.diagram(for: model.tours[0], links: links)
        XCTAssertTrue(a.byGraphviz, a.fallbackReason)
        XCTAssertEqual(a.svg, b.svg)
        XCTAssertTrue(a.svg.html.hasPrefix("<svg"))
        XCTAssertFalse(a.svg.html.contains("<!--"))
        XCTAssertTrue(a.svg.html.contains("step-kernel.html"))
        XCTAssertTrue(a.svg.html.contains("&lt;&lt;&lt;launch&gt;&gt;&gt; &amp; body"))
        // Laid out, the site still checks clean and says nothing about a fallback.
        let out = Fixture.temporaryDirectory("graphviz")
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        _ = try renderSite(model: dot.layoutTours(of: model), theme: Fixture.theme, output: out)
        XCTAssertEqual(try checkSite(at: out).problems.map(\.description), [])
        XCTAssertTrue(try page(out, "tours/decode/index.html").contains("laid out by Graphviz"))
    }

    func testThemeIsReadAtRunTimeAndChecked() throws {
        let theme = Fixture.temporaryDirectory("theme")
        addTeardownBlock { try? FileManager.default.removeItem(at: theme) }
        try FileManager.default.createDirectory(at: theme.appendingPathComponent("templates"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: theme.appendingPathComponent("assets"), withIntermediateDirectories: true)
        try "<!DOCTYPE html><html><head><title>{{title}}</title></head><body class=\"mine\">{{content}}</body></html>"
            .write(to: theme.appendingPathComponent("templates/page.html"), atomically: true, encoding: .utf8)
        try "body{color:red}".write(to: theme.appendingPathComponent("assets/extra.css"), atomically: true, encoding: .utf8)
        let out = Fixture.temporaryDirectory("theme-out")
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        _ = try renderSite(model: Fixture.model(), theme: theme, output: out)
        XCTAssertTrue(try page(out, "index.html").contains("<body class=\"mine\">"))
        XCTAssertEqual(try page(out, "assets/extra.css"), "body{color:red}")
        try "{{nonsense}}{{content}}".write(to: theme.appendingPathComponent("templates/page.html"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try renderSite(model: Fixture.model(), theme: theme, output: out)) { error in
            XCTAssertTrue("\(error)".contains("unknown slot {{nonsense}}"))
        }
    }

    func testEmptyFilesCRLFAndNoFinalNewline() throws {
        var model = Fixture.model()
        model.files += [
            SiteFile(path: "x/empty.py", bytes: []),
            SiteFile(path: "x/crlf.py", bytes: Array("a = 1\r\nb = 2\r\n".utf8),
                     tokens: [TokenSpan(start: 4, end: 5, tokenClass: .number)]),
            SiteFile(path: "x/nonl.py", bytes: Array("# one\n# two".utf8),
                     tokens: [TokenSpan(start: 0, end: 11, tokenClass: .comment)]),
        ]
        let (out, _) = try render("edges", model: model)
        let empty = try page(out, "src/x/empty.py.html")
        XCTAssertTrue(empty.contains("<div class=\"l\" id=\"L1\"><a class=\"n\" href=\"#L1\">1</a><code></code></div>"))
        XCTAssertFalse(empty.contains("id=\"L2\""))
        let crlf = try page(out, "src/x/crlf.py.html")
        XCTAssertTrue(crlf.contains("<code>a = <span class=\"m\">1</span></code></div>"), crlf)
        XCTAssertFalse(crlf.contains("\r") || crlf.contains("id=\"L3\""))
        // A comment span across a line break is closed and reopened on each line.
        let nonl = try page(out, "src/x/nonl.py.html")
        XCTAssertTrue(nonl.contains("<code><span class=\"c\"># one</span></code></div>"))
        XCTAssertTrue(nonl.contains("<code><span class=\"c\"># two</span></code></div>"))
        XCTAssertEqual(try checkSite(at: out).problems.map(\.description), [])
    }

    func testBadSpansAreSkippedWithADiagnostic() throws {
        var model = Fixture.model()
        model.files[0].tokens.append(TokenSpan(start: 2, end: 5000, tokenClass: .string))
        model.files[0].references.append(SiteReference(start: 3, end: 1, target: "nowhere"))
        let (out, report) = try render("badspans", model: model)
        XCTAssertTrue(report.diagnostics.contains { $0.message.contains("skipped 1 token spans and 1 references") })
        XCTAssertEqual(try checkSite(at: out).problems.map(\.description), [])
    }

    // MARK: Helpers

    func runPython(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = Fixture.packageRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

final class ModelConvenienceTests: XCTestCase {
    func testValuesFromTheIndex() {
        let symbol = Symbol(qualifiedName: "vllm::k", name: "k", kind: .kernel, language: .cuda, file: "a.cu",
                            range: SourceRange(line: 3, column: 1, endLine: 9, endColumn: 2), signature: "void ()", doc: "d")
        let s = SiteSymbol(symbol)
        XCTAssertEqual(s.id, "vllm::k")
        XCTAssertEqual(s.lines, 3...9)
        XCTAssertEqual(s.signature, "void ()")
        let call = CallSite(caller: "launch", callee: "k", kind: .launch, file: "a.cu",
                            range: SourceRange(line: 12, column: 3, endLine: 12, endColumn: 4), launchConfig: "g, b")
        let l = LaunchSite(call)
        XCTAssertEqual(l.launcher, "launch")
        XCTAssertEqual(l.config, "g, b")
        XCTAssertEqual(l.line, 12)
        let file = SiteFile(path: "a.py", bytes: Array("ab\ncdef\n".utf8))
        XCTAssertEqual(file.lineStarts, [0, 3])
        let r = SiteReference(range: SourceRange(line: 2, column: 2, endLine: 2, endColumn: 4), lineStarts: file.lineStarts,
                              target: "x")
        XCTAssertEqual(r.map { Array(file.bytes[$0.start..<$0.end]) }, Array("de".utf8))
        XCTAssertNil(SiteReference(range: SourceRange(line: 7, column: 1, endLine: 7, endColumn: 2),
                                   lineStarts: file.lineStarts, target: "x"))
    }
}
