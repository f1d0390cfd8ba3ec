// Tour diagrams. Graphviz (`dot -Tsvg`) lays the path out when it is installed; otherwise a simple
// hand-laid column of boxes is drawn and the page says so. The layout runs before rendering (it is a
// subprocess), and its SVG reaches the renderer as a `TourDiagram` value; the same input always gives
// the same SVG (comments and the XML prolog, which carry Graphviz's version, are dropped).

import Foundation
import IndexModel

/// Lays out tour diagrams with Graphviz.
public struct GraphvizLayout: Sendable {
    /// The `dot` program; nil when it was not found.
    public let executable: URL?

    /// Uses `dot` at `executable`, or the first `dot` on `PATH` when nil.
    public init(executable: URL? = nil) {
        if let executable {
            self.executable = FileManager.default.isExecutableFile(atPath: executable.path) ? executable : nil
        } else {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            self.executable = path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("dot") }
                .first { FileManager.default.isExecutableFile(atPath: $0.path) }
        }
    }

    /// Fills in the diagram of every tour of `model` (standard page layout).
    public func layoutTours(of model: SiteModel) -> SiteModel {
        var model = model
        let links = SiteLinks(model: model)
        for i in model.tours.indices { model.tours[i].diagram = diagram(for: model.tours[i], links: links) }
        return model
    }

    /// The diagram of one tour, with each step linking to its page (relative to the tour's page).
    public func diagram<Links: LinkProvider>(for tour: SiteTour, links: Links) -> TourDiagram {
        let page = links.page(forTour: tour.id) ?? SitePath(["tours", "index.html"])
        guard let executable else {
            return GraphvizLayout.fallback(for: tour, links: links, from: page, reason: "`dot` was not found on PATH")
        }
        let dot = GraphvizLayout.dotSource(for: tour, links: links, from: page)
        do {
            let svg = try run(executable, input: dot)
            return TourDiagram(svg: TrustedHTML(trusted: GraphvizLayout.clean(svg)), byGraphviz: true)
        } catch {
            return GraphvizLayout.fallback(for: tour, links: links, from: page, reason: "`dot` failed: \(error)")
        }
    }

    /// The graph in DOT: one box per step, top to bottom, each a link to its step page.
    static func dotSource<Links: LinkProvider>(for tour: SiteTour, links: Links, from page: SitePath) -> String {
        var s = "digraph tour {\n  graph [rankdir=TB, bgcolor=\"transparent\", nodesep=0.3, ranksep=0.35];\n"
        s += "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", color=\"#5b7bb2\", fontname=\"sans-serif\", fontsize=11];\n"
        s += "  edge [color=\"#5b7bb2\", arrowsize=0.7];\n"
        let ids = tour.stepIDs
        for (k, step) in tour.steps.enumerated() {
            let label = "\(k + 1). \(shorten(step.title, 48))\n\(place(step))"
            var attrs = "label=\(dotString(label))"
            if let p = links.page(forTour: tour.id, step: ids[k]) {
                attrs += ", URL=\(dotString(p.href(from: page).value)), tooltip=\(dotString(step.title))"
            }
            s += "  s\(k) [\(attrs)];\n"
        }
        for k in tour.steps.indices.dropLast() { s += "  s\(k) -> s\(k + 1);\n" }
        return s + "}\n"
    }

    /// A DOT double-quoted string; `\n` in `text` becomes a centred line break.
    static func dotString(_ text: String) -> String {
        var out = "\""
        for ch in text {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": break
            default: out.append(ch)
            }
        }
        return out + "\""
    }

    /// `file.py:12`, or "note" for a step without code.
    static func place(_ step: TourStep) -> String {
        guard let f = step.file else { return step.note == nil ? "" : "note" }
        return "\(shorten(f.fileName, 40)):\(step.lines?.lowerBound ?? 1)"
    }

    static func shorten(_ s: String, _ max: Int) -> String {
        s.count <= max ? s : String(s.prefix(max - 1)) + "…"
    }

    /// The `<svg>` element alone: no XML prolog, doctype or comments.
    static func clean(_ svg: String) -> String {
        var s = svg
        if let start = s.range(of: "<svg") { s = String(s[start.lowerBound...]) }
        while let open = s.range(of: "<!--"), let close = s.range(of: "-->", range: open.upperBound..<s.endIndex) {
            s.removeSubrange(open.lowerBound..<close.upperBound)
        }
        // Its natural size stays (width/height in pt); CSS only shrinks it to fit.
        if let tagEnd = s.range(of: ">") {
            s = String(s[..<tagEnd.lowerBound]) + " class=\"graphviz\" role=\"img\"" + s[tagEnd.lowerBound...]
        }
        return s.split(separator: "\n", omittingEmptySubsequences: true).joined(separator: "\n") + "\n"
    }

    private func run(_ executable: URL, input: String) throws -> String {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["-Tsvg"]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ThemeError(file: executable.path, message: "exit \(process.terminationStatus): "
                + String(decoding: err, as: UTF8.self).trimmingSpaces)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A column of boxes joined by arrows, each box a link to its step.
    static func fallback<Links: LinkProvider>(for tour: SiteTour, links: Links, from page: SitePath,
                                              reason: String) -> TourDiagram
    {
        let width = 420, boxHeight = 44, gap = 26
        let height = max(1, tour.steps.count) * (boxHeight + gap)
        var children: [Node] = [
            el("defs", [], [el("marker", [.id("arrow"), Attribute("viewBox", "0 0 10 10"), Attribute("refX", "9"),
                                          Attribute("refY", "5"), Attribute("markerWidth", "7"),
                                          Attribute("markerHeight", "7"), Attribute("orient", "auto")],
                               [el("path", [Attribute("d", "M0,0 L10,5 L0,10 z"), .cls("arrow-head")])])]),
        ]
        let ids = tour.stepIDs
        for (k, step) in tour.steps.enumerated() {
            let y = k * (boxHeight + gap) + 4
            let box: [Node] = [
                el("rect", [Attribute("x", "4"), Attribute("y", String(y)), Attribute("width", String(width - 8)),
                            Attribute("height", String(boxHeight)), Attribute("rx", "8"), .cls("step-box")]),
                el("text", [Attribute("x", String(width / 2)), Attribute("y", String(y + 18)),
                            Attribute("text-anchor", "middle"), .cls("step-title")],
                   text: "\(k + 1). " + shorten(step.title, 48)),
                el("text", [Attribute("x", String(width / 2)), Attribute("y", String(y + 35)),
                            Attribute("text-anchor", "middle"), .cls("step-file")],
                   text: place(step)),
            ]
            if let p = links.page(forTour: tour.id, step: ids[k]) {
                children.append(el("a", [.href(p.href(from: page))], box))
            } else {
                children.append(.group(box))
            }
            if k + 1 < tour.steps.count {
                children.append(el("line", [Attribute("x1", String(width / 2)), Attribute("y1", String(y + boxHeight)),
                                            Attribute("x2", String(width / 2)), Attribute("y2", String(y + boxHeight + gap - 2)),
                                            .cls("step-edge"), Attribute("marker-end", "url(#arrow)")]))
            }
        }
        let svg = el("svg", [Attribute("xmlns", "http://www.w3.org/2000/svg"),
                             Attribute("viewBox", "0 0 \(width) \(height)"), Attribute("width", String(width)),
                             Attribute("height", String(height)), .cls("fallback-diagram"),
                             Attribute("role", "img"), Attribute("aria-label", "Path of the tour " + tour.title)],
                     children)
        return TourDiagram(svg: TrustedHTML(trusted: renderHTML(svg)), byGraphviz: false, fallbackReason: reason)
    }
}
