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
}

/// GitHub-flavoured Markdown (tables, strikethrough, autolinks, task lists, footnotes, tag filter)
/// through cmark-gfm, with `[[...]]` links and `$...$` math kept verbatim.
public enum MarkdownRenderer {
    /// Renders `markdown`. `resolve` turns a link into a URL; links it returns nil for stay as text.
    public static func render(_ markdown: String, options: MarkdownOptions = .init(),
                              resolve: (WikiLink) -> String? = { _ in nil }) -> RenderedMarkdown
    {
        let (protected, math) = MathProtector.protect(markdown)
        var links: [WikiLink] = []
        var html = CommonMarkConverter.render(protected, unsafe: options.allowRawHTML) { link in
            links.append(link)
            return resolve(link)
        }
        html = MathProtector.restore(html, math)
        return RenderedMarkdown(html: html, links: links)
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

    static func render(_ markdown: String, unsafe: Bool, resolve: (WikiLink) -> String?) -> String {
        cmark_gfm_core_extensions_ensure_registered()
        var options = CMARK_OPT_FOOTNOTES | CMARK_OPT_GITHUB_PRE_LANG
        if unsafe { options |= CMARK_OPT_UNSAFE }
        guard let parser = cmark_parser_new(options) else { return "" }
        defer { cmark_parser_free(parser) }
        for name in extensionNames {
            if let ext = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, ext) }
        }
        markdown.withCString { cmark_parser_feed(parser, $0, strlen($0)) }
        guard let document = cmark_parser_finish(parser) else { return "" }
        defer { cmark_node_free(document) }
        rewriteLinks(in: document, resolve: resolve)
        guard let cString = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else { return "" }
        defer { free(cString) }
        return String(cString: cString)
    }

    /// Walks the tree depth first; in each container, merges runs of adjacent text nodes (cmark splits
    /// text at brackets) and replaces `[[...]]` inside them with link nodes.
    static func rewriteLinks(in node: OpaquePointer, resolve: (WikiLink) -> String?) {
        let type = cmark_node_get_type(node)
        if type == Kind.link || type == Kind.code || type == Kind.codeBlock { return }
        var child = cmark_node_first_child(node)
        while let current = child {
            if cmark_node_get_type(current) != Kind.text {
                rewriteLinks(in: current, resolve: resolve)
                child = cmark_node_next(current)
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
            child = cursor
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
