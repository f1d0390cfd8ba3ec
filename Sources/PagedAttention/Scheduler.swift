// A continuous-batching scheduler simulation in the manner of vLLM 0.6.2's `Scheduler`
// (vllm/core/scheduler.py): waiting, running and swapped queues, a token and sequence budget per
// step, prefill and decode, optional chunked prefill, and preemption by recompute or swap when the
// block manager runs out of blocks. The model is simulated: a step "computes" the scheduled tokens and
// samples one deterministic token for every sequence whose tokens are all computed.

/// How a running request is preempted when blocks run out.
public enum PreemptionMode: String, Sendable, Codable, Hashable {
    /// Free its blocks and recompute it later from the waiting queue.
    case recompute
    /// Move its blocks to the host pool and bring them back later.
    case swap
}

/// Scheduler and cache configuration (vLLM's SchedulerConfig + CacheConfig fields that matter here).
public struct SchedulerConfig: Sendable, Codable, Hashable {
    /// Token budget of one step (`max_num_batched_tokens`).
    public var maxNumBatchedTokens: Int
    /// Sequence budget of one step (`max_num_seqs`).
    public var maxNumSeqs: Int
    /// Longest sequence the model accepts (`max_model_len`).
    public var maxModelLen: Int
    /// Split long prefills across steps and batch them with decodes.
    public var enableChunkedPrefill: Bool
    /// `nil`: vLLM's default (recompute for single-sequence requests, swap otherwise).
    public var preemptionMode: PreemptionMode?
    /// Tokens per block.
    public var blockSize: Int
    /// Device blocks.
    public var numGPUBlocks: Int
    /// Host (swap) blocks.
    public var numCPUBlocks: Int
    /// Fraction of device blocks kept free when admitting requests.
    public var watermark: Double
    /// Share full blocks by content hash.
    public var enablePrefixCaching: Bool

    /// Creates a configuration; the defaults are a small cache that makes preemption visible.
    public init(maxNumBatchedTokens: Int = 512, maxNumSeqs: Int = 256, maxModelLen: Int = 512,
                enableChunkedPrefill: Bool = false, preemptionMode: PreemptionMode? = nil, blockSize: Int = 16,
                numGPUBlocks: Int = 64, numCPUBlocks: Int = 64, watermark: Double = 0.01,
                enablePrefixCaching: Bool = false) {
        self.maxNumBatchedTokens = maxNumBatchedTokens
        self.maxNumSeqs = maxNumSeqs
        self.maxModelLen = maxModelLen
        self.enableChunkedPrefill = enableChunkedPrefill
        self.preemptionMode = preemptionMode
        self.blockSize = blockSize
        self.numGPUBlocks = numGPUBlocks
        self.numCPUBlocks = numCPUBlocks
        self.watermark = watermark
        self.enablePrefixCaching = enablePrefixCaching
    }

    enum CodingKeys: String, CodingKey {
        case maxNumBatchedTokens, maxNumSeqs, maxModelLen, enableChunkedPrefill, preemptionMode, blockSize,
             numGPUBlocks, numCPUBlocks, watermark, enablePrefixCaching
    }

    /// Decodes with every key optional (missing keys take the defaults).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SchedulerConfig()
        maxNumBatchedTokens = try c.decodeIfPresent(Int.self, forKey: .maxNumBatchedTokens) ?? d.maxNumBatchedTokens
        maxNumSeqs = try c.decodeIfPresent(Int.self, forKey: .maxNumSeqs) ?? d.maxNumSeqs
        maxModelLen = try c.decodeIfPresent(Int.self, forKey: .maxModelLen) ?? d.maxModelLen
        enableChunkedPrefill = try c.decodeIfPresent(Bool.self, forKey: .enableChunkedPrefill) ?? d.enableChunkedPrefill
        preemptionMode = try c.decodeIfPresent(PreemptionMode.self, forKey: .preemptionMode)
        blockSize = try c.decodeIfPresent(Int.self, forKey: .blockSize) ?? d.blockSize
        numGPUBlocks = try c.decodeIfPresent(Int.self, forKey: .numGPUBlocks) ?? d.numGPUBlocks
        numCPUBlocks = try c.decodeIfPresent(Int.self, forKey: .numCPUBlocks) ?? d.numCPUBlocks
        watermark = try c.decodeIfPresent(Double.self, forKey: .watermark) ?? d.watermark
        enablePrefixCaching = try c.decodeIfPresent(Bool.self, forKey: .enablePrefixCaching) ?? d.enablePrefixCaching
    }
}

/// One request of a workload.
public struct RequestSpec: Sendable, Codable, Hashable {
    /// Request id shown in traces.
    public var id: String
    /// Step at which the request arrives.
    public var arrival: Int
    /// Prompt length in tokens.
    public var promptTokens: Int
    /// Tokens to generate per sample.
    public var maxTokens: Int
    /// Parallel samples (`n`); samples share the prompt's blocks and fork after the prefill.
    public var n: Int
    /// Requests with the same prefix group start with the same `sharedPrefix` tokens.
    public var prefixGroup: String?
    /// Length of the shared prefix (≤ `promptTokens`).
    public var sharedPrefix: Int

    /// Creates a request.
    public init(id: String, arrival: Int = 0, promptTokens: Int, maxTokens: Int, n: Int = 1,
                prefixGroup: String? = nil, sharedPrefix: Int = 0) {
        self.id = id
        self.arrival = arrival
        self.promptTokens = promptTokens
        self.maxTokens = maxTokens
        self.n = n
        self.prefixGroup = prefixGroup
        self.sharedPrefix = sharedPrefix
    }

    enum CodingKeys: String, CodingKey { case id, arrival, promptTokens, maxTokens, n, prefixGroup, sharedPrefix }

    /// Decodes with `arrival`, `n`, `prefixGroup`, `sharedPrefix` optional.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        arrival = try c.decodeIfPresent(Int.self, forKey: .arrival) ?? 0
        promptTokens = try c.decode(Int.self, forKey: .promptTokens)
        maxTokens = try c.decode(Int.self, forKey: .maxTokens)
        n = try c.decodeIfPresent(Int.self, forKey: .n) ?? 1
        prefixGroup = try c.decodeIfPresent(String.self, forKey: .prefixGroup)
        sharedPrefix = try c.decodeIfPresent(Int.self, forKey: .sharedPrefix) ?? 0
    }

    /// Deterministic prompt token ids: the shared prefix depends only on the group, the rest on the id.
    public func promptTokenIDs() -> [Int] {
        let shared = prefixGroup == nil ? 0 : min(sharedPrefix, promptTokens)
        let g = Self.seed(prefixGroup ?? ""), r = Self.seed(id)
        return (0..<promptTokens).map { i in i < shared ? Int((g &+ UInt64(i) &* 7919) % 30000) : Int((r &+ UInt64(i) &* 104729) % 30000) + 1 }
    }

    static func seed(_ s: String) -> UInt64 { BlockSpaceManager.contentHash(isFirst: true, prevHash: nil, tokens: s.utf8.map { Int($0) }) }
}

/// A workload: configuration plus requests (the file `marginalia simulate` reads).
public struct Workload: Sendable, Codable, Hashable {
    /// Scheduler and cache configuration.
    public var config: SchedulerConfig
    /// Requests, any order (arrival decides).
    public var requests: [RequestSpec]

    /// Creates a workload.
    public init(config: SchedulerConfig, requests: [RequestSpec]) {
        self.config = config
        self.requests = requests
    }

    /// The roadmap's "trace scheduling decisions for 5 concurrent requests": five requests of mixed
    /// lengths arriving together on a cache small enough that decodes run out of blocks.
    public static let fiveConcurrentRequests = Workload(
        config: SchedulerConfig(maxNumBatchedTokens: 256, maxNumSeqs: 8, maxModelLen: 512, blockSize: 16,
                                numGPUBlocks: 22, numCPUBlocks: 32),
        requests: [
            RequestSpec(id: "A", promptTokens: 60, maxTokens: 40),
            RequestSpec(id: "B", promptTokens: 100, maxTokens: 24),
            RequestSpec(id: "C", promptTokens: 30, maxTokens: 60, n: 2),
            RequestSpec(id: "D", promptTokens: 80, maxTokens: 30),
            RequestSpec(id: "E", arrival: 2, promptTokens: 40, maxTokens: 20),
        ])
}

/// A sequence's state in the simulation.
struct SimSequence {
    let id: SequenceID
    var tokens: [Int]
    var numComputed = 0
    var outputCount = 0
    var finished = false
}

/// A request's sequences (vLLM's SequenceGroup).
struct SimGroup {
    let spec: RequestSpec
    let promptLength: Int
    var seqs: [SimSequence]
    /// Prefill stage until all tokens of the (re)computed prompt are computed.
    var inPrefill = true
    var forked = false

    var unfinished: [SimSequence] { seqs.filter { !$0.finished } }
    /// vLLM's `get_max_num_running_seqs`: the samples to come while the prompt is prefilling.
    var maxRunningSeqs: Int { forked ? unfinished.count : spec.n }
}

/// What one scheduled request did in a step.
public struct ScheduledEntry: Sendable, Hashable, Codable {
    /// Request id.
    public var request: String
    /// "prefill" or "decode".
    public var kind: String
    /// Tokens computed for it this step (summed over its sequences).
    public var tokens: Int
}

/// A preemption in a step, with the blocks it released (for the "frees exactly the victim's
/// blocks" check).
public struct PreemptionEvent: Sendable, Hashable, Codable {
    /// Request id.
    public var request: String
    /// How it was preempted.
    public var mode: PreemptionMode
    /// Device blocks only this request referenced before the preemption.
    public var ownedBlocks: Int
    /// How many device blocks became free by the preemption.
    public var freedBlocks: Int
}

/// The decisions and state of one simulated step.
public struct StepRecord: Sendable, Hashable, Codable {
    /// Step number (from 0).
    public var step: Int
    /// Requests scheduled this step, in vLLM's order.
    public var scheduled: [ScheduledEntry]
    /// Requests preempted this step.
    public var preempted: [PreemptionEvent]
    /// Requests swapped back in this step.
    public var swappedIn: [String]
    /// Requests that finished at the end of this step.
    public var finished: [String]
    /// Requests rejected (prompt too long for the budget or the cache).
    public var ignored: [String]
    /// Copy-on-write copies this step.
    public var copies: Int
    /// Blocks copied to / from the host this step.
    public var blocksSwappedOut: Int, blocksSwappedIn: Int
    /// Tokens and sequences scheduled against the budget.
    public var batchedTokens: Int, batchedSeqs: Int
    /// Device blocks referenced after the step, of the total.
    public var gpuBlocksUsed: Int, gpuBlocksTotal: Int
    /// Host blocks referenced after the step.
    public var cpuBlocksUsed: Int
    /// Queue lengths after the step.
    public var waiting: Int, running: Int, swapped: Int

    /// Fraction of device blocks in use.
    public var gpuUtilization: Double { gpuBlocksTotal == 0 ? 0 : Double(gpuBlocksUsed) / Double(gpuBlocksTotal) }
}

/// A scheduler failure vLLM also stops on.
public enum SchedulerError: Error, Hashable {
    /// Swap-out needed more host blocks than are free ("Aborted due to the lack of CPU swap space").
    case outOfSwapSpace(request: String, step: Int)
}

/// The token and sequence budget of one step (vLLM's `SchedulingBudget`): counts each request at
/// most once.
struct Budget {
    let tokenBudget: Int, maxSeqs: Int
    var tokens = 0, seqs = 0
    var tokenRequests: Set<String> = [], seqRequests: Set<String> = []

    func canSchedule(tokens t: Int, seqs s: Int) -> Bool { tokens + t <= tokenBudget && seqs + s <= maxSeqs }
    var remainingTokens: Int { tokenBudget - tokens }
    mutating func addTokens(_ id: String, _ n: Int) { if tokenRequests.insert(id).inserted { tokens += n } }
    mutating func subtractTokens(_ id: String, _ n: Int) { if tokenRequests.remove(id) != nil { tokens -= n } }
    mutating func addSeqs(_ id: String, _ n: Int) { if seqRequests.insert(id).inserted { seqs += n } }
    mutating func subtractSeqs(_ id: String, _ n: Int) { if seqRequests.remove(id) != nil { seqs -= n } }
}

/// Runs a workload step by step.
public struct SchedulerSimulation: Sendable {
    /// The configuration.
    public let config: SchedulerConfig
    /// The block manager (inspectable between steps).
    public private(set) var blocks: BlockSpaceManager
    var pending: [RequestSpec]
    var groups: [String: SimGroup] = [:]
    var waiting: [String] = [], running: [String] = [], swapped: [String] = []
    var nextSeqID = 0
    /// Steps taken so far.
    public private(set) var currentStep = 0

    /// Prepares a simulation; requests arrive at their `arrival` step.
    public init(_ workload: Workload) {
        config = workload.config
        blocks = BlockSpaceManager(blockSize: config.blockSize, numGPUBlocks: config.numGPUBlocks,
                                   numCPUBlocks: config.numCPUBlocks, watermark: config.watermark,
                                   enablePrefixCaching: config.enablePrefixCaching)
        pending = workload.requests.enumerated().sorted { ($0.element.arrival, $0.offset) < ($1.element.arrival, $1.offset) }
            .map(\.element)
    }

    /// True when every request has finished or been rejected.
    public var isDone: Bool { pending.isEmpty && waiting.isEmpty && running.isEmpty && swapped.isEmpty }

    /// Runs until done or `maxSteps`; returns every step's record.
    public mutating func run(maxSteps: Int = 10_000) throws -> [StepRecord] {
        var records: [StepRecord] = []
        while !isDone && currentStep < maxSteps { records.append(try advance()) }
        return records
    }

    /// Simulates one step: admit arrivals, schedule, "run the model", retire finished requests.
    public mutating func advance() throws -> StepRecord {
        while let r = pending.first, r.arrival <= currentStep {
            pending.removeFirst()
            let id = nextSeqID
            nextSeqID += 1
            groups[r.id] = SimGroup(spec: r, promptLength: r.promptTokens,
                                    seqs: [SimSequence(id: id, tokens: r.promptTokenIDs())])
            waiting.append(r.id)
        }
        var record = StepRecord(step: currentStep, scheduled: [], preempted: [], swappedIn: [], finished: [], ignored: [],
                                copies: 0, blocksSwappedOut: 0, blocksSwappedIn: 0, batchedTokens: 0, batchedSeqs: 0,
                                gpuBlocksUsed: 0, gpuBlocksTotal: config.numGPUBlocks, cpuBlocksUsed: 0,
                                waiting: 0, running: 0, swapped: 0)
        let budget = config.enableChunkedPrefill ? try scheduleChunked(&record) : try scheduleDefault(&record)
        record.batchedTokens = budget.tokens
        record.batchedSeqs = budget.seqs
        execute(&record)
        record.gpuBlocksUsed = blocks.numUsedBlocks(.gpu)
        record.cpuBlocksUsed = blocks.numUsedBlocks(.cpu)
        record.waiting = waiting.count
        record.running = running.count
        record.swapped = swapped.count
        currentStep += 1
        return record
    }

    // MARK: Policies

    /// vLLM's `_schedule_default`: prefills first (only when nothing is swapped out); if none, the
    /// running decodes (preempting from the back of the queue when blocks run out), then swap-ins.
    mutating func scheduleDefault(_ record: inout StepRecord) throws -> Budget {
        var budget = Budget(tokenBudget: config.maxNumBatchedTokens, maxSeqs: config.maxNumSeqs)
        for id in running { budget.addSeqs(id, groups[id]!.maxRunningSeqs) }
        var prefills: [String] = []
        if swapped.isEmpty { prefills = schedulePrefills(&budget, chunking: false, &record) }
        var decodes: [String] = [], swappedIn: [String] = []
        var preempted: [String] = [], swappedOut: [String] = []
        if prefills.isEmpty {
            (decodes, _, preempted, swappedOut) = try scheduleRunning(&budget, chunking: false, &record)
            if preempted.isEmpty && swappedOut.isEmpty {
                (swappedIn, _) = scheduleSwapped(&budget, chunking: false, &record)
            }
        }
        require(budget.tokens <= config.maxNumBatchedTokens && budget.seqs <= config.maxNumSeqs)
        for id in preempted { waiting.insert(id, at: 0) }  // deque.extendleft: the last preempted goes first
        running += prefills + decodes + swappedIn
        swapped += swappedOut
        return budget
    }

    /// vLLM's `_schedule_chunked_prefill`: running requests first (decodes and unfinished prefill
    /// chunks), then swap-ins, then new prefills, all in one batch under one token budget.
    mutating func scheduleChunked(_ record: inout StepRecord) throws -> Budget {
        var budget = Budget(tokenBudget: config.maxNumBatchedTokens, maxSeqs: config.maxNumSeqs)
        let (decodes, runningPrefills, preempted, swappedOut) = try scheduleRunning(&budget, chunking: true, &record)
        var swappedInDecodes: [String] = [], swappedInPrefills: [String] = []
        if preempted.isEmpty && swappedOut.isEmpty {
            (swappedInDecodes, swappedInPrefills) = scheduleSwapped(&budget, chunking: true, &record)
        }
        let prefills = schedulePrefills(&budget, chunking: true, &record)
        require(budget.tokens <= config.maxNumBatchedTokens && budget.seqs <= config.maxNumSeqs)
        for id in preempted { waiting.insert(id, at: 0) }
        running += swappedInDecodes + swappedInPrefills + decodes + runningPrefills + prefills
        swapped += swappedOut
        return budget
    }

    /// Tokens a request would compute now: the uncomputed tokens of its sequences, cut to the
    /// remaining budget when chunking a single-sequence request.
    func newTokens(_ id: String, chunking: Bool, _ budget: Budget) -> Int {
        let g = groups[id]!
        let live = g.unfinished
        var n = live.map { $0.tokens.count - $0.numComputed }.reduce(0, +)
        if chunking && live.count == 1 {
            if config.enablePrefixCaching && budget.remainingTokens < n {
                n = budget.remainingTokens / config.blockSize * config.blockSize
            } else {
                n = min(n, budget.remainingTokens)
            }
        }
        return n
    }

    /// vLLM's `_schedule_prefills`: admits waiting requests in order while the prompt fits the
    /// budget and the block manager says `.ok`.
    mutating func schedulePrefills(_ budget: inout Budget, chunking: Bool, _ record: inout StepRecord) -> [String] {
        var scheduled: [String] = []
        let promptLimit = chunking ? config.maxModelLen : min(config.maxModelLen, config.maxNumBatchedTokens)
        while let id = waiting.first {
            let g = groups[id]!
            let n = newTokens(id, chunking: chunking, budget)
            let seq = g.unfinished[0]  // a waiting request has exactly one live sequence
            let total = seq.tokens.count
            // vLLM ignores prompts over the limit or the cache; a request with more samples than
            // max_num_seqs would block the queue forever there, so it is ignored here too.
            if n > promptLimit || blocks.canAllocate(numTokens: total) == .never || g.maxRunningSeqs > config.maxNumSeqs {
                waiting.removeFirst()
                record.ignored.append(id)
                groups[id] = nil
                continue
            }
            if blocks.canAllocate(numTokens: total) == .later { break }
            let seqsNeeded = g.maxRunningSeqs
            if n == 0 || !budget.canSchedule(tokens: n, seqs: seqsNeeded) { break }
            waiting.removeFirst()
            blocks.allocate(seq.id, tokens: seq.tokens)
            scheduled.append(id)
            record.scheduled.append(ScheduledEntry(request: id, kind: "prefill", tokens: n))
            budget.addTokens(id, n)
            budget.addSeqs(id, seqsNeeded)
        }
        return scheduled
    }

    /// vLLM's `_schedule_running`: for each running request in order, make room for its next tokens,
    /// preempting requests from the back of the running queue (or itself, last) until it fits.
    mutating func scheduleRunning(_ budget: inout Budget, chunking: Bool, _ record: inout StepRecord) throws
        -> (decodes: [String], prefills: [String], preempted: [String], swappedOut: [String]) {
        var decodes: [String] = [], prefills: [String] = [], preempted: [String] = [], swappedOut: [String] = []
        var queue = running
        running = []
        while let id = queue.first {
            let n = newTokens(id, chunking: chunking, budget)
            if n == 0 { break }
            queue.removeFirst()
            var scheduledSelf = true
            while !canAppend(id, chunkTokens: n) {
                budget.subtractTokens(id, n)
                budget.subtractSeqs(id, groups[id]!.maxRunningSeqs)
                let victim: String
                if let last = queue.popLast() { victim = last } else { victim = id; scheduledSelf = false }
                let mode = try preempt(victim, &record)
                if mode == .recompute { preempted.append(victim) } else { swappedOut.append(victim) }
                if !scheduledSelf { break }
            }
            guard scheduledSelf else { continue }
            record.copies += appendSlots(id, chunkTokens: n)
            let g = groups[id]!
            if g.inPrefill {
                prefills.append(id)
                record.scheduled.append(ScheduledEntry(request: id, kind: "prefill", tokens: n))
            } else {
                decodes.append(id)
                record.scheduled.append(ScheduledEntry(request: id, kind: "decode", tokens: n))
            }
            budget.addTokens(id, n)
            if chunking { budget.addSeqs(id, g.maxRunningSeqs) }
        }
        running = queue  // requests left unscheduled (token budget exhausted) stay running
        return (decodes, prefills, preempted, swappedOut)
    }

    /// vLLM's `_schedule_swapped`: brings swapped requests back while blocks and budget allow.
    mutating func scheduleSwapped(_ budget: inout Budget, chunking: Bool, _ record: inout StepRecord)
        -> (decodes: [String], prefills: [String]) {
        var decodes: [String] = [], prefills: [String] = []
        while let id = swapped.first {
            let live = groups[id]!.unfinished
            let seqIDs = live.map(\.id)
            // Unlike vLLM 0.6.2 (which counts lookahead slots only), also reserve the blocks the
            // append right after the swap-in touches, so the append can never run out of blocks.
            let status = blocks.canSwapIn(seqIDs, newTokens: live.map { seq in
                max(0, seq.tokens.count - (blocks.tables[seq.id]?.numTokens ?? 0))
            })
            if status == .later { break }
            if status == .never {
                swapped.removeFirst()
                for s in seqIDs { blocks.free(s, now: currentStep) }
                record.ignored.append(id)
                groups[id] = nil
                continue
            }
            let n = newTokens(id, chunking: chunking, budget)
            let seqsNeeded = groups[id]!.maxRunningSeqs
            if n == 0 || !budget.canSchedule(tokens: n, seqs: seqsNeeded) { break }
            swapped.removeFirst()
            record.blocksSwappedIn += blocks.swapIn(seqIDs).count
            record.swappedIn.append(id)
            record.copies += appendSlots(id, chunkTokens: n)
            let kind = groups[id]!.inPrefill ? "prefill" : "decode"
            if kind == "prefill" { prefills.append(id) } else { decodes.append(id) }
            record.scheduled.append(ScheduledEntry(request: id, kind: kind, tokens: n))
            budget.addTokens(id, n)
            budget.addSeqs(id, seqsNeeded)
        }
        return (decodes, prefills)
    }

    /// Whether the block manager can take the request's unseen tokens (vLLM's `_can_append_slots`).
    func canAppend(_ id: String, chunkTokens: Int) -> Bool {
        let live = groups[id]!.unfinished
        let ids = live.map(\.id)
        let unseen = live.map { seq in max(0, seq.tokens.count - (blocks.tables[seq.id]?.numTokens ?? 0)) }
        return blocks.canAppendSlots(ids, newTokens: unseen)
    }

    /// Appends every sequence's unseen tokens to its block table; returns the copy-on-writes.
    mutating func appendSlots(_ id: String, chunkTokens: Int) -> Int {
        var copies = 0
        for seq in groups[id]!.unfinished {
            let stored = blocks.tables[seq.id]?.numTokens ?? 0
            if seq.tokens.count > stored { copies += blocks.appendTokens(seq.id, Array(seq.tokens[stored...])).count }
        }
        return copies
    }

    /// Preempts a running request (vLLM's `_preempt`), recording the blocks it released.
    mutating func preempt(_ id: String, _ record: inout StepRecord) throws -> PreemptionMode {
        var g = groups[id]!
        let live = g.unfinished
        // vLLM's default: recompute a single sequence, swap a group. Recompute cannot restore a group's
        // diverged samples (vLLM asserts), so a group is swapped even when recompute was asked for.
        let mode: PreemptionMode = g.maxRunningSeqs > 1 ? .swap : (config.preemptionMode ?? .recompute)
        // Blocks only this request references: those it holds every reference to.
        var refs: [Int: Int] = [:]
        for s in live { for b in blocks.blockTable(s.id) { refs[b, default: 0] += 1 } }
        let owned = refs.filter { blocks.refCount(.gpu, $0.key) == $0.value }.count
        let freeBefore = blocks.numFreeBlocks(.gpu)
        if mode == .recompute {
            require(live.count == 1, "recompute preemption needs a single-sequence request")
            blocks.free(live[0].id, now: currentStep)
            // Everything generated so far becomes part of the prompt to recompute.
            for i in g.seqs.indices where !g.seqs[i].finished { g.seqs[i].numComputed = 0 }
            g.inPrefill = true
            groups[id] = g
        } else {
            guard blocks.canSwapOut(live.map(\.id)) else { throw SchedulerError.outOfSwapSpace(request: id, step: currentStep) }
            record.blocksSwappedOut += blocks.swapOut(live.map(\.id), now: currentStep).count
        }
        record.preempted.append(PreemptionEvent(request: id, mode: mode, ownedBlocks: owned,
                                                freedBlocks: blocks.numFreeBlocks(.gpu) - freeBefore))
        return mode
    }

    // MARK: The simulated model

    /// "Runs" the scheduled batch: marks the scheduled tokens computed, samples one token for every
    /// sequence whose tokens are now all computed (forking a multi-sample request after its first
    /// prefill), and retires requests whose samples are all done.
    mutating func execute(_ record: inout StepRecord) {
        for entry in record.scheduled {
            guard var g = groups[entry.request] else { continue }
            var remaining = entry.tokens
            for i in g.seqs.indices where !g.seqs[i].finished {
                let take = min(remaining, g.seqs[i].tokens.count - g.seqs[i].numComputed)
                g.seqs[i].numComputed += take
                remaining -= take
            }
            let allComputed = g.unfinished.allSatisfy { $0.numComputed == $0.tokens.count }
            guard allComputed else { groups[entry.request] = g; continue }
            g.inPrefill = false
            if !g.forked {
                g.forked = true
                let parent = g.seqs[0]
                for _ in 1..<max(1, g.spec.n) {
                    let child = nextSeqID
                    nextSeqID += 1
                    blocks.fork(parent: parent.id, child: child)
                    g.seqs.append(SimSequence(id: child, tokens: parent.tokens, numComputed: parent.numComputed,
                                              outputCount: parent.outputCount))
                }
            }
            for i in g.seqs.indices where !g.seqs[i].finished {
                let sample = Int((UInt64(g.seqs[i].id) &* 2_654_435_761 &+ UInt64(g.seqs[i].tokens.count) &* 40503) % 30000)
                g.seqs[i].tokens.append(sample)
                g.seqs[i].outputCount += 1
                if g.seqs[i].outputCount >= g.spec.maxTokens || g.seqs[i].tokens.count >= config.maxModelLen {
                    g.seqs[i].finished = true
                    blocks.free(g.seqs[i].id, now: currentStep)
                }
            }
            groups[entry.request] = g
            if g.unfinished.isEmpty {
                record.finished.append(entry.request)
                running.removeAll { $0 == entry.request }
                groups[entry.request] = nil
            }
        }
    }
}
