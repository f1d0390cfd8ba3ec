// The only file that sees cmark-gfm. It parses a note body, rewrites `[[...]]` links into link nodes,
// renders HTML, frees every C object and returns Swift values: no pointer leaves this file.
internal import CCmarkGFM
import Foundation

/// A `[[...]]` link written in a note body.
public struct WikiLink: Hashable, Codable, Sendable {
    /// What is between the brackets before any `|` (`vllm.core.scheduler.Scheduler.schedule`, `note:pa-v1`).
    public var target: String
    /// The text after `|`, if any.
    public var label: String?
    public init(target: String, label: String? = nil) {
        self.target = target
        self.label = label
    }
    /// The note id for `[[note:ID]]` links, nil for symbol links.
    public var noteID: NoteID? {
        target.hasPrefix("note:") ? NoteID(String(target.dropFirst(5)).trimmingCharacters(in: " ")) : nil
    }
    /// What the rendered link shows.
    public var text: String { label ?? (noteID.map(\.rawValue) ?? target) }
}

/// Options for rendering a note body.
public struct MarkdownOptions: Hashable, Sendable {
    /// Pass raw HTML through (still tag-filtered). Off by default: raw HTML becomes an HTML comment.
    public var allowRawHTML: Bool
    public init(allowRawHTML: Bool = false) { self.allowRawHTML = allowRawHTML }
}

/// A rendered note body.
public struct RenderedMarkdown: Hashable, Sendable {
    /// The HTML fragment.
    public var html: String
    /// Every `[[...]]` link outside code, in document order.
    public var links: [WikiLink]
    /// The 1-based line (of the Markdown given) where the tree first nests deeper than
    /// `MarkdownRenderer.maxNesting`; then `html` is the text itself, escaped, in a `<pre>`, and
    /// `links` is empty. Nil for every ordinary body.
    public var tooDeepAtLine: Int? = nil
}

/// GitHub-flavoured Markdown (tables, strikethrough, autolinks, task lists, footnotes, tag filter)
/// through cmark-gfm, with `[[...]]` links and `$...$` math kept verbatim.
public enum MarkdownRenderer {
    /// How deep the Markdown tree may nest (every level counts: block quotes, list items, emphasis,
    /// links). cmark-gfm parses any depth without recursion, but pages nested thousands deep help no
    /// reader and strain browsers; written notes stay under 15. A body beyond it is shown as text.
    public static let maxNesting = 100

    /// The 1-based line where `markdown` nests deeper than `maxNesting`, or nil (see
    /// `RenderedMarkdown.tooDeepAtLine`); parses without rendering.
    public static func nestingProblem(in markdown: String) -> Int? {
        CommonMarkConverter.tooDeepLine(MathProtector.protect(markdown).0)
    }

    /// Renders `markdown`. `resolve` turns a link into a URL; links it returns nil for stay as text.
    public static func render(_ markdown: String, options: MarkdownOptions = .init(),
                              resolve: (WikiLink) -> String? = { _ in nil }) -> RenderedMarkdown
    {
        let (protected, math) = MathProtector.protect(markdown)
        var links: [WikiLink] = []
        let (rendered, tooDeep) = CommonMarkConverter.render(protected, unsafe: options.allowRawHTML) { link in
            links.append(link)
            return resolve(link)
        }
        let html = MathProtector.restore(rendered, math)
        return RenderedMarkdown(html: html, links: links, tooDeepAtLine: tooDeep)
    }

    /// The `[[...]]` links of `markdown` (outside code spans and blocks), in order.
    public static func links(in markdown: String) -> [WikiLink] { render(markdown).links }
}

/// Splits `[[a|b]]` text into plain text and links.
enum WikiLinkScanner {
    enum Piece: Equatable {
        case text(String)
        case link(WikiLink)
    }

    static func scan(_ s: String) -> [Piece] {
        var pieces: [Piece] = []
        var rest = s[...]
        while let open = rest.range(of: "[[") {
            guard let close = rest[open.upperBound...].range(of: "]]") else { break }
            let inner = rest[open.upperBound..<close.lowerBound]
            if inner.isEmpty || inner.contains("\n") || inner.contains("[") {
                pieces.append(.text(String(rest[..<open.upperBound])))
                rest = rest[open.upperBound...]
                continue
            }
            if open.lowerBound > rest.startIndex { pieces.append(.text(String(rest[..<open.lowerBound]))) }
            let parts = inner.split(separator: "|", maxSplits: 1)
            let target = String(parts[0]).trimmingCharacters(in: " ")
            let label = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: " ") : nil
            pieces.append(.link(WikiLink(target: target, label: label)))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        return pieces
    }
}

/// Replaces `$...$` / `$$...$$` math with inert placeholders before parsing and puts the escaped
/// original back after rendering, so Markdown never touches the math.
enum MathProtector {
    static let marker = "MARGINALIAMATH"

    static func protect(_ text: String) -> (String, [String]) {
        var out = ""
        var math: [String] = []
        var inFence = false
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if i > 0 { out += "\n" }
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { inFence.toggle(); out += line; continue }
            if inFence { out += line; continue }
            let chars = Array(line)
            var k = 0
            while k < chars.count {
                let c = chars[k]
                if c == "`" {
                    // Skip a code span.
                    var n = 0
                    while k + n < chars.count, chars[k + n] == "`" { n += 1 }
                    let fence = String(repeating: "`", count: n)
                    let restStr = String(chars[(k + n)...])
                    if let end = restStr.range(of: fence) {
                        let len = restStr.distance(from: restStr.startIndex, to: end.upperBound)
                        out += String(chars[k..<(k + n + len)])
                        k += n + len
                    } else {
                        out += fence
                        k += n
                    }
                    continue
                }
                if c == "\\", k + 1 < chars.count { out.append(c); out.append(chars[k + 1]); k += 2; continue }
                if c == "$" {
                    let double = k + 1 < chars.count && chars[k + 1] == "$"
                    let d = double ? 2 : 1
                    var j = k + d
                    var found = -1
                    while j < chars.count {
                        if chars[j] == "\\" { j += 2; continue }
                        if chars[j] == "$", !double || (j + 1 < chars.count && chars[j + 1] == "$") { found = j; break }
                        j += 1
                    }
                    if found > k + d, double || (chars[k + 1] != " " && chars[found - 1] != " ") {
                        math.append(String(chars[k..<(found + d)]))
                        out += marker + String(math.count - 1) + "X"
                        k = found + d
                        continue
                    }
                }
                out.append(c)
                k += 1
            }
        }
        return (out, math)
    }

    static func restore(_ html: String, _ math: [String]) -> String {
        guard !math.isEmpty else { return html }
        var out = html
        for (i, m) in math.enumerated().reversed() {
            out = out.replacingOccurrences(of: marker + String(i) + "X", with: escape(m))
        }
        return out
    }

    static func escape(_ s: String) -> String {
        var o = ""
        for c in s {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            default: o.append(c)
            }
        }
        return o
    }
}

/// Parses with cmark-gfm, rewrites wiki links, renders, frees.
enum CommonMarkConverter {
    /// cmark's string node kinds we touch. Do not make these public.
    fileprivate enum Kind {
        static let text = CMARK_NODE_TEXT
        static let link = CMARK_NODE_LINK
        static let code = CMARK_NODE_CODE
        static let codeBlock = CMARK_NODE_CODE_BLOCK
        static let htmlInline = CMARK_NODE_HTML_INLINE
    }

    static let extensionNames = ["table", "strikethrough", "autolink", "tasklist", "tagfilter"]

    /// Parses `markdown` (with the GFM extensions) and hands the document to `body`; frees
    /// parser and tree afterwards.
    static func withDocument<R>(_ markdown: String, options: Int32,
                                _ body: (_ document: OpaquePointer?, _ parser: OpaquePointer) -> R) -> R? {
        cmark_gfm_core_extensions_ensure_registered()
        guard let parser = cmark_parser_new(options) else { return nil }
        defer { cmark_parser_free(parser) }
        for name in extensionNames {
            if let ext = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, ext) }
        }
        markdown.withCString { cmark_parser_feed(parser, $0, strlen($0)) }
        let document = cmark_parser_finish(parser)
        defer { if let document { cmark_node_free(document) } }
        return body(document, parser)
    }

    /// Parses, checks the depth, rewrites wiki links, renders; a tree deeper than
    /// `MarkdownRenderer.maxNesting` is not rendered: the text is returned escaped in a `<pre>`,
    /// with the line where it got too deep.
    static func render(_ markdown: String, unsafe: Bool, resolve: (WikiLink) -> String?) -> (html: String, tooDeepAtLine: Int?) {
        var options = CMARK_OPT_FOOTNOTES | CMARK_OPT_GITHUB_PRE_LANG
        if unsafe { options |= CMARK_OPT_UNSAFE }
        let result: (String, Int?)? = withDocument(markdown, options: options) { document, parser in
            guard let document else { return ("", nil) }
            if let line = deepestLine(document, limit: MarkdownRenderer.maxNesting) {
                return ("<pre>" + MathProtector.escape(markdown) + "</pre>\n", line)
            }
            rewriteLinks(in: document, resolve: resolve)
            guard let cString = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else {
                return ("", nil)
            }
            defer { free(cString) }
            return (String(cString: cString), nil)
        }
        return result ?? ("", nil)
    }

    /// See `MarkdownRenderer.nestingProblem(in:)`.
    static func tooDeepLine(_ markdown: String) -> Int? {
        withDocument(markdown, options: CMARK_OPT_FOOTNOTES) { document, _ in
            document.flatMap { deepestLine($0, limit: MarkdownRenderer.maxNesting) }
        } ?? nil
    }

    /// The start line of the first node nested more than `limit` levels below `root`, or nil.
    /// Walks with parent/sibling links, no recursion and no stack: the tree can be any depth.
    static func deepestLine(_ root: OpaquePointer, limit: Int) -> Int? {
        var node = root
        var depth = 0
        while true {
            if let child = cmark_node_first_child(node) {
                node = child
                depth += 1
                if depth > limit {
                    // Containers report their own start line; inline nodes report 0, so climb to one that knows.
                    var n: OpaquePointer? = node
                    while let m = n, cmark_node_get_start_line(m) <= 0 { n = cmark_node_parent(m) }
                    return max(1, n.map { Int(cmark_node_get_start_line($0)) } ?? 1)
                }
                continue
            }
            while node != root, cmark_node_next(node) == nil {
                guard let parent = cmark_node_parent(node) else { return nil }
                node = parent
                depth -= 1
            }
            guard node != root, let next = cmark_node_next(node) else { return nil }
            node = next
        }
    }

    /// Walks the tree depth first in document order on an explicit stack (a note can nest
    /// thousands deep); in each container, merges runs of adjacent text nodes (cmark splits text at
    /// brackets) and replaces `[[...]]` inside them with link nodes. Links, code spans and code
    /// blocks are not entered.
    static func rewriteLinks(in document: OpaquePointer, resolve: (WikiLink) -> String?) {
        func entered(_ node: OpaquePointer) -> Bool {
            let type = cmark_node_get_type(node)
            return type != Kind.link && type != Kind.code && type != Kind.codeBlock
        }
        guard entered(document) else { return }
        // For each open container, the next child to look at.
        var stack: [OpaquePointer?] = [cmark_node_first_child(document)]
        while let top = stack.last {
            guard let current = top else {
                stack.removeLast()
                continue
            }
            if cmark_node_get_type(current) != Kind.text {
                stack[stack.count - 1] = cmark_node_next(current)
                if entered(current) { stack.append(cmark_node_first_child(current)) }
                continue
            }
            // Collect the run of text siblings.
            var run: [OpaquePointer] = []
            var cursor: OpaquePointer? = current
            var text = ""
            while let t = cursor, cmark_node_get_type(t) == Kind.text {
                run.append(t)
                text += cmark_node_get_literal(t).map { String(cString: $0) } ?? ""
                cursor = cmark_node_next(t)
            }
            stack[stack.count - 1] = cursor
            let pieces = WikiLinkScanner.scan(text)
            guard pieces.contains(where: { if case .link = $0 { return true } else { return false } }) else { continue }
            for piece in pieces {
                switch piece {
                case let .text(s):
                    cmark_node_insert_before(run[0], textNode(s))
                case let .link(link):
                    if let url = resolve(link), let l = cmark_node_new(Kind.link) {
                        cmark_node_set_url(l, url)
                        cmark_node_set_title(l, link.target)
                        cmark_node_append_child(l, textNode(link.text))
                        cmark_node_insert_before(run[0], l)
                    } else {
                        cmark_node_insert_before(run[0], textNode("[[" + link.target + (link.label.map { "|" + $0 } ?? "") + "]]"))
                    }
                }
            }
            for t in run {
                cmark_node_unlink(t)
                cmark_node_free(t)
            }
        }
    }

    static func textNode(_ s: String) -> OpaquePointer? {
        guard let n = cmark_node_new(Kind.text) else { return nil }
        cmark_node_set_literal(n, s)
        return n
    }
}
