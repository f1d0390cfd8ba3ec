// Where pages live and how one page links to another. Pages are named after what they show (a file's
// repo path, a symbol's id, a note's id), never after a position in a list, so deep links survive
// regeneration. Every link is relative, so the site opens from any folder over file://.

import IndexModel

/// A page's or asset's place in the site: path components from the site root, as on disk.
public struct SitePath: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Components as file names on disk (not percent-encoded).
    public let components: [String]

    public init(_ components: [String]) { self.components = components }

    /// The path relative to the site root, with `/` separators (file-system form).
    public var description: String { components.joined(separator: "/") }

    public static func < (a: SitePath, b: SitePath) -> Bool { a.components.lexicographicallyPrecedes(b.components) }

    /// Folders between the site root and this page.
    var depth: Int { components.count - 1 }

    /// The prefix that leads from this page back to the site root ("" at the root, else "../../").
    var rootPrefix: String { String(repeating: "../", count: depth) }

    /// A relative, percent-encoded link from `page` to this path.
    func href(from page: SitePath) -> Href {
        let fromDirs = page.components.dropLast()
        let toDirs = components.dropLast()
        var common = 0
        while common < fromDirs.count && common < toDirs.count
            && fromDirs[fromDirs.startIndex + common] == toDirs[toDirs.startIndex + common]
        {
            common += 1
        }
        var s = String(repeating: "../", count: fromDirs.count - common)
        for c in components.dropFirst(common) {
            s += percentEncode(c)
            s += "/"
        }
        s.removeLast()
        return .relative(s)
    }
}

/// Pages every site has.
public enum SpecialPage: String, CaseIterable, Sendable {
    case home, files, notes, tours, kernels, drift
}

/// Decides where each page lives. The renderer asks it for every link it writes and writes no page
/// the provider has no place for; it never looks at the model to make a link (swift-docc's
/// `LinkProvider` split).
public protocol LinkProvider: Sendable {
    /// A file's source page, nil when the site has none.
    func page(forFile path: RepoPath) -> SitePath?
    /// A symbol's page, nil when the site has none.
    func page(forSymbol id: SiteSymbolID) -> SitePath?
    /// Where a symbol is defined: its file's page and first line; nil when unknown.
    func definition(of id: SiteSymbolID) -> (page: SitePath, line: Int)?
    func page(forNote id: SiteNoteID) -> SitePath?
    /// A directory's page ("" is the root of the checkout).
    func page(forDirectory path: String) -> SitePath?
    func page(forTour id: String) -> SitePath?
    func page(forTour id: String, step: String) -> SitePath?
    func page(forArticle slug: String) -> SitePath?
    func page(_ special: SpecialPage) -> SitePath
}

/// The standard layout: `src/<repo path>.html`, `src/<dir>/index.html`, `symbols/<id>.html`,
/// `notes/<id>.html`, `tours/<id>/index.html`, `tours/<id>/step-<step>.html`, `articles/<slug>.html`.
public struct SiteLinks: LinkProvider {
    private let files: Set<RepoPath>
    private let directories: Set<String>
    private let symbols: [SiteSymbolID: (file: RepoPath, line: Int)]
    private let notes: Set<SiteNoteID>
    private let tours: [String: Set<String>]
    private let articles: Set<String>

    /// A provider for the pages `model` has.
    public init(model: SiteModel) {
        files = Set(model.files.map(\.path))
        var dirs: Set<String> = [""]
        for f in model.files {
            var d = f.path.directory
            while !d.isEmpty && dirs.insert(d).inserted {
                d = RepoPath(d).directory
            }
        }
        directories = dirs
        var syms: [SiteSymbolID: (RepoPath, Int)] = [:]
        for s in model.symbols where syms[s.id] == nil { syms[s.id] = (s.file, s.lines.lowerBound) }
        symbols = syms
        notes = Set(model.notes.map(\.id))
        var t: [String: Set<String>] = [:]
        for tour in model.tours { t[tour.id] = Set(tour.stepIDs) }
        tours = t
        articles = Set(model.articles.map(\.slug))
    }

    public func page(forFile path: RepoPath) -> SitePath? {
        files.contains(path) ? SiteLinks.filePage(path) : nil
    }

    public func page(forSymbol id: SiteSymbolID) -> SitePath? {
        symbols[id] == nil ? nil : SitePath(["symbols", SiteLinks.fileName(id.rawValue) + ".html"])
    }

    public func definition(of id: SiteSymbolID) -> (page: SitePath, line: Int)? {
        guard let (file, line) = symbols[id], let page = page(forFile: file) else { return nil }
        return (page, line)
    }

    public func page(forNote id: SiteNoteID) -> SitePath? {
        notes.contains(id) ? SitePath(["notes", SiteLinks.fileName(id.rawValue) + ".html"]) : nil
    }

    public func page(forDirectory path: String) -> SitePath? {
        guard directories.contains(path) else { return nil }
        return SitePath(["src"] + SiteLinks.segments(path) + ["index.html"])
    }

    public func page(forTour id: String) -> SitePath? {
        tours[id] == nil ? nil : SitePath(["tours", SiteLinks.fileName(id), "index.html"])
    }

    public func page(forTour id: String, step: String) -> SitePath? {
        guard tours[id]?.contains(step) == true else { return nil }
        return SitePath(["tours", SiteLinks.fileName(id), "step-" + SiteLinks.fileName(step) + ".html"])
    }

    public func page(forArticle slug: String) -> SitePath? {
        articles.contains(slug) ? SitePath(["articles", SiteLinks.fileName(slug) + ".html"]) : nil
    }

    public func page(_ special: SpecialPage) -> SitePath {
        switch special {
        case .home: return SitePath(["index.html"])
        case .files: return SitePath(["src", "index.html"])
        case .notes: return SitePath(["notes", "index.html"])
        case .tours: return SitePath(["tours", "index.html"])
        case .kernels: return SitePath(["kernels.html"])
        case .drift: return SitePath(["drift.html"])
        }
    }

    // MARK: Links inside trusted HTML

    /// What a link inside trusted HTML (a note body, a tour step, an article) starts with to point into
    /// the site. A note body is shown on pages at different depths, so it cannot carry a relative link;
    /// each page replaces this prefix with its own way back to the site root (`../../`).
    public static let rootToken = "marginalia-root:/"

    /// A link to a symbol's page for trusted HTML (e.g. what a note's `[[symbol]]` link resolves to).
    public func bodyLink(toSymbol id: SiteSymbolID) -> String? {
        page(forSymbol: id).map { SiteLinks.rootToken + $0.href(from: SitePath(["index.html"])).value }
    }

    /// A link to a note's page for trusted HTML.
    public func bodyLink(toNote id: SiteNoteID) -> String? {
        page(forNote: id).map { SiteLinks.rootToken + $0.href(from: SitePath(["index.html"])).value }
    }

    /// A link to a file's page (and a line) for trusted HTML.
    public func bodyLink(toFile path: RepoPath, line: Int? = nil) -> String? {
        guard let p = page(forFile: path) else { return nil }
        let href = p.href(from: SitePath(["index.html"]))
        return SiteLinks.rootToken + (line.map { href.with(fragment: "L\($0)") } ?? href).value
    }

    /// A source file's page: the repo path's folders, then the file name plus `.html`.
    static func filePage(_ path: RepoPath) -> SitePath {
        var parts = segments(path.rawValue)
        parts[parts.count - 1] = fileName(parts[parts.count - 1], keepReadable: true) + ".html"
        return SitePath(["src"] + parts)
    }

    /// The repo path's components, each made safe as a folder name.
    static func segments(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map { fileName(String($0), keepReadable: true) }
    }

    /// A name made safe as one file-name component: `/`, `\`, `~`, `%`, control characters and a leading
    /// dot become `~HH`; names too long for a file system are cut and get a stable hash. The mapping is
    /// one-to-one, so two ids never share a page. Everything else (spaces, `<`, `&`, quotes, `::`) stays
    /// readable; links percent-encode it.
    static func fileName(_ name: String, keepReadable: Bool = true) -> String {
        var out: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for (i, b) in name.utf8.enumerated() {
            let escape: Bool
            switch b {
            case UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "~"), UInt8(ascii: "%"), 0..<0x20, 0x7F:
                escape = true
            case UInt8(ascii: "."):
                escape = i == 0
            default:
                escape = false
            }
            if escape {
                out.append(UInt8(ascii: "~"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            } else {
                out.append(b)
            }
        }
        if out.isEmpty { return "~" }
        let limit = 180
        if out.count > limit {
            var cut = limit - 20
            while cut > 0 && out[cut] & 0xC0 == 0x80 { cut -= 1 }  // keep whole UTF-8 characters
            let hash = fnv1a64(Array(name.utf8))
            return String(decoding: out[..<cut], as: UTF8.self) + "~" + String(hash, radix: 16)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// FNV-1a, 64 bit: a stable hash for names and content (no seed, same on every run).
func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes {
        h ^= UInt64(b)
        h = h &* 0x0000_0100_0000_01B3
    }
    return h
}

/// An anchor id made safe for an `id` attribute and a fragment (no spaces).
func anchorID(_ prefix: String, _ name: String) -> String {
    var out = prefix
    for scalar in name.unicodeScalars {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", ":":
            out.unicodeScalars.append(scalar)
        default:
            out += "~" + String(scalar.value, radix: 16, uppercase: true) + "~"
        }
    }
    return out
}
