// `marginalia-bench index CHECKOUT`: the index benchmarks of issue 2, side by side in one run.
// Build with `swift build -c release` first; every figure is a median of `--runs` runs.
import ClangIndexer
import Foundation
import IndexModel
import MarginaliaKit
import PythonIndexer

struct BenchClock {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// A child process run: wall time and peak resident memory (from wait4's rusage).
struct ChildRun {
    var seconds: Double
    var maxRSSKB: Int
    var status: Int32
    var output: String

    static func run(_ executable: String, _ args: [String], environment: [String: String] = [:],
                    captureOutput: Bool = false) -> ChildRun
    {
        let t0 = DispatchTime.now().uptimeNanoseconds
        var pid: pid_t = 0
        var fileActions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).out").path
        posix_spawn_file_actions_addopen(&fileActions, 1, captureOutput ? outPath : "/dev/null",
                                         O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&fileActions, 2, "/dev/null", O_WRONLY, 0)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let argv = ([executable] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let rc = posix_spawnp(&pid, executable, &fileActions, nil, argv, envp)
        argv.forEach { free($0) }
        envp.forEach { free($0) }
        posix_spawn_file_actions_destroy(&fileActions)
        guard rc == 0 else { return ChildRun(seconds: 0, maxRSSKB: 0, status: -1, output: "spawn failed") }
        var status: Int32 = 0
        var usage = rusage()
        wait4(pid, &status, 0, &usage)
        let secs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let out = captureOutput ? ((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "") : ""
        try? FileManager.default.removeItem(atPath: outPath)
        return ChildRun(seconds: secs, maxRSSKB: Int(usage.ru_maxrss), status: (status >> 8) & 0xff, output: out)
    }
}

func runIndexBench(arguments: [String]) {
    guard let checkout = arguments.first else {
        print("usage: marginalia-bench index CHECKOUT [--runs N] [--skip-clang]")
        return
    }
    var runs = 3
    if let i = arguments.firstIndex(of: "--runs"), i + 1 < arguments.count, let n = Int(arguments[i + 1]) { runs = n }
    let skipClang = arguments.contains("--skip-clang")
    let root = URL(fileURLWithPath: checkout).standardizedFileURL
    let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let marginalia = bin.appendingPathComponent("marginalia").path
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    print("checkout: \(root.path)   cores: \(ProcessInfo.processInfo.activeProcessorCount)   runs: \(runs) (medians)")

    // --- Python phase: ours vs CPython ast vs universal-ctags, same files.
    guard let scanner = try? CheckoutScanner(root: root.path) else { print("not a directory: \(checkout)"); return }
    let files = scanner.scan()
    let py = files.filter { $0.language == .python }.compactMap { f -> (path: RepoPath, source: [UInt8])? in
        guard let b = try? scanner.read(f.path) else { return nil }
        return (f.path, b)
    }
    var counts = PythonIndexer.BatchCounts()
    let oursOne = BenchClock.median((0..<runs).map { _ in BenchClock.seconds { counts = PythonIndexer().indexBatch(py) } })
    let oursTwo = BenchClock.median((0..<runs).map { _ in
        BenchClock.seconds {
            DispatchQueue.concurrentPerform(iterations: 2) { w in
                _ = PythonIndexer().indexBatch(py.enumerated().filter { $0.offset % 2 == w }.map(\.element))
            }
        }
    })
    let oracle = packageRoot.appendingPathComponent("Tests/PythonIndexerTests/ast_oracle.py").path
    let ast = (0..<runs).map { _ in ChildRun.run("python3", [oracle, root.path]) }
    let ctagsAll = (0..<runs).map { _ in ChildRun.run("ctags", ["-R", "--fields=+n", "--extras=+q", "-f", "/dev/null", root.path]) }
    let ctagsPy = (0..<runs).map { _ in
        ChildRun.run("ctags", ["-R", "--languages=Python", "--fields=+n", "--extras=+q", "-f", "/dev/null", root.path])
    }
    let ctagsCount = ChildRun.run("ctags", ["-R", "--fields=+n", "--extras=+q", "-f", "-", root.path], captureOutput: true)
        .output.split(separator: "\n").count
    print("\n== Python phase (\(counts))")
    print(String(format: "  marginalia, 1 core        %7.3f s", oursOne))
    print(String(format: "  marginalia, 2 cores       %7.3f s", oursTwo))
    print(String(format: "  CPython ast (symbols)     %7.3f s   -> ours is %.1fx faster (1 core)",
                 BenchClock.median(ast.map(\.seconds)), BenchClock.median(ast.map(\.seconds)) / oursOne))
    print(String(format: "  ctags -R (all languages)  %7.3f s   (%d tags incl. qualified extras)",
                 BenchClock.median(ctagsAll.map(\.seconds)), ctagsCount))
    print(String(format: "  ctags -R --languages=Python %5.3f s   -> ours/ctags = %.2f (1 core)",
                 BenchClock.median(ctagsPy.map(\.seconds)), oursOne / BenchClock.median(ctagsPy.map(\.seconds))))

    // --- C++/CUDA phase: our indexer vs libclang parsing alone, same TUs and flags, both cores.
    if !skipClang {
        let tus = files.filter { $0.language != .python }.map(\.path)
        let indexer = ClangIndexer(checkoutRoot: scanner.root, options: ClangIndexOptions(workers: 2))
        var parseTimes: [Double] = [], indexTimes: [Double] = []
        var defs = 0
        for _ in 0..<max(1, min(runs, 2)) {
            parseTimes.append(BenchClock.seconds { _ = indexer.benchmarkParseOnly(files: tus) })
            indexTimes.append(BenchClock.seconds {
                let r = indexer.index(files: tus)
                defs = r.units.reduce(0) { $0 + $1.symbols.count }
            })
        }
        let p = BenchClock.median(parseTimes), x = BenchClock.median(indexTimes)
        print("\n== C++/CUDA phase (\(tus.count) translation units, \(defs) symbol records, 2 workers)")
        print(String(format: "  libclang parse only (same flags, PCH)  %7.2f s", p))
        print(String(format: "  marginalia ClangIndexer                %7.2f s   -> %.2fx of parse-only (goal <= 1.3)", x, x / p))
    }

    // --- Whole commands on a private copy of the checkout (so files can be touched).
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("marginalia-bench-\(UUID().uuidString)")
    let copy = work.appendingPathComponent("checkout")
    try? FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    _ = ChildRun.run("cp", ["-a", root.path, copy.path])
    defer { try? FileManager.default.removeItem(at: work) }
    let db = work.appendingPathComponent("index.sqlite").path
    let env = ["MARGINALIA_CACHE": work.appendingPathComponent("cache").path]
    var args = ["index", copy.path, "--db", db]
    if skipClang { args.append("--python-only") }
    let cold = ChildRun.run(marginalia, args, environment: env)
    let again = (0..<runs).map { _ in ChildRun.run(marginalia, args, environment: env) }
    func touch(_ ext: String) -> [ChildRun] {
        guard let f = files.first(where: { $0.path.rawValue.hasSuffix(ext) && $0.path.rawValue.contains("/") }) else { return [] }
        let url = copy.appendingPathComponent(f.path.rawValue)
        return (0..<runs).map { i in
            if let h = try? FileHandle(forWritingTo: url) {
                h.seekToEndOfFile()
                h.write(Data((ext == ".py" ? "\n# bench \(i)\n" : "\n// bench \(i)\n").utf8))
                try? h.close()
            }
            return ChildRun.run(marginalia, args, environment: env)
        }
    }
    let onePy = touch("/scheduler.py")
    let oneCu = skipClang ? [] : touch("cache_kernels.cu")
    print("\n== Whole commands (release binary)")
    print(String(format: "  cold index                      %7.2f s   peak RSS %d MB", cold.seconds, cold.maxRSSKB / 1024))
    print(String(format: "  re-index, nothing changed       %7.3f s", BenchClock.median(again.map(\.seconds))))
    if !onePy.isEmpty { print(String(format: "  re-index, one .py changed       %7.3f s", BenchClock.median(onePy.map(\.seconds)))) }
    if !oneCu.isEmpty { print(String(format: "  re-index, one .cu changed       %7.3f s", BenchClock.median(oneCu.map(\.seconds)))) }
    for q in [["find", "paged_attention_v1"], ["def", "LLM.generate"], ["find", "Scheduler"], ["def", "vllm.core.scheduler.Scheduler.schedule"]] {
        let r = (0..<max(runs, 5)).map { _ in ChildRun.run(marginalia, q + ["--db", db], environment: env) }
        print(String(format: "  %-38@ %6.1f ms (exit %d)", q.joined(separator: " ") as NSString,
                     BenchClock.median(r.map(\.seconds)) * 1000, r.last?.status ?? -1))
    }
    for q in [["callers", "paged_attention_v1_kernel", "--depth", "8"], ["callees", "LLM.generate", "--depth", "3"],
              ["path", "vllm.entrypoints.llm.LLM.generate", "paged_attention_v1_kernel"]]
    {
        let r = (0..<max(runs, 5)).map { _ in ChildRun.run(marginalia, q + ["--db", db], environment: env) }
        print(String(format: "  %-38@ %6.1f ms (exit %d)", q.prefix(2).joined(separator: " ") as NSString,
                     BenchClock.median(r.map(\.seconds)) * 1000, r.last?.status ?? -1))
    }
}
