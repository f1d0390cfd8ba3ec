import ArgumentParser
import Foundation
import PagedAttention

/// `marginalia simulate`: runs a continuous-batching workload through the vLLM-0.6.2-style scheduler
/// and block manager simulation and prints every step's decisions.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Trace vLLM 0.6.2-style continuous batching: scheduling, preemption, swapping, blocks.",
        discussion: """
        Without --workload, runs the roadmap's five concurrent requests, or --requests N identical \
        requests. A workload file is JSON: {"config": {...}, "requests": [{"id": "A", "promptTokens": 60, \
        "maxTokens": 40, "arrival": 0, "n": 1}]}; config keys: maxNumBatchedTokens, maxNumSeqs, maxModelLen, \
        enableChunkedPrefill, preemptionMode (recompute|swap), blockSize, numGPUBlocks, numCPUBlocks, \
        watermark, enablePrefixCaching. Flags override the file's config.
        """)

    @Option(name: .long, help: "JSON workload file.") var workload: String?
    @Option(name: .long, help: "Instead of the preset: this many identical requests arriving at step 0.") var requests: Int?
    @Option(name: .long, help: "Prompt tokens per request (with --requests).") var promptTokens = 64
    @Option(name: .long, help: "Generated tokens per request (with --requests).") var maxTokens = 32
    @Option(name: .long, help: "Samples per request (with --requests).") var samples = 1
    @Option(name: .long, help: "Device KV blocks.") var gpuBlocks: Int?
    @Option(name: .long, help: "Host (swap) KV blocks.") var cpuBlocks: Int?
    @Option(name: .long, help: "Tokens per block.") var blockSize: Int?
    @Option(name: .long, help: "Token budget per step.") var maxNumBatchedTokens: Int?
    @Option(name: .long, help: "Sequence budget per step.") var maxNumSeqs: Int?
    @Option(name: .long, help: "Preemption mode: recompute or swap (default: vLLM's choice).") var preemption: String?
    @Option(name: .long, help: "Watermark fraction of device blocks.") var watermark: Double?
    @Flag(name: .long, help: "Enable chunked prefill.") var chunkedPrefill = false
    @Flag(name: .long, help: "Enable prefix caching.") var prefixCaching = false
    @Option(name: .long, help: "Stop after this many steps.") var maxSteps = 10_000
    @Flag(name: .long, help: "Print JSON instead of text.") var json = false

    func run() throws {
        var load: Workload
        if let path = workload {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            load = try JSONDecoder().decode(Workload.self, from: data)
        } else if let count = requests {
            load = Workload(config: SchedulerConfig(), requests: (0..<count).map {
                RequestSpec(id: "R\($0)", promptTokens: promptTokens, maxTokens: maxTokens, n: samples)
            })
        } else {
            load = .fiveConcurrentRequests
        }
        if let v = gpuBlocks { load.config.numGPUBlocks = v }
        if let v = cpuBlocks { load.config.numCPUBlocks = v }
        if let v = blockSize { load.config.blockSize = v }
        if let v = maxNumBatchedTokens { load.config.maxNumBatchedTokens = v }
        if let v = maxNumSeqs { load.config.maxNumSeqs = v }
        if let v = watermark { load.config.watermark = v }
        if let p = preemption {
            guard let mode = PreemptionMode(rawValue: p) else {
                throw ValidationError("--preemption must be recompute or swap")
            }
            load.config.preemptionMode = mode
        }
        if chunkedPrefill { load.config.enableChunkedPrefill = true }
        if prefixCaching { load.config.enablePrefixCaching = true }

        var simulation = SchedulerSimulation(load)
        let records: [StepRecord]
        do {
            records = try simulation.run(maxSteps: maxSteps)
        } catch SchedulerError.outOfSwapSpace(let request, let step) {
            throw ValidationError("step \(step): aborted, not enough host swap space to swap out \(request) (raise --cpu-blocks)")
        }
        print(json ? try SimulationTrace.json(load, records) : SimulationTrace.text(load, records), terminator: "")
        if !simulation.isDone {
            FileHandle.standardError.write(Data("stopped after \(maxSteps) steps with requests unfinished\n".utf8))
        }
    }
}
