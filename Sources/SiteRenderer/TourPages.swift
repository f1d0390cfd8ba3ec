// Tours: an overview page with the path diagram, and one page per step (excerpt, explanation,
// previous/next, where the step sits in the path).

import IndexModel

extension SiteBuild {
    func renderToursIndex(at path: SitePath) -> [UInt8] {
        let items: [Node] = model.tours.compactMap { t in
            guard let p = links.page(forTour: t.id) else { return nil }
            return el("li", [], [link(p.href(from: path), t.title),
                                 el("span", [.cls("meta")], text: " — \(t.steps.count) steps"),
                                 t.summary.isEmpty ? .empty : el("p", [], text: t.summary)])
        }
        let content: [Node] = [
            el("h1", [], text: "Tours"),
            items.isEmpty ? el("p", [.cls("empty")], text: "No tours yet.") : el("ul", [.cls("tours")], items),
        ]
        return page(path, title: "Tours", kind: "tours", crumbs: simpleCrumbs([("Tours", nil)], at: path), content)
    }

    func renderTour(_ tour: SiteTour, at path: SitePath) -> [UInt8] {
        let diagram = tour.diagram ?? GraphvizLayout.fallback(for: tour, links: links, from: path,
                                                               reason: "no Graphviz layout was supplied")
        var figure: [Node] = [el("div", [.cls("diagram")], [.trusted(diagram.svg)])]
        if !diagram.byGraphviz {
            figure.append(el("figcaption", [.cls("fallback")],
                             text: "Graphviz was not available (\(diagram.fallbackReason)); this is a simple hand-laid diagram."))
        } else {
            figure.append(el("figcaption", [], text: "The path of this tour, laid out by Graphviz."))
        }
        let ids = tour.stepIDs
        let steps: [Node] = tour.steps.enumerated().map { k, step in
            el("li", [], [
                links.page(forTour: tour.id, step: ids[k]).map { link($0.href(from: path), step.title) } ?? .text(step.title),
                step.file.map { f in
                    el("span", [.cls("meta")], [.text(" — "), lineLink(f, step.lines?.lowerBound ?? 1, from: path)])
                } ?? .empty,
            ])
        }
        var content: [Node] = [el("h1", [], text: tour.title)]
        if !tour.summary.isEmpty { content.append(el("p", [.cls("summary")], text: tour.summary)) }
        content.append(el("figure", [.cls("tour-diagram")], figure))
        content.append(el("ol", [.cls("tour-steps")], steps))
        if let first = ids.first, let p = links.page(forTour: tour.id, step: first) {
            content.append(el("p", [], [link(p.href(from: path), "Start the tour →", [.cls("button next"), Attribute("rel", "next")])]))
        }
        let crumbs = simpleCrumbs([("Tours", links.page(.tours)), (tour.title, nil)], at: path)
        return page(path, title: tour.title, kind: "tour", crumbs: crumbs, content)
    }

    func renderTourStep(_ tour: SiteTour, step k: Int, at path: SitePath) -> [UInt8] {
        let step = tour.steps[k]
        let n = tour.steps.count
        let ids = tour.stepIDs
        func stepPage(_ i: Int) -> SitePath? { links.page(forTour: tour.id, step: ids[i]) }
        var nav: [Node] = []
        if k > 0, let p = stepPage(k - 1) {
            nav.append(link(p.href(from: path), "← " + tour.steps[k - 1].title, [.cls("prev"), Attribute("rel", "prev")]))
        } else if let p = links.page(forTour: tour.id) {
            nav.append(link(p.href(from: path), "← Overview", [.cls("prev")]))
        }
        nav.append(el("span", [.cls("position")], text: "Step \(k + 1) of \(n)"))
        if k + 1 < n, let p = stepPage(k + 1) {
            nav.append(link(p.href(from: path), tour.steps[k + 1].title + " →", [.cls("next"), Attribute("rel", "next")]))
        } else if let p = links.page(forTour: tour.id) {
            nav.append(link(p.href(from: path), "Back to the overview", [.cls("next done")]))
        }
        let trail: [Node] = tour.steps.enumerated().map { i, s in
            if i == k { return el("li", [.cls("current"), Attribute("aria-current", "step")], text: s.title) }
            return el("li", [], [stepPage(i).map { link($0.href(from: path), s.title) } ?? .text(s.title)])
        }
        var content: [Node] = [
            el("nav", [.cls("tour-nav"), Attribute("aria-label", "Tour steps")], nav),
            el("h1", [], [el("span", [.cls("step-no")], text: "\(k + 1). "), .text(step.title)]),
            el("p", [.cls("meta")], [
                step.file.map { f in
                    let lines = step.lines ?? 1...1
                    return lineLink(f, lines.lowerBound, from: path,
                                    text: step.lines == nil ? f.rawValue : "\(f.rawValue):\(lines.lowerBound)–\(lines.upperBound)")
                } ?? .empty,
                step.symbol.map { .group([.text(" · "), symbolLink($0, text: symbolsByID[$0]?.qualifiedName ?? $0.rawValue, from: path)]) } ?? .empty,
                step.note.map { .group([.text(" · note: "), noteLink($0, text: notesByID[$0]?.title ?? $0.rawValue, from: path)]) } ?? .empty,
            ]),
        ]
        var code: Node = el("p", [.cls("empty")], text: "(this step shows no code)")
        if let f = step.file {
            code = filesByPath[f].map { excerpt($0, lines: step.lines ?? 1...30, maxLines: 60, from: path) }
                ?? el("p", [.cls("empty")], text: "(\(f.rawValue) is not in the site)")
        }
        content.append(el("div", [.cls("tour-step")], [
            el("div", [.cls("tour-code")], [code]),
            el("div", [.cls("tour-note note-body")], [.trusted(step.body)]),
        ]))
        content.append(el("nav", [.cls("tour-trail"), Attribute("aria-label", "Where this step sits")],
                          [el("ol", [], trail)]))
        let crumbs = simpleCrumbs([("Tours", links.page(.tours)), (tour.title, links.page(forTour: tour.id)),
                                   ("Step \(k + 1)", nil)], at: path)
        return page(path, title: "\(tour.title) — \(step.title)", kind: "tour-step", crumbs: crumbs, content)
    }
}
