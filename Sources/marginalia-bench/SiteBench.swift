// `marginalia-bench site CHECKOUT --db DB`: highlighting against Pygments on the same files, the whole
// site, and regeneration after one note changes, side by side in one run.
import ClangIndexer
import Foundation
import IndexModel
import MarginaliaKit
import PythonIndexer

func runSiteBench(arguments: [String]) {
    guard arguments.count >= 1 else {
        print("usage: marginalia-bench site CHECKOUT [--db DB] [--runs N]")
        return
    }
    let root = URL(fileURLWithPath: arguments[0]).standardizedFileURL
    var runs = 3
    if let i = arguments.firstIndex(of: "--runs"), i + 1 < arguments.count, let n = Int(arguments[i + 1]) { runs = n }
    guard let scanner = try? CheckoutScanner(root: root.path) else { print("not a directory: \(root.path)"); return }
    let files = scanner.scan()
    let sources = files.compactMap { f -> (ScannedFile, [UInt8])? in (try? scanner.read(f.path)).map { (f, $0) } }
    let bytes = sources.reduce(0) { $0 + $1.1.count }
    let clang = ClangIndexer(checkoutRoot: scanner.root)

    // Ours: Python from our lexer, C/C++/CUDA from libclang's tokens; both cores, as the site does.
    var spans = 0
    let ours = BenchClock.median((0..<runs).map { _ in
        BenchClock.seconds {
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: sources.count)
            defer { counts.deallocate() }
            DispatchQueue.concurrentPerform(iterations: sources.count) { i in
                let (f, b) = sources[i]
                counts[i] = f.language == .python ? PythonIndexer.highlightTokens(b).count : clang.highlightTokens(file: f.path).count
            }
            spans = counts.reduce(0, +)
        }
    })
    // Pygments on the same files, to HTML, in one Python process (its start-up not counted).
    let list = FileManager.default.temporaryDirectory.appendingPathComponent("bench-files-\(UUID().uuidString).txt")
    try? sources.map { root.appendingPathComponent($0.0.path.rawValue).path }.joined(separator: "\n")
        .write(to: list, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: list) }
    let script = """
        import sys, time
        from pygments import highlight
        from pygments.lexers import get_lexer_for_filename, CudaLexer
        from pygments.formatters import HtmlFormatter
        paths = open(sys.argv[1]).read().split("\\n")
        fmt = HtmlFormatter(linenos=False)
        t = time.perf_counter()
        for p in paths:
            src = open(p, encoding="utf-8", errors="replace").read()
            try:
                lexer = CudaLexer() if p.endswith((".cu", ".cuh")) else get_lexer_for_filename(p)
            except Exception:
                continue
            highlight(src, lexer, fmt)
        print(time.perf_counter() - t)
        """
    let pyg = (0..<max(1, runs - 1)).map { _ -> Double in
        let r = ChildRun.run("python3", ["-c", script, list.path], captureOutput: true)
        return Double(r.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? .nan
    }
    let p = BenchClock.median(pyg)
    print("== Highlighting (\(sources.count) files, \(bytes / 1_000_000) MB, \(spans) spans)")
    print(String(format: "  marginalia (own Python lexer + libclang tokens), 2 cores  %7.2f s", ours))
    print(String(format: "  Pygments to HTML, 1 process                                %7.2f s   -> ours is %.1fx faster", p, p / ours))

    // The whole site and regeneration after one note changes, through the CLI.
    guard let dbIndex = arguments.firstIndex(of: "--db"), dbIndex + 1 < arguments.count else {
        print("(pass --db INDEX for the whole-site figures)")
        return
    }
    let db = arguments[dbIndex + 1]
    let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let marginalia = bin.appendingPathComponent("marginalia").path
    let pkg = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("marginalia-site-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: work) }
    let notes = work.appendingPathComponent("notes")
    _ = ChildRun.run("mkdir", ["-p", work.path])
    _ = ChildRun.run("cp", ["-a", pkg.appendingPathComponent("Annotations").path, notes.path])
    let out = work.appendingPathComponent("site").path
    let args = ["site", "--db", db, "--out", out, "--notes", notes.path, "--theme", pkg.appendingPathComponent("Site").path,
                "--explainer", pkg.appendingPathComponent("Sources/PagedAttention/EXPLAINER.md").path]
    let cold = ChildRun.run(marginalia, args)
    let same = ChildRun.run(marginalia, args)
    var edits: [Double] = []
    let noteFile = notes.appendingPathComponent("csrc-attention").path
    let first = (try? FileManager.default.contentsOfDirectory(atPath: noteFile))?.sorted().first { $0.hasSuffix(".md") }
    for i in 0..<runs {
        if let first, let h = FileHandle(forWritingAtPath: noteFile + "/" + first) {
            h.seekToEndOfFile()
            h.write(Data("\nEdited for the benchmark (\(i)).\n".utf8))
            try? h.close()
        }
        edits.append(ChildRun.run(marginalia, args).seconds)
    }
    var size = 0
    if let walker = FileManager.default.enumerator(atPath: out) {
        for case let f as String in walker {
            size += ((try? FileManager.default.attributesOfItem(atPath: out + "/" + f)[.size]) as? Int) ?? 0
        }
    }
    print("== Site (release binary; exit \(cold.status))")
    print(String(format: "  whole site, cold                  %7.2f s   peak RSS %d MB, %d MB on disk", cold.seconds,
                 cold.maxRSSKB / 1024, size / 1_000_000))
    print(String(format: "  again, nothing changed            %7.2f s", same.seconds))
    print(String(format: "  after one note changes            %7.2f s (median of %d)", BenchClock.median(edits), edits.count))
}
