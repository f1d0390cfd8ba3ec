// The theme lives in `Site/` and is read at run time, so users restyle the site without recompiling:
//   Site/templates/page.html   the frame of every page, with {{slots}}
//   Site/assets/...            copied as is to `assets/` in the output (CSS, JS, icons)

import Foundation

/// A problem with the theme folder.
public struct ThemeError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
}

/// The page frame and the asset files of a theme.
struct Theme: Sendable {
    enum Segment: Sendable {
        case literal([UInt8])
        case slot(Slot)
    }

    /// What a template may ask for.
    enum Slot: String, CaseIterable, Sendable {
        /// The page title, escaped.
        case title
        /// The model's title, escaped.
        case siteTitle = "site-title"
        /// The relative way back to the site root (`../../`, or `./`).
        case root
        /// A word for the kind of page (`source`, `symbol`, ...), for CSS.
        case pageKind = "page-kind"
        /// Where you are, as links.
        case breadcrumbs
        /// The page itself.
        case content
    }

    let segments: [Segment]
    /// Asset files: path below `assets/` -> bytes.
    let assets: [(path: [String], bytes: [UInt8])]

    /// Reads `templates/page.html` and every file below `assets/`.
    init(directory: URL) throws {
        let templateURL = directory.appendingPathComponent("templates/page.html")
        guard let data = FileManager.default.contents(atPath: templateURL.path) else {
            throw ThemeError(file: templateURL.path, message: "missing page template")
        }
        segments = try Theme.parse(Array(data), file: templateURL.path)
        var found: [(path: [String], bytes: [UInt8])] = []
        let assetsURL = directory.appendingPathComponent("assets")
        if let walker = FileManager.default.enumerator(atPath: assetsURL.path) {
            for case let relative as String in walker {
                let url = assetsURL.appendingPathComponent(relative)
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
                      !isDirectory.boolValue,
                      let bytes = FileManager.default.contents(atPath: url.path)
                else { continue }
                found.append((relative.split(separator: "/").map(String.init), Array(bytes)))
            }
        }
        assets = found.sorted { $0.path.lexicographicallyPrecedes($1.path) }
    }

    /// Splits a template at `{{slot}}` markers.
    static func parse(_ bytes: [UInt8], file: String) throws -> [Segment] {
        var segments: [Segment] = []
        var literal: [UInt8] = []
        var i = 0
        let open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
        while i < bytes.count {
            if bytes[i] == open && i + 1 < bytes.count && bytes[i + 1] == open {
                var j = i + 2
                while j + 1 < bytes.count && !(bytes[j] == close && bytes[j + 1] == close) { j += 1 }
                guard j + 1 < bytes.count else {
                    throw ThemeError(file: file, message: "unclosed {{ at byte \(i)")
                }
                let name = String(decoding: bytes[(i + 2)..<j], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                guard let slot = Slot(rawValue: name) else {
                    throw ThemeError(file: file, message: "unknown slot {{\(name)}}; known: "
                        + Slot.allCases.map(\.rawValue).joined(separator: ", "))
                }
                if !literal.isEmpty { segments.append(.literal(literal)); literal = [] }
                segments.append(.slot(slot))
                i = j + 2
            } else {
                literal.append(bytes[i])
                i += 1
            }
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        guard segments.contains(where: { if case .slot(.content) = $0 { return true }; return false }) else {
            throw ThemeError(file: file, message: "the template has no {{content}} slot")
        }
        return segments
    }

    /// A whole page: the frame with the slots filled.
    func page(at path: SitePath, title: String, siteTitle: String, kind: String, breadcrumbs: Node,
              content: (inout HTMLBuffer) -> Void) -> [UInt8]
    {
        var buffer = HTMLBuffer(capacity: 16 * 1024)
        buffer.rootPrefix = path.rootPrefix
        for segment in segments {
            switch segment {
            case .literal(let bytes): buffer.bytes.append(contentsOf: bytes)
            case .slot(.title): buffer.text(title)
            case .slot(.siteTitle): buffer.text(siteTitle)
            case .slot(.root): buffer.text(path.depth == 0 ? "./" : path.rootPrefix)
            case .slot(.pageKind): buffer.text(kind)
            case .slot(.breadcrumbs): buffer.write(breadcrumbs)
            case .slot(.content): content(&buffer)
            }
        }
        return buffer.bytes
    }
}
