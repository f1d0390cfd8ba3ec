// Stable text and JSON renderings of a simulation (golden tests compare the text).

import Foundation

extension StepRecord {
    /// One line per step: decisions, then budget use, blocks and queues.
    public func debugDump() -> String {
        var parts: [String] = []
        let prefills = scheduled.filter { $0.kind == "prefill" }.map { "\($0.request)(\($0.tokens))" }
        let decodes = scheduled.filter { $0.kind == "decode" }.map { "\($0.request)(\($0.tokens))" }
        if !prefills.isEmpty { parts.append("prefill " + prefills.joined(separator: " ")) }
        if !decodes.isEmpty { parts.append("decode " + decodes.joined(separator: " ")) }
        for p in preempted {
            parts.append("preempt \(p.request) by \(p.mode.rawValue) (freed \(p.freedBlocks) of \(p.ownedBlocks) owned blocks)")
        }
        if !swappedIn.isEmpty { parts.append("swap-in " + swappedIn.joined(separator: " ")) }
        if copies > 0 { parts.append("cow \(copies)") }
        if blocksSwappedOut > 0 { parts.append("blocks out \(blocksSwappedOut)") }
        if blocksSwappedIn > 0 { parts.append("blocks in \(blocksSwappedIn)") }
        if !finished.isEmpty { parts.append("finished " + finished.joined(separator: " ")) }
        if !ignored.isEmpty { parts.append("ignored " + ignored.joined(separator: " ")) }
        if parts.isEmpty { parts.append("idle") }
        let util = String(format: "%.1f%%", 100 * gpuUtilization)
        return "step \(step): " + parts.joined(separator: "; ")
            + " | tokens \(batchedTokens) seqs \(batchedSeqs) | gpu \(gpuBlocksUsed)/\(gpuBlocksTotal) (\(util)) cpu \(cpuBlocksUsed)"
            + " | waiting \(waiting) running \(running) swapped \(swapped)"
    }
}

/// Renderings of a whole run.
public enum SimulationTrace {
    /// The configuration line followed by one line per step.
    public static func text(_ workload: Workload, _ records: [StepRecord]) -> String {
        let c = workload.config
        var lines = ["config: max_num_batched_tokens \(c.maxNumBatchedTokens), max_num_seqs \(c.maxNumSeqs), "
            + "block_size \(c.blockSize), gpu_blocks \(c.numGPUBlocks), cpu_blocks \(c.numCPUBlocks), "
            + "watermark \(c.watermark), chunked_prefill \(c.enableChunkedPrefill), "
            + "preemption \(c.preemptionMode?.rawValue ?? "auto"), prefix_caching \(c.enablePrefixCaching)"]
        for r in workload.requests {
            lines.append("request \(r.id): arrival \(r.arrival), prompt \(r.promptTokens), max_tokens \(r.maxTokens), n \(r.n)"
                + (r.prefixGroup.map { ", prefix \($0)/\(r.sharedPrefix)" } ?? ""))
        }
        lines += records.map { $0.debugDump() }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"workload": ..., "steps": [...]}` with sorted keys.
    public static func json(_ workload: Workload, _ records: [StepRecord]) throws -> String {
        struct Step: Encodable {
            var record: StepRecord
            enum Key: String, CodingKey { case gpuUtilization }
            func encode(to encoder: Encoder) throws {
                try record.encode(to: encoder)
                var c = encoder.container(keyedBy: Key.self)
                try c.encode((record.gpuUtilization * 10000).rounded() / 10000, forKey: .gpuUtilization)
            }
        }
        struct Document: Encodable { var workload: Workload; var steps: [Step] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(Document(workload: workload, steps: records.map { Step(record: $0) })), as: UTF8.self) + "\n"
    }
}
