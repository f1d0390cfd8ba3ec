// Checks a rendered site the way a reader would meet it: every page well-formed (a strict subset of
// HTML: every element closed explicitly and in order, attributes quoted and not repeated, `&` and `<`
// escaped in text), every internal link and anchor resolving, ids unique, no resource fetched from
// the network, and every URL of the search index leading to a page. Public so the pipeline can run it
// over the real site.

import Dispatch
import Foundation

/// One thing wrong with a rendered site.
public struct SiteProblem: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The page does not parse under the checker's strict rules.
        case malformed
        /// A link to a file the site does not have.
        case brokenLink
        /// A link to an `#anchor` the target page does not have.
        case missingAnchor
        /// Two elements share an id.
        case duplicateID
        /// A script, style sheet or image loaded from outside the site.
        case externalResource
        /// A `javascript:`, `vbscript:` or `data:` link (a note body should never carry one).
        case unsafeURL
    }
    public var kind: Kind
    /// The page, relative to the site root.
    public var page: String
    /// 1-based line in the page (0 when not about a place).
    public var line: Int
    public var message: String
    public var description: String { "\(page):\(line): \(kind.rawValue): \(message)" }
}

/// What `checkSite` looked at and found.
public struct SiteCheckReport: Sendable, CustomStringConvertible {
    public var pagesChecked: Int
    /// Internal links (and anchors) followed.
    public var linksChecked: Int
    /// Links to other sites (allowed in note text; never for scripts, styles or images).
    public var externalLinks: Int
    public var problems: [SiteProblem]

    /// A summary line, then one line per problem.
    public var description: String {
        (["\(pagesChecked) pages, \(linksChecked) internal links, \(externalLinks) external, \(problems.count) problems"]
            + problems.map(\.description)).joined(separator: "\n")
    }
}

/// Checks every `.html` page below `root`, and `assets/search-index.js` when there is one.
public func checkSite(at root: URL) throws -> SiteCheckReport {
    let rootPath = root.standardizedFileURL.path
    guard let walker = FileManager.default.enumerator(atPath: rootPath) else {
        throw SiteWriteError(path: rootPath, message: "cannot list the site")
    }
    var allFiles = Set<String>()
    var pages: [String] = []
    for case let relative as String in walker {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: rootPath + "/" + relative, isDirectory: &isDirectory),
              !isDirectory.boolValue else { continue }
        allFiles.insert(relative)
        if relative.hasSuffix(".html") { pages.append(relative) }
    }
    pages.sort()

    final class Parsed: @unchecked Sendable {
        var pages: [ParsedPage?]
        init(_ n: Int) { pages = Array(repeating: nil, count: n) }
    }
    let parsed = Parsed(pages.count)
    parsed.pages.withUnsafeMutableBufferPointer { buffer in
        nonisolated(unsafe) let out = buffer
        let list = pages
        DispatchQueue.concurrentPerform(iterations: list.count) { i in
            let bytes = readFile(rootPath + "/" + list[i]) ?? []
            out[i] = HTMLChecker.parse(bytes, page: list[i])
        }
    }
    var idsByPage: [String: Set<String>] = [:]
    var problems: [SiteProblem] = []
    for (i, page) in pages.enumerated() {
        guard let p = parsed.pages[i] else { continue }
        idsByPage[page] = p.ids
        problems += p.problems
    }
    var linksChecked = 0
    var external = 0
    func follow(_ url: String, from page: String, line: Int, resource: Bool) {
        if url.isEmpty { return }
        if url.hasPrefix(SiteLinks.rootToken) {
            problems.append(SiteProblem(kind: .brokenLink, page: page, line: line,
                                        message: "\(url): a root token left unreplaced (trusted HTML outside a page?)"))
            return
        }
        if hasScheme(url) {
            let scheme = url.prefix { $0 != ":" }.lowercased().filter { !$0.isWhitespace }
            if ["javascript", "vbscript", "data"].contains(scheme) {
                problems.append(SiteProblem(kind: .unsafeURL, page: page, line: line, message: "link to \(url.prefix(60))"))
                return
            }
            external += 1
            if resource {
                problems.append(SiteProblem(kind: .externalResource, page: page, line: line, message: "loads \(url)"))
            }
            return
        }
        linksChecked += 1
        var target = url
        var fragment: String? = nil
        if let hash = target.firstIndex(of: "#") {
            fragment = percentDecode(String(target[target.index(after: hash)...]))
            target = String(target[..<hash])
        }
        if let q = target.firstIndex(of: "?") { target = String(target[..<q]) }
        var resolved: String
        if target.isEmpty {
            resolved = page
        } else {
            guard let decoded = resolve(percentDecode(target), from: page) else {
                problems.append(SiteProblem(kind: .brokenLink, page: page, line: line, message: "\(url) leaves the site"))
                return
            }
            resolved = decoded
            if resolved.isEmpty || resolved.hasSuffix("/") { resolved += "index.html" }
            guard allFiles.contains(resolved) else {
                problems.append(SiteProblem(kind: .brokenLink, page: page, line: line,
                                            message: "\(url) -> \(resolved) does not exist"))
                return
            }
        }
        if let fragment, !fragment.isEmpty, resolved.hasSuffix(".html") {
            if !(idsByPage[resolved]?.contains(fragment) ?? false) {
                problems.append(SiteProblem(kind: .missingAnchor, page: page, line: line,
                                            message: "\(url): \(resolved) has no id \"\(fragment)\""))
            }
        }
    }
    for (i, page) in pages.enumerated() {
        guard let p = parsed.pages[i] else { continue }
        for l in p.links { follow(l.url, from: page, line: l.line, resource: l.resource) }
        for ref in p.idReferences where !p.ids.contains(ref.id) {
            problems.append(SiteProblem(kind: .missingAnchor, page: page, line: ref.line,
                                        message: "\(ref.attribute)=\"\(ref.id)\" names no element of the page"))
        }
    }
    // The search index: its URLs are relative to the site root.
    if let bytes = readFile(rootPath + "/assets/search-index.js") {
        let text = String(decoding: bytes, as: UTF8.self)
        if let eq = text.firstIndex(of: "="), let json = text[text.index(after: eq)...].split(separator: ";", omittingEmptySubsequences: false).dropLast().joined(separator: ";").data(using: .utf8) {
            if let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
               let items = object["items"] as? [[String]]
            {
                for item in items where item.count >= 4 {
                    follow(item[3], from: "index.html", line: 0, resource: false)
                }
            } else {
                problems.append(SiteProblem(kind: .malformed, page: "assets/search-index.js", line: 0,
                                            message: "not a JSON object with items after the ="))
            }
        }
    }
    problems.sort { ($0.page, $0.line, $0.message) < ($1.page, $1.line, $1.message) }
    return SiteCheckReport(pagesChecked: pages.count, linksChecked: linksChecked, externalLinks: external,
                           problems: problems)
}

private func hasScheme(_ url: String) -> Bool {
    var sawLetter = false
    for ch in url.unicodeScalars {
        if ch == ":" { return sawLetter }
        if ch.properties.isASCIIHexDigit || ("a"..."z").contains(ch) || ("A"..."Z").contains(ch)
            || ch == "+" || ch == "-" || ch == "."
        {
            sawLetter = true
            continue
        }
        return false
    }
    return false
}

/// `target` (decoded) relative to the folder of `page`; nil when it climbs above the root.
private func resolve(_ target: String, from page: String) -> String? {
    var parts = page.split(separator: "/", omittingEmptySubsequences: false).dropLast().map(String.init)
    let trailingSlash = target.hasSuffix("/")
    for piece in target.split(separator: "/", omittingEmptySubsequences: true) {
        if piece == "." { continue }
        if piece == ".." {
            if parts.isEmpty { return nil }
            parts.removeLast()
        } else {
            parts.append(String(piece))
        }
    }
    return parts.joined(separator: "/") + (trailingSlash ? "/" : "")
}

func percentDecode(_ s: String) -> String {
    var out: [UInt8] = []
    let bytes = Array(s.utf8)
    var i = 0
    func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
            out.append(h << 4 | l)
            i += 3
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// What the checker keeps of one page.
struct ParsedPage: Sendable {
    struct Link: Sendable {
        let url: String
        let line: Int
        /// Loaded by the browser on its own (script, style sheet, image), not followed by a click.
        let resource: Bool
    }
    struct IDReference: Sendable {
        let attribute: String
        let id: String
        let line: Int
    }
    var ids: Set<String> = []
    var links: [Link] = []
    var idReferences: [IDReference] = []
    var problems: [SiteProblem] = []
}

/// A strict HTML tokenizer, enough for pages this renderer and cmark-gfm write.
enum HTMLChecker {
    static let rawText: Set<String> = ["script", "style"]
    static let escapableRawText: Set<String> = ["title", "textarea"]

    static func parse(_ b: [UInt8], page: String) -> ParsedPage {
        var result = ParsedPage()
        var stack: [String] = []
        var i = 0
        var line = 1
        let n = b.count
        func problem(_ message: String, at l: Int? = nil) {
            if result.problems.count < 50 {
                result.problems.append(SiteProblem(kind: .malformed, page: page, line: l ?? line, message: message))
            }
        }
        func advance(to j: Int) {
            while i < j {
                if b[i] == 0x0A { line += 1 }
                i += 1
            }
        }
        func find(_ needle: String, from start: Int, caseInsensitive: Bool = false) -> Int? {
            let nd = Array(needle.utf8)
            var j = start
            while j + nd.count <= n {
                var k = 0
                while k < nd.count {
                    var c = b[j + k]
                    if caseInsensitive && c >= 65 && c <= 90 { c += 32 }
                    if c != nd[k] { break }
                    k += 1
                }
                if k == nd.count { return j }
                j += 1
            }
            return nil
        }
        func isNameByte(_ c: UInt8) -> Bool {
            (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 45 || c == 58 || c == 95
        }
        func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 12 || c == 13 }
        /// Checks `&` uses in text or an attribute value in b[from..<to].
        func checkEntities(_ from: Int, _ to: Int) {
            var j = from
            while j < to {
                if b[j] == UInt8(ascii: "&") {
                    var k = j + 1
                    if k < to && b[k] == UInt8(ascii: "#") {
                        k += 1
                        if k < to && (b[k] == UInt8(ascii: "x") || b[k] == UInt8(ascii: "X")) { k += 1 }
                    }
                    let start = k
                    while k < to && isNameByte(b[k]) && b[k] != 58 && b[k] != 45 { k += 1 }
                    if k == start || k >= to || b[k] != UInt8(ascii: ";") {
                        problem("unescaped & in text or attribute")
                        return
                    }
                    j = k
                }
                j += 1
            }
        }
        func inForeign() -> Bool { stack.contains("svg") || stack.contains("math") }

        while i < n {
            let c = b[i]
            if c != UInt8(ascii: "<") {
                // Text up to the next tag.
                var j = i
                while j < n && b[j] != UInt8(ascii: "<") { j += 1 }
                checkEntities(i, j)
                if let bad = b[i..<j].first(where: { $0 == UInt8(ascii: ">") }) { _ = bad }  // `>` in text is allowed
                advance(to: j)
                continue
            }
            // Comment, doctype.
            if i + 3 < n && b[i + 1] == UInt8(ascii: "!") && b[i + 2] == UInt8(ascii: "-") && b[i + 3] == UInt8(ascii: "-") {
                guard let end = find("-->", from: i + 4) else { problem("unclosed comment"); advance(to: n); break }
                advance(to: end + 3)
                continue
            }
            if i + 1 < n && b[i + 1] == UInt8(ascii: "!") {
                guard let end = find(">", from: i) else { problem("unclosed doctype"); advance(to: n); break }
                let text = String(decoding: b[i..<end], as: UTF8.self).lowercased()
                if !text.hasPrefix("<!doctype html") { problem("unexpected markup declaration") }
                advance(to: end + 1)
                continue
            }
            // End tag.
            if i + 1 < n && b[i + 1] == UInt8(ascii: "/") {
                var j = i + 2
                while j < n && isNameByte(b[j]) { j += 1 }
                let name = String(decoding: b[(i + 2)..<j], as: UTF8.self).lowercased()
                while j < n && isSpace(b[j]) { j += 1 }
                guard !name.isEmpty, j < n, b[j] == UInt8(ascii: ">") else {
                    problem("bad end tag")
                    advance(to: i + 1)
                    continue
                }
                if let top = stack.last, top == name {
                    stack.removeLast()
                } else {
                    problem("</\(name)> closes <\(stack.last ?? "nothing")>")
                    if let k = stack.lastIndex(of: name) { stack.removeSubrange(k...) }
                }
                advance(to: j + 1)
                continue
            }
            // Start tag.
            var j = i + 1
            while j < n && isNameByte(b[j]) { j += 1 }
            if j == i + 1 {
                problem("unescaped < in text")
                advance(to: i + 1)
                continue
            }
            let tagLine = line
            let name = String(decoding: b[(i + 1)..<j], as: UTF8.self).lowercased()
            var attributes: [(String, String)] = []
            var selfClosing = false
            var closed = false
            while j < n {
                while j < n && isSpace(b[j]) { j += 1 }
                if j >= n { break }
                if b[j] == UInt8(ascii: ">") { closed = true; j += 1; break }
                if b[j] == UInt8(ascii: "/") && j + 1 < n && b[j + 1] == UInt8(ascii: ">") {
                    selfClosing = true
                    closed = true
                    j += 2
                    break
                }
                let nameStart = j
                while j < n && !isSpace(b[j]) && b[j] != UInt8(ascii: "=") && b[j] != UInt8(ascii: ">")
                    && b[j] != UInt8(ascii: "/") && b[j] != UInt8(ascii: "\"") && b[j] != UInt8(ascii: "'") { j += 1 }
                if j == nameStart { problem("bad attribute in <\(name)>"); j += 1; continue }
                let attrName = String(decoding: b[nameStart..<j], as: UTF8.self)
                var value = ""
                if j < n && b[j] == UInt8(ascii: "=") {
                    j += 1
                    if j < n && (b[j] == UInt8(ascii: "\"") || b[j] == UInt8(ascii: "'")) {
                        let quote = b[j]
                        var k = j + 1
                        while k < n && b[k] != quote { k += 1 }
                        if k >= n { problem("unclosed attribute value in <\(name)>"); j = n; break }
                        checkEntities(j + 1, k)
                        value = decodeEntities(String(decoding: b[(j + 1)..<k], as: UTF8.self))
                        j = k + 1
                    } else {
                        problem("unquoted value of \(attrName) in <\(name)>")
                        let k = j
                        while j < n && !isSpace(b[j]) && b[j] != UInt8(ascii: ">") { j += 1 }
                        value = String(decoding: b[k..<j], as: UTF8.self)
                    }
                }
                if attributes.contains(where: { $0.0.lowercased() == attrName.lowercased() }) {
                    problem("attribute \(attrName) repeated in <\(name)>")
                }
                attributes.append((attrName, value))
            }
            if !closed { problem("unclosed <\(name)> tag"); advance(to: n); break }
            advance(to: j)
            // What the checker collects.
            for (attrName, value) in attributes {
                switch attrName.lowercased() {
                case "id":
                    if !result.ids.insert(value).inserted {
                        result.problems.append(SiteProblem(kind: .duplicateID, page: page, line: tagLine,
                                                           message: "id \"\(value)\" used twice"))
                    }
                case "href", "xlink:href":
                    if name != "base" {
                        result.links.append(.init(url: value, line: tagLine, resource: name == "link" || name == "image" || name == "use"))
                    }
                case "src":
                    result.links.append(.init(url: value, line: tagLine, resource: true))
                case "aria-describedby", "aria-controls", "aria-labelledby", "for":
                    for id in value.split(separator: " ") {
                        result.idReferences.append(.init(attribute: attrName, id: String(id), line: tagLine))
                    }
                default:
                    break
                }
            }
            if voidElements.contains(name) { continue }
            if selfClosing {
                if !inForeign() && name != "svg" && name != "math" { problem("<\(name)/> is not a void element") }
                continue
            }
            if rawText.contains(name) || escapableRawText.contains(name) {
                guard let end = find("</" + name, from: j, caseInsensitive: true) else {
                    problem("unclosed <\(name)>")
                    advance(to: n)
                    break
                }
                if escapableRawText.contains(name) { checkEntities(j, end) }
                advance(to: end)
                stack.append(name)
                continue
            }
            stack.append(name)
        }
        if !stack.isEmpty { problem("unclosed elements at the end: " + stack.joined(separator: " > ")) }
        return result
    }

    static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var rest = Substring(s)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            rest = rest[amp...]
            guard let semi = rest.firstIndex(of: ";") else { break }
            let name = rest[rest.index(after: rest.startIndex)..<semi]
            switch name {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "#39", "apos": out += "'"
            default:
                if name.hasPrefix("#x") || name.hasPrefix("#X"), let v = UInt32(name.dropFirst(2), radix: 16), let u = Unicode.Scalar(v) {
                    out.unicodeScalars.append(u)
                } else if name.hasPrefix("#"), let v = UInt32(name.dropFirst()), let u = Unicode.Scalar(v) {
                    out.unicodeScalars.append(u)
                } else {
                    out += rest[...semi]
                }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}
