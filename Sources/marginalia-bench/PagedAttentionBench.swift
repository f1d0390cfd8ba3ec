// `marginalia-bench paged`: decode attention on the paged cache against contiguous K/V, the machine's
// memory bandwidth (STREAM-like triad, measured in the same run) and a NumPy implementation.

import Dispatch
import Foundation
import PagedAttention

/// Runs the PagedAttention benchmark and prints its figures. Shapes follow issue 6: 8 sequences x 32
/// heads x head size 128 x context 4096, block size 16, Float and Float16 storage.
///
/// The machine is shared, so nothing is compared across minutes: each round runs the kernels back to
/// back (paged, then the baselines: ABAB over rounds) with a triad measurement before and after
/// each, and every figure is a median over rounds of a per-round ratio: paged / baseline of the same
/// round, and a kernel's K/V bandwidth / the mean of the two triads around it.
func runPagedAttentionBench(arguments: [String] = []) {
    if arguments.first == "--peers" { return runPeersBench(arguments: Array(arguments.dropFirst())) }
    let numSeqs = 8, numHeads = 32, headSize = 128, context = 4096, blockSize = 16
    var runs = 7
    var group: Int? = nil
    var storages = ["float32", "float16"]
    var paths = [KernelPath.portable, .avx2F16C].filter(\.isAvailable)
    var withNumPy = true
    var i = 0
    while i < arguments.count {
        switch arguments[i] {
        case "--runs": i += 1; runs = Int(arguments[i]) ?? runs
        case "--kv-heads-per-item": i += 1; group = Int(arguments[i])
        case "--float32-only": storages = ["float32"]
        case "--float16-only": storages = ["float16"]
        case "--portable-only": paths = [.portable]
        case "--best-only": paths = [KernelPath.best]
        case "--no-numpy": withNumPy = false
        default:
            print("unknown argument \(arguments[i]) (--peers ..., --runs N, --kv-heads-per-item N, --float32-only, --float16-only, "
                  + "--portable-only, --best-only, --no-numpy)")
            return
        }
        i += 1
    }
    print("PagedAttention decode benchmark: \(numSeqs) seqs x \(numHeads) heads x head size \(headSize) x context \(context), block size \(blockSize)")
    print("\(runs) rounds, \(ProcessInfo.processInfo.activeProcessorCount) cores; kernel paths: "
          + paths.map(\.description).joined(separator: ", ") + " (this CPU's best: \(KernelPath.best))")
    print("""
    kernels per round: paged v1 (shuffled block tables), contiguous-blocks (same v1 code, identity block
    tables: the only difference is the indirection), contiguous-rows (decodeContiguous on [seq][head][token][dim]),
    paged v2; a 2-core triad (a = b + s*c, 3 x 128 MiB) before and after each kernel.

    """)
    let triad = Triad()
    var results: [(storage: String, path: KernelPath, figures: KernelFigures)] = []
    for storage in storages {
        for path in paths {
            let figures = storage == "float32"
                ? benchStorage(Float.self, numSeqs: numSeqs, numHeads: numHeads, headSize: headSize, context: context,
                               blockSize: blockSize, runs: runs, group: group, path: path, triad: triad)
                : benchStorage(Float16.self, numSeqs: numSeqs, numHeads: numHeads, headSize: headSize, context: context,
                               blockSize: blockSize, runs: runs, group: group, path: path, triad: triad)
            results.append((storage, path, figures))
        }
    }
    let numpy = withNumPy ? numpyBench(numSeqs: numSeqs, numHeads: numHeads, headSize: headSize, context: context,
                                       blockSize: blockSize, runs: runs) : []

    print("storage  kernels        implementation      median ms   K/V GB/s   % of triad (median of rounds)")
    for r in results {
        for (name, k) in r.figures.kernels {
            print(r.storage.padding(toLength: 9, withPad: " ", startingAt: 0)
                  + r.path.description.padding(toLength: 15, withPad: " ", startingAt: 0)
                  + name.padding(toLength: 18, withPad: " ", startingAt: 0)
                  + String(format: " %9.2f %10.2f %10.0f%%", k.medianSeconds * 1e3, r.figures.bytes / k.medianSeconds / 1e9,
                           100 * k.medianTriadShare))
        }
    }
    for (name, seconds, bytes) in numpy {
        print(name.padding(toLength: 42, withPad: " ", startingAt: 0)
              + String(format: " %9.2f %10.2f", seconds * 1e3, bytes / seconds / 1e9))
    }
    print("")
    for r in results {
        let f = r.figures, label = "\(r.storage) \(r.path)"
        print(String(format: "%@: paged v1 / contiguous-blocks per round %@ -> median %.3f (goal <= 1.10)", label,
                     f.ratios("contiguous-blocks").map { String(format: "%.2f", $0) }.joined(separator: " "),
                     median(f.ratios("contiguous-blocks"))))
        print(String(format: "%@: paged v1 / contiguous-rows per round %@ -> median %.3f", label,
                     f.ratios("contiguous-rows").map { String(format: "%.2f", $0) }.joined(separator: " "),
                     median(f.ratios("contiguous-rows"))))
        print(String(format: "%@: paged v1 K/V bandwidth = %.0f%% of the triad around it (goal >= 50%%)", label,
                     100 * f.kernels[0].1.medianTriadShare))
        if let n = numpy.first(where: { $0.0 == "numpy paged \(r.storage)" }) {
            print(String(format: "%@: paged v1 is %.1fx faster than NumPy paged (goal > 1)", label,
                         n.1 / f.kernels[0].1.medianSeconds))
        }
    }
    if numpy.isEmpty && withNumPy { print("NumPy comparison skipped: python3 with numpy was not found") }
}

/// Per-round timings of one kernel and the triad bandwidth measured around each.
private struct KernelRuns {
    var seconds: [Double] = []
    var triadGBs: [Double] = []
    var bytes: Double = 0
    var medianSeconds: Double { median(seconds) }
    /// Median over rounds of (this round's K/V GB/s) / (this round's triad GB/s).
    var medianTriadShare: Double { median(zip(seconds, triadGBs).map { bytes / $0 / 1e9 / $1 }) }
}

/// The figures of one storage type and kernel path.
private struct KernelFigures {
    var kernels: [(String, KernelRuns)]
    var bytes: Double
    /// Per round: paged v1 time / `baseline` time.
    func ratios(_ baseline: String) -> [Double] {
        guard let b = kernels.first(where: { $0.0 == baseline })?.1 else { return [] }
        return zip(kernels[0].1.seconds, b.seconds).map { $0 / $1 }
    }
}

/// Times paged v1, the two contiguous baselines and paged v2 for one storage type and kernel path,
/// interleaved round by round.
private func benchStorage<E: KVCacheElement>(_: E.Type, numSeqs: Int, numHeads: Int, headSize: Int, context: Int,
                                             blockSize: Int, runs: Int, group: Int?, path: KernelPath,
                                             triad: Triad) -> KernelFigures {
    let blocksPerSeq = context / blockSize
    let numBlocks = numSeqs * blocksPerSeq
    let cache = PagedKVCache<E>(shape: KVCacheShape(numBlocks: numBlocks, numKVHeads: numHeads, headSize: headSize,
                                                    blockSize: blockSize))
    cache.fillRandom(seed: 1)
    // Scattered block tables, as a long-running server's would be; and the identity tables, under which
    // each sequence's blocks lie one after the other.
    var rng = SplitMix64(seed: 2)
    let order = Array(0..<numBlocks).shuffled(using: &rng)
    let tables = (0..<numSeqs).map { s in order[(s * blocksPerSeq)..<((s + 1) * blocksPerSeq)].map { Int32($0) } }
    let identity = (0..<numSeqs).map { s in ((s * blocksPerSeq)..<((s + 1) * blocksPerSeq)).map { Int32($0) } }
    let query = (0..<(numSeqs * numHeads * headSize)).map { _ in rng.nextSignedUnit() }
    let lens = [Int](repeating: context, count: numSeqs)
    let scale = 1 / Float(headSize).squareRoot()
    let batch = DecodeBatch(numHeads: numHeads, query: query, blockTables: tables, seqLens: lens, scale: scale)
    let identityBatch = DecodeBatch(numHeads: numHeads, query: query, blockTables: identity, seqLens: lens, scale: scale)

    // Contiguous copy of the shuffled-table data: [seq][head][token][dim].
    let n = numSeqs * numHeads * context * headSize
    let keys = UnsafeMutablePointer<E>.allocate(capacity: n)
    let values = UnsafeMutablePointer<E>.allocate(capacity: n)
    defer { keys.deallocate(); values.deallocate() }
    DispatchQueue.concurrentPerform(iterations: numSeqs * numHeads) { item in
        let s = item / numHeads, h = item % numHeads
        for t in 0..<context {
            let slot = Int(tables[s][t / blockSize]) * blockSize + t % blockSize
            let k = cache.key(slot: slot, head: h), v = cache.value(slot: slot, head: h)
            let base = (item * context + t) * headSize
            for d in 0..<headSize {
                keys[base + d] = E(rounding: k[d])
                values[base + d] = E(rounding: v[d])
            }
        }
    }
    let kernels: [(String, () -> [Float])] = [
        ("paged v1", { PagedAttention.decodeV1(batch, cache: cache, kvHeadsPerWorkItem: group, kernels: path) }),
        ("contiguous-blocks", { PagedAttention.decodeV1(identityBatch, cache: cache, kvHeadsPerWorkItem: group, kernels: path) }),
        ("contiguous-rows", {
            PagedAttention.decodeContiguous(numHeads: numHeads, numKVHeads: numHeads, headSize: headSize, query: query,
                                            keys: keys, values: values, maxContext: context, seqLens: lens,
                                            scale: scale, kernels: path)
        }),
        ("paged v2", { PagedAttention.decodeV2(batch, cache: cache, kvHeadsPerWorkItem: group, kernels: path) }),
    ]
    // Warm-up, and a check that the timings compare the same computation: paged v1, v2 and the rows
    // baseline see the same data; the blocks baseline sees other data, checked against v2 on it.
    let outs = kernels.map { $0.1() }
    let blocksV2 = PagedAttention.decodeV2(identityBatch, cache: cache, kvHeadsPerWorkItem: group, kernels: path)
    let diff = [maxDiff(outs[0], outs[2]), maxDiff(outs[0], outs[3]), maxDiff(outs[1], blocksV2)].max()!
    if diff > 1e-4 { print("WARNING: \(E.storageName) \(path): the implementations' results differ by \(diff)") }

    var timings = kernels.map { _ in KernelRuns(bytes: Double(2 * n * E.byteWidth)) }
    for _ in 0..<runs {
        var before = triad.measure()
        for (k, kernel) in kernels.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = kernel.1()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let after = triad.measure()
            timings[k].seconds.append(seconds)
            timings[k].triadGBs.append((before + after) / 2)
            before = after
        }
    }
    return KernelFigures(kernels: zip(kernels, timings).map { ($0.0.0, $0.1) }, bytes: Double(2 * n * E.byteWidth))
}

private func maxDiff(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }

func median(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.sorted()[xs.count / 2] }

/// STREAM-like triad `a[i] = b[i] + s * c[i]` on both cores over three 128 MiB Float arrays, allocated
/// once; GB/s counting the three arrays' bytes, as STREAM does.
final class Triad {
    let n = 32 << 20
    let a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>

    init() {
        a = .allocate(capacity: n); b = .allocate(capacity: n); c = .allocate(capacity: n)
        a.initialize(repeating: 0, count: n); b.initialize(repeating: 1, count: n); c.initialize(repeating: 2, count: n)
    }

    deinit { a.deallocate(); b.deallocate(); c.deallocate() }

    /// One pass; returns GB/s.
    func measure(threads: Int = 2) -> Double {
        let n = self.n, a = self.a, b = self.b, c = self.c, s: Float = 3
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: threads) { part in
            let lo = part * n / threads, hi = (part + 1) * n / threads
            var i = lo
            while i + 8 <= hi {
                let bv = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
                let cv = UnsafeRawPointer(c + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(a + i).storeBytes(of: bv + s * cv, as: SIMD8<Float>.self)
                i += 8
            }
            while i < hi { a[i] = b[i] + s * c[i]; i += 1 }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(3 * n * 4) / seconds / 1e9
    }
}

/// The same paged computation in NumPy (gather the blocks through the block table, then einsum),
/// run by python3; empty when python3 or numpy is missing.
private func numpyBench(numSeqs: Int, numHeads: Int, headSize: Int, context: Int, blockSize: Int,
                        runs: Int) -> [(String, Double, Double)] {
    let script = """
    import sys, time
    import numpy as np
    S, H, D, T, B, R = [int(a) for a in sys.argv[1:7]]
    rng = np.random.default_rng(0)
    nb = S * T // B
    tables = rng.permutation(nb).reshape(S, T // B)
    q = rng.standard_normal((S, H, D), dtype=np.float32)
    scale = 1.0 / np.sqrt(D)
    for dt in (np.float32, np.float16):
        x = 16 // np.dtype(dt).itemsize
        kc = rng.standard_normal((nb, H, D // x, B, x), dtype=np.float32).astype(dt)
        vc = rng.standard_normal((nb, H, D, B), dtype=np.float32).astype(dt)
        kcont = np.ascontiguousarray(kc[tables].transpose(0, 2, 1, 4, 3, 5).reshape(S, H, T, D))
        vcont = np.ascontiguousarray(vc[tables].transpose(0, 2, 1, 4, 3).reshape(S, H, D, T))
        def paged():
            k = kc[tables].transpose(0, 2, 1, 4, 3, 5).reshape(S, H, T, D).astype(np.float32)
            v = vc[tables].transpose(0, 2, 3, 1, 4).reshape(S, H, D, T).astype(np.float32)
            l = np.einsum('shd,shtd->sht', q, k) * scale
            l = np.exp(l - l.max(axis=-1, keepdims=True)); l /= l.sum(axis=-1, keepdims=True)
            return np.einsum('sht,shdt->shd', l, v)
        def contiguous():
            l = np.einsum('shd,shtd->sht', q, kcont.astype(np.float32, copy=False)) * scale
            l = np.exp(l - l.max(axis=-1, keepdims=True)); l /= l.sum(axis=-1, keepdims=True)
            return np.einsum('sht,shdt->shd', l, vcont.astype(np.float32, copy=False))
        for name, f in (('paged', paged), ('contiguous', contiguous)):
            f()
            ts = []
            for _ in range(R):
                t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
            print(name, np.dtype(dt).name, sorted(ts)[R // 2], 2 * S * H * T * D * np.dtype(dt).itemsize)
        del kc, vc, kcont, vcont
    """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + [numSeqs, numHeads, headSize, context, blockSize, runs].map(String.init)
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch { return [] }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return [] }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
        let f = line.split(separator: " ")
        guard f.count == 4, let t = Double(f[2]), let b = Double(f[3]) else { return nil }
        return ("numpy \(f[0]) \(f[1])", t, b)
    }
}
