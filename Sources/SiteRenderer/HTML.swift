// HTML as values. Escaping is decided by the constructor (as in Plot): `.text` and attribute values
// are always escaped; `.trusted` (a `TrustedHTML`) is the one way raw markup gets in. Pages are built
// as `Node` trees, except the hot loop of a source page, which writes straight into an `HTMLBuffer`
// through the same escaping functions.

import Foundation

/// An attribute. Names are fixed by the renderer (never user data); values are escaped on output.
struct Attribute {
    let name: String
    let value: String
    init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
    static func cls(_ value: String) -> Attribute { Attribute("class", value) }
    static func id(_ value: String) -> Attribute { Attribute("id", value) }
    static func href(_ link: Href) -> Attribute { Attribute("href", link.value) }
    static func data(_ name: String, _ value: String) -> Attribute { Attribute("data-" + name, value) }
}

/// A URL the renderer made: relative and percent-encoded (see `SitePath`). Only link code makes them,
/// so no `javascript:` or external URL can slip into an `href`.
struct Href: Hashable {
    let value: String
    fileprivate init(verbatim value: String) { self.value = value }
    /// A fragment on the same page (`#L12`).
    static func fragment(_ anchor: String) -> Href { Href(verbatim: "#" + percentEncode(anchor)) }
    /// Made by `SitePath.relative(from:)` only.
    static func relative(_ encoded: String) -> Href { Href(verbatim: encoded) }
    func with(fragment anchor: String) -> Href { Href(verbatim: value + "#" + percentEncode(anchor)) }
}

/// One piece of a page.
indirect enum Node {
    case element(String, [Attribute], [Node])
    case text(String)
    case trusted(TrustedHTML)
    case group([Node])
    /// Markup the renderer already wrote through `HTMLBuffer` (escaped there); internal only.
    case rendered([UInt8])

    static let empty = Node.group([])
}

/// An element with children.
func el(_ name: String, _ attributes: [Attribute] = [], _ children: [Node] = []) -> Node {
    .element(name, attributes, children)
}

/// An element holding only text.
func el(_ name: String, _ attributes: [Attribute] = [], text: String) -> Node {
    .element(name, attributes, [.text(text)])
}

/// A link.
func link(_ href: Href, _ text: String, _ attributes: [Attribute] = []) -> Node {
    .element("a", [.href(href)] + attributes, [.text(text)])
}

/// Elements that have no end tag.
let voidElements: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                                 "source", "track", "wbr"]

/// A growing UTF-8 page.
struct HTMLBuffer {
    var bytes: [UInt8] = []
    /// The page's way back to the site root, put in place of `SiteLinks.rootToken` in trusted HTML.
    var rootPrefix: String = ""

    init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

    /// Markup the renderer wrote itself (tag names, fixed class names); never user data.
    mutating func markup(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Markup made of renderer-chosen pieces (e.g. a tag name from a `Node`).
    mutating func markup(name: String) { bytes.append(contentsOf: name.utf8) }

    /// A decimal number (line numbers).
    mutating func number(_ n: Int) {
        if n < 0 { bytes.append(UInt8(ascii: "-")); number(-n); return }
        if n >= 10 { number(n / 10) }
        bytes.append(UInt8(ascii: "0") + UInt8(n % 10))
    }

    /// Text, escaped (valid in both text and quoted attribute values).
    mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { escapeBytes($0) }
    }

    /// Raw file bytes as text: escaped, invalid UTF-8 and control characters replaced by U+FFFD.
    mutating func escapeBytes(_ src: UnsafeBufferPointer<UInt8>) {
        var i = 0
        let n = src.count
        while i < n {
            let b = src[i]
            if b < 0x80 {
                switch b {
                case UInt8(ascii: "&"): append("&amp;")
                case UInt8(ascii: "<"): append("&lt;")
                case UInt8(ascii: ">"): append("&gt;")
                case UInt8(ascii: "\""): append("&quot;")
                case UInt8(ascii: "'"): append("&#39;")
                case 0x09, 0x0A, 0x0C: bytes.append(b)
                case 0x0D: break  // CR of CRLF line ends (a line is one element already)
                case 0..<0x20, 0x7F: appendReplacement()
                default: bytes.append(b)
                }
                i += 1
                continue
            }
            let len = utf8SequenceLength(src, i)
            if len == 0 {
                appendReplacement()
                i += 1
            } else {
                // C1 controls (U+0080...U+009F) are parse errors in HTML.
                if len == 2 && b == 0xC2 && src[i + 1] < 0xA0 {
                    appendReplacement()
                } else {
                    for k in 0..<len { bytes.append(src[i + k]) }
                }
                i += len
            }
        }
    }

    mutating func escapeBytes(_ slice: ArraySlice<UInt8>) {
        slice.withUnsafeBufferPointer { escapeBytes($0) }
    }

    @inline(__always) private mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func appendReplacement() { bytes.append(contentsOf: [0xEF, 0xBF, 0xBD]) }

    /// Trusted markup, verbatim, except that links into the site get this page's root prefix.
    mutating func trusted(_ html: TrustedHTML) {
        if html.html.contains(SiteLinks.rootToken) {
            bytes.append(contentsOf: html.html.replacingOccurrences(of: SiteLinks.rootToken, with: rootPrefix).utf8)
        } else {
            bytes.append(contentsOf: html.html.utf8)
        }
    }

    /// Writes a node tree.
    mutating func write(_ node: Node) {
        switch node {
        case .text(let s):
            text(s)
        case .trusted(let html):
            trusted(html)
        case .group(let children):
            for child in children { write(child) }
        case .rendered(let markup):
            bytes.append(contentsOf: markup)
        case .element(let name, let attributes, let children):
            bytes.append(UInt8(ascii: "<"))
            markup(name: name)
            for attribute in attributes {
                bytes.append(UInt8(ascii: " "))
                markup(name: attribute.name)
                append("=\"")
                text(attribute.value)
                bytes.append(UInt8(ascii: "\""))
            }
            bytes.append(UInt8(ascii: ">"))
            if voidElements.contains(name) { return }
            for child in children { write(child) }
            append("</")
            markup(name: name)
            bytes.append(UInt8(ascii: ">"))
        }
    }
}

/// The length of the valid UTF-8 sequence starting at `i`, or 0 when it is not valid.
@inline(__always)
func utf8SequenceLength(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
    let b0 = s[i]
    let n = s.count
    func cont(_ k: Int) -> Bool { i + k < n && s[i + k] & 0xC0 == 0x80 }
    switch b0 {
    case 0xC2...0xDF:
        return cont(1) ? 2 : 0
    case 0xE0:
        return cont(1) && s[i + 1] >= 0xA0 && cont(2) ? 3 : 0
    case 0xE1...0xEC, 0xEE...0xEF:
        return cont(1) && cont(2) ? 3 : 0
    case 0xED:
        return cont(1) && s[i + 1] < 0xA0 && cont(2) ? 3 : 0
    case 0xF0:
        return cont(1) && s[i + 1] >= 0x90 && cont(2) && cont(3) ? 4 : 0
    case 0xF1...0xF3:
        return cont(1) && cont(2) && cont(3) ? 4 : 0
    case 0xF4:
        return cont(1) && s[i + 1] < 0x90 && cont(2) && cont(3) ? 4 : 0
    default:
        return 0
    }
}

/// Escapes text for HTML (text and quoted attribute values).
func escapeHTML(_ s: String) -> String {
    var buffer = HTMLBuffer(capacity: s.utf8.count + 16)
    buffer.text(s)
    return String(decoding: buffer.bytes, as: UTF8.self)
}

/// Renders a node tree to a string (tests and small fragments).
func renderHTML(_ node: Node) -> String {
    var buffer = HTMLBuffer()
    buffer.write(node)
    return String(decoding: buffer.bytes, as: UTF8.self)
}

/// Percent-encodes every byte outside RFC 3986's unreserved set, except `/` when `keepSlash`.
func percentEncode(_ s: String, keepSlash: Bool = false) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count)
    let hex = Array("0123456789ABCDEF".utf8)
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: "~"):
            out.append(b)
        case UInt8(ascii: "/") where keepSlash:
            out.append(b)
        default:
            out.append(UInt8(ascii: "%"))
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// Plain text of an HTML fragment (tags dropped, a few entities decoded), for the search index.
func plainText(ofHTML html: String) -> String {
    var out = ""
    var inTag = false
    var entity: String? = nil
    for ch in html {
        if inTag {
            if ch == ">" { inTag = false; out.append(" ") }
            continue
        }
        if var e = entity {
            if ch == ";" {
                switch e {
                case "amp": out.append("&")
                case "lt": out.append("<")
                case "gt": out.append(">")
                case "quot": out.append("\"")
                case "#39", "apos": out.append("'")
                default: out.append(" ")
                }
                entity = nil
            } else if e.count < 10 && (ch.isLetter || ch.isNumber || ch == "#") {
                e.append(ch)
                entity = e
            } else {
                out.append("&" + e)
                out.append(ch)
                entity = nil
            }
            continue
        }
        switch ch {
        case "<": inTag = true
        case "&": entity = ""
        default: out.append(ch)
        }
    }
    return out.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
}
