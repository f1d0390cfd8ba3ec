// `marginalia-bench paged`: decode attention on the paged cache against contiguous K/V, the machine's
// memory bandwidth (STREAM-like triad, measured in the same run) and a NumPy implementation.

import Dispatch
import Foundation
import PagedAttention

/// Runs the PagedAttention benchmark and prints its figures. Shapes follow issue 6: 8 sequences x 32
/// heads x head size 128 x context 4096, block size 16, Float and Float16 storage.
func runPagedAttentionBench(arguments: [String] = []) {
    let numSeqs = 8, numHeads = 32, headSize = 128, context = 4096, blockSize = 16
    var runs = 7
    var group: Int? = nil
    var storages = ["float32", "float16"]
    var withNumPy = true
    var i = 0
    while i < arguments.count {
        switch arguments[i] {
        case "--runs": i += 1; runs = Int(arguments[i]) ?? runs
        case "--kv-heads-per-item": i += 1; group = Int(arguments[i])
        case "--float32-only": storages = ["float32"]
        case "--float16-only": storages = ["float16"]
        case "--no-numpy": withNumPy = false
        default: print("unknown argument \(arguments[i]) (--runs N, --kv-heads-per-item N, --float32-only, --float16-only, --no-numpy)"); return
        }
        i += 1
    }
    print("PagedAttention decode benchmark: \(numSeqs) seqs x \(numHeads) heads x head size \(headSize) x context \(context), block size \(blockSize)")
    print("medians of \(runs) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores\n")

    // Memory bandwidth of this machine, measured now.
    let triad1 = triadBandwidth(threads: 1, runs: runs)
    let triad2 = triadBandwidth(threads: 2, runs: runs)
    print(String(format: "memory bandwidth (triad a = b + s*c, 3 x 128 MiB): 1 core %.1f GB/s, 2 cores %.1f GB/s\n", triad1, triad2))

    var rows: [(String, Double, Double)] = []  // name, seconds, bytes
    if storages.contains("float32") {
        rows += benchStorage(Float.self, numSeqs: numSeqs, numHeads: numHeads, headSize: headSize, context: context,
                             blockSize: blockSize, runs: runs, group: group)
    }
    if storages.contains("float16") {
        rows += benchStorage(Float16.self, numSeqs: numSeqs, numHeads: numHeads, headSize: headSize, context: context,
                             blockSize: blockSize, runs: runs, group: group)
    }
    let numpy = withNumPy ? numpyBench(numSeqs: numSeqs, numHeads: numHeads, headSize: headSize, context: context,
                                       blockSize: blockSize, runs: runs) : []
    rows += numpy

    print("implementation                          median ms   K/V GB/s   % of 2-core triad")
    for (name, seconds, bytes) in rows {
        let gbs = bytes / seconds / 1e9
        let label = name.padding(toLength: 38, withPad: " ", startingAt: 0)
        print(label + String(format: " %9.2f %10.2f %10.0f%%", seconds * 1e3, gbs, 100 * gbs / triad2))
    }
    print("")
    func find(_ n: String) -> (Double, Double)? { rows.first { $0.0 == n }.map { ($0.1, $0.2) } }
    for storage in ["float32", "float16"] {
        if let p = find("swift paged v1 \(storage)"), let c = find("swift contiguous \(storage)") {
            print(String(format: "%@: paged v1 / contiguous = %.3f (goal <= 1.10)", storage, p.0 / c.0))
        }
        if let p = find("swift paged v1 \(storage)") {
            print(String(format: "%@: paged v1 bandwidth = %.0f%% of the 2-core triad (goal >= 50%%)", storage,
                         100 * p.1 / p.0 / 1e9 / triad2))
            if let n = find("numpy paged \(storage)") {
                print(String(format: "%@: paged v1 is %.1fx faster than NumPy paged (goal > 1)", storage, n.0 / p.0))
            }
        }
    }
    if numpy.isEmpty && withNumPy { print("NumPy comparison skipped: python3 with numpy was not found") }
}

/// Times paged v1, paged v2 and the contiguous baseline for one storage type.
private func benchStorage<E: KVCacheElement>(_: E.Type, numSeqs: Int, numHeads: Int, headSize: Int, context: Int,
                                             blockSize: Int, runs: Int, group: Int?) -> [(String, Double, Double)] {
    let blocksPerSeq = context / blockSize
    let numBlocks = numSeqs * blocksPerSeq
    let cache = PagedKVCache<E>(shape: KVCacheShape(numBlocks: numBlocks, numKVHeads: numHeads, headSize: headSize,
                                                    blockSize: blockSize))
    cache.fillRandom(seed: 1)
    // Scattered block tables, as a long-running server's would be.
    var rng = SplitMix64(seed: 2)
    let order = Array(0..<numBlocks).shuffled(using: &rng)
    let tables = (0..<numSeqs).map { s in order[(s * blocksPerSeq)..<((s + 1) * blocksPerSeq)].map { Int32($0) } }
    let query = (0..<(numSeqs * numHeads * headSize)).map { _ in rng.nextSignedUnit() }
    let lens = [Int](repeating: context, count: numSeqs)
    let batch = DecodeBatch(numHeads: numHeads, query: query, blockTables: tables, seqLens: lens,
                            scale: 1 / Float(headSize).squareRoot())

    // Contiguous copy of the same data: [seq][head][token][dim].
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
    let bytes = Double(2 * n * E.byteWidth)
    let name = E.storageName

    let v1 = median(runs) { _ = PagedAttention.decodeV1(batch, cache: cache, kvHeadsPerWorkItem: group) }
    let v2 = median(runs) { _ = PagedAttention.decodeV2(batch, cache: cache, kvHeadsPerWorkItem: group) }
    let contiguous = median(runs) {
        _ = PagedAttention.decodeContiguous(numHeads: numHeads, numKVHeads: numHeads, headSize: headSize, query: query,
                                            keys: keys, values: values, maxContext: context, seqLens: lens,
                                            scale: batch.scale)
    }
    // The three must agree, or the timings compare different computations.
    let a = PagedAttention.decodeV1(batch, cache: cache), b = PagedAttention.decodeV2(batch, cache: cache)
    let c = PagedAttention.decodeContiguous(numHeads: numHeads, numKVHeads: numHeads, headSize: headSize, query: query,
                                            keys: keys, values: values, maxContext: context, seqLens: lens,
                                            scale: batch.scale)
    let diff = zip(a, b).map { abs($0 - $1) }.max()! + zip(a, c).map { abs($0 - $1) }.max()!
    if diff > 1e-4 { print("WARNING: \(name) paged and contiguous results differ by \(diff)") }
    return [("swift paged v1 \(name)", v1, bytes), ("swift paged v2 \(name)", v2, bytes),
            ("swift contiguous \(name)", contiguous, bytes)]
}

/// Median wall time in seconds of `runs` calls after one warm-up call.
private func median(_ runs: Int, _ body: () -> Void) -> Double {
    body()
    var times: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[runs / 2]
}

/// STREAM-like triad `a[i] = b[i] + s * c[i]` over three 128 MiB Float arrays; GB/s counting the three
/// arrays' bytes, as STREAM does.
private func triadBandwidth(threads: Int, runs: Int) -> Double {
    let n = 32 << 20
    let a = UnsafeMutablePointer<Float>.allocate(capacity: n)
    let b = UnsafeMutablePointer<Float>.allocate(capacity: n)
    let c = UnsafeMutablePointer<Float>.allocate(capacity: n)
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    a.initialize(repeating: 0, count: n); b.initialize(repeating: 1, count: n); c.initialize(repeating: 2, count: n)
    let s: Float = 3
    let t = median(runs) {
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
    }
    return Double(3 * n * 4) / t / 1e9
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
