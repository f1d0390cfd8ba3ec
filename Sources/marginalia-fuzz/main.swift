// marginalia-fuzz: a seeded, deterministic mutation fuzzer for Marginalia's input front ends (issue 19).
//
//   marginalia-fuzz run [--targets python,cpp,frontmatter,markdown] [--seconds S] [--cases N]
//                       [--seed X] [--vllm DIR] [--notes DIR] [--out DIR]
//   marginalia-fuzz batch --target T --first N --count K [...] [--dump DIR]   (one child's share;
//                       --dump writes the cases to DIR instead of running them)
//
// Cases run in-process in child processes, one batch per child (`marginalia-fuzz batch ...`), so a
// crash kills only its batch: the parent then reruns that batch's cases one per child to name the
// input that crashed or hung, saves it under OUT/crashes/, and goes on. Case N of a target is a pure
// function of (target, seed, N), so every figure and every saved input can be reproduced.
// Exit status: 0 when no case crashed, hung or broke a target's checks; 1 otherwise; 2 on bad usage.
import Foundation

struct Options {
    var targets: [FuzzTarget] = FuzzTarget.allCases
    var seconds: Double = .infinity
    var cases: Int = .max
    var seed: UInt64 = 19
    var sources = CorpusSources()
    var out = URL(fileURLWithPath: ".build/fuzz")
    /// For `batch`: the target, the first case and how many.
    var first = 0
    var count = 0
    /// For `batch`: write the cases into this directory instead of running them (to look at one).
    var dump: URL?

    init(_ args: ArraySlice<String>) throws {
        var it = args.makeIterator()
        func value(_ flag: String) throws -> String {
            guard let v = it.next() else { throw FuzzError("\(flag) needs a value") }
            return v
        }
        while let arg = it.next() {
            switch arg {
            case "--targets", "--target":
                targets = try value(arg).split(separator: ",").map {
                    guard let t = FuzzTarget(rawValue: String($0)) else { throw FuzzError("unknown target '\($0)'") }
                    return t
                }
            case "--seconds": seconds = try Double(value(arg)).orThrow("--seconds takes a number")
            case "--cases": cases = try Int(value(arg)).orThrow("--cases takes a number")
            case "--seed": seed = try UInt64(value(arg)).orThrow("--seed takes a number")
            case "--vllm": sources.vllm = URL(fileURLWithPath: try value(arg))
            case "--notes": sources.notes = URL(fileURLWithPath: try value(arg))
            case "--out": out = URL(fileURLWithPath: try value(arg))
            case "--first": first = try Int(value(arg)).orThrow("--first takes a number")
            case "--count": count = try Int(value(arg)).orThrow("--count takes a number")
            case "--dump": dump = URL(fileURLWithPath: try value(arg))
            default: throw FuzzError("unknown argument '\(arg)'")
            }
        }
    }

    /// The arguments a child needs to regenerate the same cases.
    func childArguments(_ target: FuzzTarget, first: Int, count: Int) -> [String] {
        var a = ["batch", "--target", target.rawValue, "--seed", String(seed), "--first", String(first), "--count", String(count),
                 "--out", out.path]
        if let v = sources.vllm { a += ["--vllm", v.path] }
        if let n = sources.notes { a += ["--notes", n.path] }
        return a
    }
}

extension Optional {
    func orThrow(_ message: String) throws -> Wrapped {
        guard let v = self else { throw FuzzError(message) }
        return v
    }
}

/// How a child ended.
enum ChildEnd: Equatable {
    case ok
    case exited(Int32)
    case signal(Int32)
    case hang
}

/// Runs this executable with `arguments`, killing it after `timeout` seconds; returns how it ended
/// and its standard output.
func runChild(_ arguments: [String], timeout: Double) throws -> (ChildEnd, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
        process.executableURL = Bundle.main.executableURL
    }
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Read while it runs, so a child printing much never blocks on a full pipe.
    final class Collected: @unchecked Sendable { var data = Data() }
    let collected = Collected()
    let read = DispatchSemaphore(value: 0)
    DispatchQueue(label: "child-output").async {
        collected.data = pipe.fileHandleForReading.readDataToEndOfFile()
        read.signal()
    }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(20_000) }
    var hung = false
    if process.isRunning {
        hung = true
        kill(process.processIdentifier, SIGKILL)
    }
    process.waitUntilExit()
    read.wait()
    let text = String(decoding: collected.data, as: UTF8.self)
    if hung { return (.hang, text) }
    switch process.terminationReason {
    case .uncaughtSignal: return (.signal(process.terminationStatus), text)
    default: return (process.terminationStatus == 0 ? .ok : .exited(process.terminationStatus), text)
    }
}

/// `batch`: runs cases [first, first + count) of one target here; prints invariant failures.
func runBatch(_ options: Options) throws -> Int32 {
    guard let target = options.targets.first else { throw FuzzError("batch needs --target") }
    let corpus = try target.corpus(options.sources)
    let inputs = (options.first..<(options.first + options.count)).map {
        target.input($0, seed: options.seed, corpus: corpus, seedCount: target.seeds.count)
    }
    if let dump = options.dump {
        try FileManager.default.createDirectory(at: dump, withIntermediateDirectories: true)
        for (k, input) in inputs.enumerated() {
            let ext = (input.name as NSString).pathExtension
            try Data(input.bytes).write(to: dump.appendingPathComponent("\(target.rawValue)-\(options.first + k).\(ext.isEmpty ? "bin" : ext)"))
        }
        return 0
    }
    let scratch = options.out.appendingPathComponent("scratch-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    for (k, message) in target.run(inputs, scratch: scratch) { print("invariant \(options.first + k) \(message)") }
    return 0
}

/// Figures of one target's run.
struct Tally {
    var executions = 0
    var crashes: [String] = []
    var invariantFailures: [String] = []
    var seconds = 0.0
}

/// `run`: batches in child processes until the cases or the time are used up.
func runFuzz(_ options: Options) throws -> Int32 {
    let crashDir = options.out.appendingPathComponent("crashes")
    try FileManager.default.createDirectory(at: crashDir, withIntermediateDirectories: true)
    let perTarget = options.seconds / Double(options.targets.count)
    var failed = false
    for target in options.targets {
        let corpus = try target.corpus(options.sources)
        let seedCount = target.seeds.count
        let start = Date()
        var tally = Tally()
        var next = 0
        print("\(target.rawValue): corpus \(corpus.count) inputs (\(seedCount) seeds), seed \(options.seed)")
        while next < options.cases, Date().timeIntervalSince(start) < perTarget {
            let count = min(target.batchSize, options.cases - next)
            let (end, output) = try runChild(options.childArguments(target, first: next, count: count),
                                             timeout: 60 + target.caseTimeout * Double(count) / 4)
            var failures = output.split(separator: "\n").filter { $0.hasPrefix("invariant ") }.map(String.init)
            if end != .ok {
                // Name the culprit: each case of the batch alone.
                failures = []
                for n in next..<(next + count) {
                    let (single, singleOutput) = try runChild(options.childArguments(target, first: n, count: 1), timeout: target.caseTimeout)
                    failures += singleOutput.split(separator: "\n").filter { $0.hasPrefix("invariant ") }.map(String.init)
                    guard single != .ok else { continue }
                    let input = target.input(n, seed: options.seed, corpus: corpus, seedCount: seedCount)
                    let ext = (input.name as NSString).pathExtension
                    let file = crashDir.appendingPathComponent("\(target.rawValue)-\(options.seed)-\(n).\(ext.isEmpty ? "bin" : ext)")
                    _ = FileManager.default.createFile(atPath: file.path, contents: Data(input.bytes))
                    let line = "case \(n) (from \(input.name), \(input.bytes.count) bytes): \(single) -> \(file.path)"
                    tally.crashes.append(line)
                    print("  CRASH " + line)
                }
            }
            for f in failures {
                tally.invariantFailures.append(f)
                print("  FAILED " + f)
            }
            tally.executions += count
            next += count
        }
        tally.seconds = Date().timeIntervalSince(start)
        print(String(format: "%@: %d executions, %d crashes or hangs, %d check failures, %.1f s (%.1f cases/s)",
                     target.rawValue, tally.executions, tally.crashes.count, tally.invariantFailures.count, tally.seconds,
                     Double(tally.executions) / max(tally.seconds, 0.001)))
        if !tally.crashes.isEmpty || !tally.invariantFailures.isEmpty { failed = true }
    }
    return failed ? 1 : 0
}

setvbuf(stdout, nil, _IOLBF, 0)
let arguments = CommandLine.arguments.dropFirst()
do {
    switch arguments.first {
    case "run": exit(try runFuzz(Options(arguments.dropFirst())))
    case "batch": exit(try runBatch(Options(arguments.dropFirst())))
    default:
        FileHandle.standardError.write(Data("usage: marginalia-fuzz run [--targets LIST] [--seconds S] [--cases N] [--seed X] [--vllm DIR] [--notes DIR] [--out DIR]\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("marginalia-fuzz: \(error)\n".utf8))
    exit(2)
}
