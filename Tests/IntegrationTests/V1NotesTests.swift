import Annotations
import Foundation
import IndexDatabase
import IndexModel
import MarginaliaKit
import XCTest

/// The study notes and tours written for vLLM 0.33.0 (the V1 engine), checked against the real 0.33.0
/// checkout: every anchor and tour step attaches exactly, every `[[link]]` resolves, the request-path
/// tour follows the path the call graph prints under the default profile, and the 0.33.0 site renders
/// them. Python symbols come from the Python-only index RealVLLM0330Tests builds; the few C/C++ files
/// that notes anchor by symbol are indexed on their own (those files plus the headers they include), which
/// keeps the C++ phase to about a minute instead of the whole of csrc/.
final class V1NotesTests: XCTestCase {
    static let release = "0.33.0"
    static var cxx: (db: String, files: [String])?

    var annotations: URL { CLI.packageRoot.appendingPathComponent("Annotations") }

    /// The notes and tours of 0.33.0, as `notes check` on a 0.33.0 checkout selects them.
    func v1Set() -> NoteSet {
        var d = NoteDirectory(root: annotations)
        d.release = Self.release
        return d.load()
    }

    /// Code steps of the tours as anchors, so they are checked like notes (`tour:<id>#<step>`).
    func tourStepNotes(_ set: NoteSet) -> [Note] {
        set.tours.flatMap { t in
            t.steps.enumerated().compactMap { i, step -> Note? in
                guard case let .code(symbol, file, lines, text) = step, let file else { return nil }
                return Note(id: NoteID("tour-\(t.id)-step-\(i + 1)"), title: "\(t.id) step \(i + 1)", release: t.release,
                            anchors: [NoteAnchor(symbol: symbol, file: file, lines: lines)], body: text, path: t.path)
            }
        }
    }

    /// `a/b/../c` as `a/c`, without touching the disk.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for p in path.split(separator: "/") where p != "." {
            if p == "..", !parts.isEmpty { parts.removeLast() } else { parts.append(p) }
        }
        return parts.joined(separator: "/")
    }

    /// Copies checkout-relative files into a new tree, keeping their paths.
    static func copy(_ files: Set<String>, from checkout: URL, to tree: URL) throws {
        let fm = FileManager.default
        for f in files.sorted() {
            let dst = tree.appendingPathComponent(f)
            try fm.createDirectory(at: dst.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(at: checkout.appendingPathComponent(f), to: dst)
        }
    }

    static func isCxx(_ path: String) -> Bool {
        [".cu", ".cuh", ".cpp", ".cc", ".c", ".h", ".hpp"].contains { path.hasSuffix($0) }
    }

    /// A checkout holding only the C/C++ files anchored by symbol, a translation unit for each anchored
    /// header, and every header they include (transitively); indexed with the C++ phase.
    func cxxIndex(for notes: [Note], checkout: URL) throws -> (db: String, files: [String]) {
        if let c = Self.cxx { return c }
        let fm = FileManager.default
        let anchored = Set(notes.flatMap(\.anchors).filter { $0.symbol != nil && Self.isCxx($0.file.rawValue) }.map(\.file.rawValue))
        func text(_ rel: String) -> String? { try? String(contentsOf: checkout.appendingPathComponent(rel), encoding: .utf8) }
        func includes(_ rel: String) -> [String] {
            guard let t = text(rel) else { return [] }
            let dir = (rel as NSString).deletingLastPathComponent
            var out: [String] = []
            for line in t.split(separator: "\n") where line.hasPrefix("#include \"") {
                let name = line.dropFirst("#include \"".count).prefix { $0 != "\"" }
                for base in [dir, "csrc", ""] {
                    let cand = Self.normalized(base.isEmpty ? String(name) : base + "/" + name)
                    if fm.fileExists(atPath: checkout.appendingPathComponent(cand).path) { out.append(cand); break }
                }
            }
            return out
        }
        var units = Set(anchored.filter { $0.hasSuffix(".cu") || $0.hasSuffix(".cpp") || $0.hasSuffix(".cc") })
        let headers = anchored.subtracting(units)
        if !headers.isEmpty {
            // A header is indexed through the first translation unit that includes it.
            let all = (fm.enumerator(atPath: checkout.appendingPathComponent("csrc").path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".cu") || $0.hasSuffix(".cpp") }.sorted().map { "csrc/" + $0 }
            for h in headers.sorted() {
                let unit = try XCTUnwrap(all.first { includes($0).contains(h) }, "no translation unit includes \(h)")
                units.insert(unit)
            }
        }
        var files = units, frontier = Array(units)
        while let f = frontier.popLast() {
            for i in includes(f) where files.insert(i).inserted { frontier.append(i) }
        }
        let root = try temporaryDirectory("v1-cxx")
        try Self.copy(files, from: checkout, to: root)
        let db = root.appendingPathComponent("cxx.sqlite").path
        let r = try CLI.run(["index", root.path, "--db", db], cache: root)
        XCTAssertEqual(r.status, 0, r.stderr)
        Self.cxx = (db, files.sorted())   // the units and every header they include
        return Self.cxx!
    }

    /// 0.33.0 as the notes module sees it: the Python index's symbols plus the C++ symbols of the files
    /// the notes anchor, and the real checkout's text.
    func snapshot(for notes: [Note]) throws -> ReleaseSnapshot {
        let checkout = try vllmRelease(Self.release)
        let py = try IndexStore(path: try RealVLLM0330Tests.sharedIndex().db, readOnly: true)
        var symbols = try py.allSymbols()
        if notes.flatMap(\.anchors).contains(where: { $0.symbol != nil && Self.isCxx($0.file.rawValue) }) {
            let cxx = try IndexStore(path: try cxxIndex(for: notes, checkout: checkout).db, readOnly: true)
            symbols += try cxx.allSymbols().filter { $0.language != .python }
        }
        return ReleaseSnapshot(release: Self.release, symbols: symbols, checkout: DirectoryCheckout(root: checkout))
    }

    func testEvery0330NoteAndTourStepAttachesExactlyAndEveryLinkResolves() throws {
        let set = v1Set()
        XCTAssertEqual(set.diagnostics.filter { $0.severity >= .warning }, [], "loading the 0.33.0 notes")
        XCTAssertGreaterThanOrEqual(set.notes.count, 30)
        XCTAssertTrue(set.notes.allSatisfy { $0.release == Self.release }, "only 0.33.0 notes are selected")
        XCTAssertTrue(set.tours.contains { $0.id == "v1-request-path" })
        // A tour step may name a note of another release (a then-and-now tour); it must exist.
        let ids = Set((set.notes + set.otherReleases).map(\.id))
        for t in set.tours {
            XCTAssertEqual(t.release, Self.release, t.id)
            for case let .note(id) in t.steps { XCTAssertTrue(ids.contains(id), "tour \(t.id) names unknown note \(id)") }
        }
        let all = set.notes + tourStepNotes(set)
        let snap = try snapshot(for: all)
        // Capture (as `notes capture` does) then check (as `notes check --strict` does) against 0.33.0.
        let (captured, problems) = NotesCommands.captured(all, snapshot: snap, force: true)
        XCTAssertEqual(problems.map(\.description), [])
        let results = NoteMigration.check(captured, against: snap)
        var counts: [AnchorStatus: Int] = [:]
        for r in results {
            counts[r.resolution.status, default: 0] += 1
            XCTAssertTrue(r.resolution.status.isAttached && r.resolution.status != .ambiguous,
                          "\(r.note)#\(r.anchor): \(r.resolution.status) \(r.resolution.candidates)")
        }
        XCTAssertEqual(counts[.orphaned] ?? 0, 0)
        XCTAssertEqual(counts[.ambiguous] ?? 0, 0)
        print("0.33.0 notes: \(set.notes.count) notes, \(set.tours.count) tours, \(results.count) anchors: "
            + counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))
        // Every [[link]] resolves to exactly one symbol or an existing 0.33.0 note (ambiguity is a problem too).
        let resolver = LinkResolver(lookup: SymbolTable(symbols: snap.symbols), notes: (set.notes + set.otherReleases).map(\.id))
        for n in all {
            XCTAssertEqual(resolver.check(n, displayPath: n.path).map(\.description), [], n.id.rawValue)
        }
    }

    /// What a tour step covers: the symbols its note anchors (or the code step names), and the torch ops its
    /// text names (`torch.ops._C_cache_ops.x` is covered by a step that mentions `_C_cache_ops.x`).
    func coverage(of tour: Tour, in set: NoteSet) -> [(symbols: Set<String>, text: String)] {
        tour.steps.map { step in
            switch step {
            case .note(let id):
                let n = set.note(id)
                return (Set(n?.anchors.compactMap(\.symbol) ?? []), n?.body ?? "")
            case let .code(symbol, _, _, text):
                return (Set([symbol].compactMap { $0 }), text)
            }
        }
    }

    func firstStep(covering hop: String, _ cover: [(symbols: Set<String>, text: String)]) -> Int? {
        if hop.hasPrefix("torch.ops.") {
            let op = String(hop.dropFirst("torch.ops.".count))
            return cover.firstIndex { $0.text.contains(op) }
        }
        return cover.firstIndex { $0.symbols.contains(hop) }
    }

    func pathHops(_ args: [String]) throws -> [String] {
        let (cache, db) = try RealVLLM0330Tests.sharedIndex()
        let r = try CLI.run(["path"] + args + ["--json", "--db", db], cache: cache)
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        let hops = try XCTUnwrap(((obj["paths"] as? [[String: Any]])?.first)?["hops"] as? [[String: Any]], r.stdout)
        return [args[0]] + hops.map { $0["callee"] as! String }
    }

    func testRequestPathTourFollowsTheDefaultProfilePath() throws {
        let set = v1Set()
        let tour = try XCTUnwrap(set.tours.first { $0.id == "v1-request-path" })
        let cover = coverage(of: tour, in: set)
        // The engine side, as RealVLLM0330Tests asks for it: from the engine-core process's entry point.
        let engine = try pathHops(["vllm.v1.engine.core.EngineCoreProc.run_engine_core",
                                   "torch.ops._C_cache_ops.reshape_and_cache_flash"])
        let steps = engine.map { firstStep(covering: $0, cover) }
        let onlyInPath = zip(engine, steps).filter { $0.1 == nil }.map(\.0)
        let onPath = Set(engine)
        let onlyInTour = tour.steps.indices.filter { cover[$0].symbols.isDisjoint(with: onPath) }.map { i -> String in
            if case let .code(symbol, file, _, _) = tour.steps[i] { return "\(i + 1): \(symbol ?? file?.rawValue ?? "")" }
            if case let .note(id) = tour.steps[i] { return "\(i + 1): note \(id)" }
            return "\(i + 1)"
        }
        print("request path under the default profile (\(engine.count) hops) against tour \(tour.id) (\(tour.steps.count) steps)")
        print("  hops only in the path: \(onlyInPath.isEmpty ? "none" : onlyInPath.joined(separator: ", "))")
        print("  steps only in the tour (front end, ZMQ hand-off, scheduler, KV-cache manager, attention call, sampling):\n    "
            + onlyInTour.joined(separator: "\n    "))
        XCTAssertEqual(onlyInPath, [], "every hop of the call-graph path has a tour step")
        // And in the same order: the tour reaches each hop no earlier than the hop before it.
        let idx = steps.compactMap { $0 }
        for k in idx.indices.dropFirst() {
            XCTAssertLessThanOrEqual(idx[k - 1], idx[k], "tour order breaks at \(engine[k]) (step \(idx[k] + 1))")
        }
        // The front end: under the in-process assumption the path from LLM.generate reaches the engine core; its
        // hops up to the engine-core step are in the tour.
        let front = try pathHops(["vllm.entrypoints.llm.LLM.generate", "vllm.v1.engine.core.EngineCore.step_with_batch_queue",
                                  "--assume", "engine_core_client=InprocClient"])
        let missing = front.filter { firstStep(covering: $0, cover) == nil }
        print("  front-end hops (InprocClient): \(front.joined(separator: " -> ")); not in the tour: \(missing)")
        XCTAssertEqual(missing, [])
        XCTAssertTrue(front.contains("vllm.v1.engine.core_client.InprocClient.get_output"), "\(front)")
    }
    /// The site of 0.33.0 with the bundled notes: built over the files the 0.33.0 notes and tours anchor (a
    /// whole-checkout site of 0.33.0 takes far longer than CI allows); it shows the 0.33.0 notes and tours and
    /// the 0.33.0 cards, no page for a 0.6.2 note, and what became of the 0.6.2 notes on its drift page.
    func testThe0330SiteShowsTheV1NotesToursCardsAndTheOlderNotesDrift() throws {
        let checkout = try vllmRelease(Self.release)
        let set = v1Set()
        let fm = FileManager.default
        let root = try temporaryDirectory("v1-site")
        defer { try? fm.removeItem(at: root) }
        let tree = root.appendingPathComponent("vllm-0.33.0")
        var files = Set((set.notes + tourStepNotes(set)).flatMap(\.anchors).map(\.file.rawValue).filter { !$0.hasSuffix("/") })
        files.insert("PKG-INFO")
        // The C/C++ files the notes anchor come with the translation units that compile them and their headers
        // (the site validates every anchor: a C++ anchor needs the C++ phase's symbols).
        files.formUnion(try cxxIndex(for: set.notes + tourStepNotes(set), checkout: checkout).files)
        try Self.copy(files, from: checkout, to: tree)
        let db = root.appendingPathComponent("index.sqlite").path
        let index = try CLI.run(["index", tree.path, "--db", db], cache: root)
        XCTAssertEqual(index.status, 0, index.stderr)
        let out = root.appendingPathComponent("site")
        let pkg = CLI.packageRoot
        let r = try CLI.run(["site", "--db", db, "--out", out.path, "--theme", pkg.appendingPathComponent("Site").path,
                             "--notes", annotations.path, "--check"], cache: root)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains(" 0 problems"), r.stdout)
        func page(_ rel: String) -> String? { try? String(contentsOf: out.appendingPathComponent(rel), encoding: .utf8) }
        for n in set.notes { XCTAssertNotNil(page("notes/\(n.id.rawValue).html"), "no page for \(n.id)") }
        // 0.6.2 notes get pages only as companions (named by a 0.33.0 tour or link), titled with their release.
        let companions = Set(NoteReleases.companions(of: set).map(\.id))
        for n in set.otherReleases {
            let p = page("notes/\(n.id.rawValue).html")
            XCTAssertEqual(p != nil, companions.contains(n.id), "page of the 0.6.2 note \(n.id)")
            if let p { XCTAssertTrue(p.contains("(vLLM 0.6.2)"), n.id.rawValue) }
        }
        XCTAssertTrue(r.stdout.contains("; \(set.notes.count + companions.count) notes"), r.stdout)
        let home = try XCTUnwrap(page("index.html"))
        XCTAssertTrue(home.contains("Scheduler and KV-cache manager") && home.contains("vllm/v1/engine"), "0.33.0 cards")
        XCTAssertFalse(home.contains("LLMEngine and AsyncLLMEngine"), "the 0.6.2 roadmap cards")
        let tours = try XCTUnwrap(page("tours/index.html"))
        XCTAssertTrue(tours.contains("From LLM.generate to FlashAttention on the V1 engine"), "the v1 tour")
        XCTAssertFalse(tours.contains("From LLM.generate to the paged attention kernel"), "the 0.6.2 tour")
        let drift = try XCTUnwrap(page("drift.html"))
        XCTAssertTrue(drift.contains("0.6.2 → 0.33.0") && drift.contains("0.33.0 → 0.33.0"), "drift of both sets")
        // The site's own notes are written as people write them (no captured evidence); the site captures them
        // from the index, so none of their anchors is orphaned or ambiguous on their own release.
        let own = Set(set.notes.map { "notes/\($0.id.rawValue).html" })
        for bad in ["status-orphaned", "status-ambiguous"] {
            for row in drift.components(separatedBy: "<tr class=\"\(bad)\">").dropFirst() {
                let cell = row.components(separatedBy: "</td>").first ?? ""
                XCTAssertFalse(own.contains { cell.contains($0) }, "\(bad) row of a 0.33.0 note: \(cell)")
            }
        }
    }
}
