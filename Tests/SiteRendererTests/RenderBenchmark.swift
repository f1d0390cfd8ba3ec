import Foundation
import IndexModel
import XCTest
@testable import SiteRenderer

/// Renders a site for the real vLLM 0.6.2 checkout (every Python/C++/CUDA file, the fixture's toy lexer
/// for tokens, `def`/`class`/`__global__` scans for symbols, name-matched references, 300 synthetic
/// notes) and prints how long it takes. A benchmark, not a timed test: it asserts only that the site
/// checks clean. Runs when MARGINALIA_SITE_BENCH=1 (best with `swift test -c release`).
final class RenderBenchmark: XCTestCase {
    func testRenderVLLM062() throws {
        guard ProcessInfo.processInfo.environment["MARGINALIA_SITE_BENCH"] == "1" else {
            throw XCTSkip("set MARGINALIA_SITE_BENCH=1 to run the rendering benchmark")
        }
        let checkout = try vllmCheckout()
        let t0 = Date()
        let model = try buildModel(checkout)
        let t1 = Date()
        let out = Fixture.temporaryDirectory("bench")
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        let first = try renderSite(model: GraphvizLayout().layoutTours(of: model), theme: Fixture.theme, output: out)
        let t2 = Date()
        let second = try renderSite(model: GraphvizLayout().layoutTours(of: model), theme: Fixture.theme, output: out)
        let t3 = Date()
        let check = try checkSite(at: out)
        let t4 = Date()
        let sourceBytes = model.files.reduce(0) { $0 + $1.bytes.count }
        print(String(format: """
            site benchmark (vLLM 0.6.2): %d files, %.1f MB source, %d symbols, %d references, %d notes
              model built in %.2f s (toy lexer, test code)
              first render:  %.2f s, %d files written, %.1f MB
              second render: %.2f s, %d files written
              checkSite:     %.2f s, %d pages, %d links, %d problems
            """, model.files.count, Double(sourceBytes) / 1e6, model.symbols.count,
            model.files.reduce(0) { $0 + $1.references.count }, model.notes.count,
            t1.timeIntervalSince(t0), t2.timeIntervalSince(t1), first.filesWritten, Double(first.totalBytes) / 1e6,
            t3.timeIntervalSince(t2), second.filesWritten,
            t4.timeIntervalSince(t3), check.pagesChecked, check.linksChecked, check.problems.count))
        XCTAssertEqual(second.filesWritten, 0)
        XCTAssertEqual(check.problems.prefix(20).map(\.description), [])
        if let keep = ProcessInfo.processInfo.environment["MARGINALIA_SITE_BENCH_KEEP"] {
            // Leave a copy for the browser test.
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: out, to: URL(fileURLWithPath: keep))
        }
    }

    func vllmCheckout() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["MARGINALIA_VLLM_0_6_2"] { return URL(fileURLWithPath: path) }
        let process = Process()
        process.executableURL = Fixture.packageRoot.appendingPathComponent("scripts/fetch-vllm")
        process.arguments = ["0.6.2"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw XCTSkip("scripts/fetch-vllm 0.6.2 failed") }
        return URL(fileURLWithPath: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func buildModel(_ root: URL) throws -> SiteModel {
        var paths: [String] = []
        let walker = FileManager.default.enumerator(atPath: root.path)!
        for case let relative as String in walker where Language.of(path: relative) != nil {
            if relative.hasPrefix(".") || relative.contains("/.") { continue }
            paths.append(relative)
        }
        paths.sort()
        var files: [SiteFile] = []
        var symbols: [SiteSymbol] = []
        var seen = Set<SiteSymbolID>()
        for rel in paths {
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(rel).path) else { continue }
            let bytes = Array(data)
            let python = rel.hasSuffix(".py") || rel.hasSuffix(".pyi")
            files.append(SiteFile(path: RepoPath(rel), bytes: bytes, tokens: Fixture.lex(bytes, python: python)))
            let module = rel.replacingOccurrences(of: "/", with: ".").replacingOccurrences(of: ".py", with: "")
            var classStack: [(indent: Int, name: String)] = []
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            for (i, line) in lines.enumerated() {
                let indent = line.prefix { $0 == " " }.count
                let body = line.dropFirst(indent)
                var kind: SymbolKind? = nil
                var name = ""
                if python {
                    while let last = classStack.last, indent <= last.indent, !body.isEmpty { classStack.removeLast() }
                    for (prefix, k) in [("def ", SymbolKind.function), ("async def ", .function), ("class ", .class)] where body.hasPrefix(prefix) {
                        name = String(body.dropFirst(prefix.count).prefix { $0.isLetter || $0.isNumber || $0 == "_" })
                        kind = classStack.isEmpty ? k : (k == .class ? .class : .method)
                    }
                } else if let r = body.range(of: "__global__ void ") {
                    name = String(body[r.upperBound...].drop { $0 == " " }.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
                    kind = .kernel
                }
                guard let kind, !name.isEmpty else { continue }
                let qualified = python ? ([module] + classStack.map(\.name) + [name]).joined(separator: ".") : "vllm::" + name
                if kind == .class { classStack.append((indent, name)) }
                let id = SiteSymbolID(qualified)
                guard seen.insert(id).inserted else { continue }
                symbols.append(SiteSymbol(id: id, qualifiedName: qualified, name: name, kind: kind,
                                          language: python ? .python : .cuda, file: RepoPath(rel),
                                          lines: (i + 1)...(i + 1), signature: String(body.prefix(120))))
            }
        }
        for i in files.indices {
            files[i].references = Fixture.references(files[i].bytes, tokens: files[i].tokens, file: files[i].path, symbols: symbols)
        }
        var notes: [SiteNote] = []
        for k in 0..<300 {
            let f = files[(k * 7919) % files.count]
            let lineCount = max(1, f.bytes.filter { $0 == 0x0A }.count)
            let first = 1 + (k * 104_729) % lineCount
            notes.append(SiteNote(id: SiteNoteID("note-\(k)"), title: "Note \(k) on \(f.path.fileName)", tags: ["bench"],
                                  body: TrustedHTML(trusted: "<p>Synthetic note \(k).</p>\n"),
                                  anchors: [NoteAnchor(file: f.path, lines: first...min(lineCount, first + 2),
                                                       status: k % 10 == 0 ? .moved : .exact, confidence: 0.9)]))
        }
        let kernels = symbols.filter { $0.kind == .kernel }.map {
            KernelRow(kernel: $0.id, name: $0.name, file: $0.file, line: $0.lines.lowerBound)
        }
        let tourSymbols = symbols.filter { $0.name.hasPrefix("paged_attention") }.prefix(4)
        let tour = SiteTour(id: "paged", title: "PagedAttention", steps: tourSymbols.enumerated().map { i, s in
            TourStep(id: "s\(i)", title: s.name, file: s.file, lines: s.lines.lowerBound...(s.lines.lowerBound + 5),
                     symbol: s.id, body: TrustedHTML(trusted: "<p>Step.</p>"))
        })
        return SiteModel(title: "vLLM 0.6.2", files: files, symbols: symbols, notes: notes, tours: [tour], kernels: kernels)
    }
}
