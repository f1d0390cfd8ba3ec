// Block allocation and block tables in the manner of vLLM 0.6.2's block manager v2
// (vllm/core/block_manager_v2.py, vllm/core/block/{naive_block,prefix_caching_block,
// cpu_gpu_block_allocator,block_table,common}.py, vllm/core/evictor_v2.py).
//
// Differences from vLLM, on purpose: swapping moves each distinct physical block once and keeps
// blocks shared among a group's sequences shared (vLLM swaps per block object); content hashes are a
// deterministic FNV-1a over (is first block, previous hash, tokens) instead of Python's `hash`; time
// is the caller's step counter, never a clock.

/// Where a block lives: the accelerator's pool or the host's swap pool.
public enum Device: String, Sendable, Codable, Hashable {
    case gpu, cpu
}

/// Whether a request's blocks can be allocated (vLLM's `AllocStatus`).
public enum AllocStatus: String, Sendable, Codable, Hashable {
    /// Enough free blocks now, above the watermark.
    case ok
    /// Not now; maybe after other requests free blocks.
    case later
    /// Never: the request needs more blocks than the pool minus the watermark holds.
    case never
}

/// Identifies a sequence (one sample of one request).
public typealias SequenceID = Int

/// A copy the cache must perform: whole block `source` to block `destination`.
public struct BlockCopy: Sendable, Hashable, Codable {
    /// Source physical block.
    public var source: Int
    /// Destination physical block.
    public var destination: Int
    /// Creates a copy record.
    public init(source: Int, destination: Int) {
        self.source = source
        self.destination = destination
    }
}

/// One device's pool of physical blocks: free list, reference counts and (optionally) the prefix
/// cache with its LRU evictor.
struct BlockPool: Sendable {
    let numBlocks: Int
    /// Free block ids; the last element is handed out next (vLLM's deque with `appendleft`/`popleft`).
    var free: [Int]
    var refCount: [Int]
    /// Prefix cache: content hash -> block id, and back.
    var cached: [UInt64: Int] = [:]
    var hashOf: [Int: UInt64] = [:]
    /// Cached blocks nobody references, kept for reuse until evicted (vLLM's LRUEvictor free table).
    var evictable: [Int: (hash: UInt64, hashedTokens: Int, lastAccessed: Int)] = [:]
    var lastAccessed: [Int]

    init(numBlocks: Int) {
        self.numBlocks = numBlocks
        free = Array((0..<numBlocks).reversed())
        refCount = [Int](repeating: 0, count: numBlocks)
        lastAccessed = [Int](repeating: 0, count: numBlocks)
    }

    /// Free blocks plus cached blocks the evictor could reclaim.
    var numFree: Int { free.count + evictable.count }

    /// Takes a block: a free one first, else evicts the least recently used cached block (ties: the
    /// one covering the most hashed tokens, as vLLM's evictor does). The block's refcount becomes 1.
    mutating func allocateID() -> Int {
        let id: Int
        if let f = free.popLast() {
            id = f
        } else {
            // -Ounchecked (this target's mode) drops preconditions; this check must stay.
            guard !evictable.isEmpty else { fatalError("no free blocks: the caller skipped its can-allocate check") }
            let victim = evictable.min { a, b in
                a.value.lastAccessed != b.value.lastAccessed ? a.value.lastAccessed < b.value.lastAccessed
                    : a.value.hashedTokens != b.value.hashedTokens ? a.value.hashedTokens > b.value.hashedTokens
                    : a.key < b.key
            }!
            evictable[victim.key] = nil
            cached[victim.value.hash] = nil
            hashOf[victim.key] = nil
            id = victim.key
        }
        require(refCount[id] == 0)
        refCount[id] = 1
        return id
    }

    /// Drops one reference; at zero a cached block goes to the evictor, any other back to the free list.
    mutating func release(_ id: Int, now: Int, hashedTokens: Int) {
        guard refCount[id] > 0 else { fatalError("double free of block \(id)") }
        refCount[id] -= 1
        lastAccessed[id] = max(lastAccessed[id], now)
        guard refCount[id] == 0 else { return }
        if let h = hashOf[id] {
            evictable[id] = (h, hashedTokens, lastAccessed[id])
        } else {
            free.append(id)
        }
    }

    /// Takes one more reference to a cached block, reviving it from the evictor if needed.
    mutating func retainCached(_ id: Int) {
        if refCount[id] == 0 { evictable[id] = nil }
        refCount[id] += 1
    }
}

/// One block of a sequence's table: the physical block and the tokens it holds.
public struct TableBlock: Sendable, Hashable {
    /// Physical block id on the table's device.
    public var id: Int
    /// Token ids stored in the block (at most `blockSize`).
    public var tokens: [Int]
    /// Content hash once full and prefix caching is on.
    public var hash: UInt64?
}

/// A sequence's block table.
public struct BlockTable: Sendable, Hashable {
    /// The device holding the blocks.
    public var device: Device
    /// Logical block i is `blocks[i]`.
    public var blocks: [TableBlock]
    /// Tokens stored (vLLM's `num_full_slots`).
    public var numTokens: Int
    /// Physical ids in logical order (what the attention kernel's block table row holds).
    public var physicalIDs: [Int] { blocks.map(\.id) }
}

/// Counters of the block manager's activity.
public struct BlockManagerStats: Sendable, Hashable, Codable {
    /// Full blocks found in the prefix cache.
    public var prefixCacheHits = 0
    /// Full blocks looked up in the prefix cache.
    public var prefixCacheQueries = 0
    /// Copy-on-write copies issued.
    public var copyOnWrites = 0
    /// Cached blocks evicted to make room.
    public var evictions = 0
}

/// Allocates blocks for sequences on a device pool and a host pool (vLLM's `BlockSpaceManagerV2`).
///
/// Value type: copying a manager snapshots every table and pool. Callers check `canAllocate`,
/// `canAppendSlots`, `canSwapOut` / `canSwapIn` before the matching mutation; the mutations trap on
/// misuse (a bug in the caller, not a runtime condition).
public struct BlockSpaceManager: Sendable {
    /// Tokens per block.
    public let blockSize: Int
    /// Fraction of device blocks kept free when admitting new requests (vLLM's default 0.01).
    public let watermark: Double
    /// Device blocks kept free by the watermark: `Int(watermark * numGPUBlocks)`.
    public let watermarkBlocks: Int
    /// Whether full blocks are shared by content hash.
    public let enablePrefixCaching: Bool
    var gpu: BlockPool
    var cpu: BlockPool
    /// Block tables by sequence.
    public private(set) var tables: [SequenceID: BlockTable] = [:]
    /// Activity counters.
    public private(set) var stats = BlockManagerStats()

    /// Creates a manager over `numGPUBlocks` device blocks and `numCPUBlocks` host blocks.
    public init(blockSize: Int, numGPUBlocks: Int, numCPUBlocks: Int, watermark: Double = 0.01,
                enablePrefixCaching: Bool = false) {
        require(watermark >= 0)
        self.blockSize = blockSize
        self.watermark = watermark
        self.watermarkBlocks = Int(watermark * Double(numGPUBlocks))
        self.enablePrefixCaching = enablePrefixCaching
        gpu = BlockPool(numBlocks: numGPUBlocks)
        cpu = BlockPool(numBlocks: numCPUBlocks)
    }

    // MARK: Queries

    /// Total blocks of a device.
    public func numTotalBlocks(_ device: Device) -> Int { pool(device).numBlocks }
    /// Free blocks of a device (with prefix caching, unreferenced cached blocks count as free).
    public func numFreeBlocks(_ device: Device) -> Int { pool(device).numFree }
    /// Blocks of a device referenced by some sequence.
    public func numUsedBlocks(_ device: Device) -> Int { pool(device).numBlocks - pool(device).numFree }
    /// Reference count of a physical block.
    public func refCount(_ device: Device, _ id: Int) -> Int { pool(device).refCount[id] }
    /// Physical block ids of a sequence, in logical order.
    public func blockTable(_ seq: SequenceID) -> [Int] { tables[seq]?.physicalIDs ?? [] }

    func pool(_ device: Device) -> BlockPool { device == .gpu ? gpu : cpu }

    /// Blocks needed for `numTokens` tokens.
    public func blocksNeeded(_ numTokens: Int) -> Int { (numTokens + blockSize - 1) / blockSize }

    /// Whether a new request of `numTokens` prompt tokens can get its blocks (vLLM's `can_allocate`,
    /// assuming the worst case of no prefix-cache hit).
    public func canAllocate(numTokens: Int) -> AllocStatus {
        let required = blocksNeeded(numTokens)
        if gpu.numBlocks - required < watermarkBlocks { return .never }
        return gpu.numFree - required >= watermarkBlocks ? .ok : .later
    }

    // MARK: Allocation

    /// Allocates a table for `seq` holding `tokens`: full blocks are immutable (shared through the
    /// prefix cache when enabled), the partial tail block is mutable. Further sequences in `forks`
    /// share the table (a request with several samples).
    public mutating func allocate(_ seq: SequenceID, tokens: [Int], forks: [SequenceID] = []) {
        require(tables[seq] == nil, "block table already exists for \(seq)")
        var blocks: [TableBlock] = []
        var prevHash: UInt64? = nil
        var start = 0
        while start < tokens.count {
            let chunk = Array(tokens[start..<min(start + blockSize, tokens.count)])
            if chunk.count == blockSize {
                blocks.append(allocateFull(chunk, prevHash: prevHash, isFirst: start == 0))
                prevHash = blocks.last!.hash
            } else {
                blocks.append(TableBlock(id: gpu.allocateID(), tokens: chunk, hash: nil))
            }
            start += blockSize
        }
        tables[seq] = BlockTable(device: .gpu, blocks: blocks, numTokens: tokens.count)
        for child in forks { fork(parent: seq, child: child) }
    }

    /// A full block: a prefix-cache hit shares the cached block; otherwise a new block, registered
    /// in the cache under its hash.
    mutating func allocateFull(_ chunk: [Int], prevHash: UInt64?, isFirst: Bool) -> TableBlock {
        guard enablePrefixCaching else { return TableBlock(id: gpu.allocateID(), tokens: chunk, hash: nil) }
        let h = Self.contentHash(isFirst: isFirst, prevHash: prevHash, tokens: chunk)
        stats.prefixCacheQueries += 1
        if let id = gpu.cached[h] {
            stats.prefixCacheHits += 1
            gpu.retainCached(id)
            return TableBlock(id: id, tokens: chunk, hash: h)
        }
        let id = allocateGPUID()
        gpu.cached[h] = id
        gpu.hashOf[id] = h
        return TableBlock(id: id, tokens: chunk, hash: h)
    }

    mutating func allocateGPUID() -> Int {
        if gpu.free.isEmpty && !gpu.evictable.isEmpty { stats.evictions += 1 }
        return gpu.allocateID()
    }

    /// The child shares every block of the parent (reference counts go up); the first append to a
    /// shared partial block triggers copy-on-write.
    public mutating func fork(parent: SequenceID, child: SequenceID) {
        guard let table = tables[parent] else { return }
        require(tables[child] == nil)
        for b in table.blocks {
            if table.device == .gpu { gpu.refCount[b.id] += 1 } else { cpu.refCount[b.id] += 1 }
        }
        tables[child] = table
    }

    /// Blocks touched by appending `count` tokens to `seq` (vLLM's worst case: each touched block may
    /// need a new allocation, by copy-on-write or growth).
    public func blocksTouchedByAppend(_ seq: SequenceID, count: Int) -> Int {
        guard let t = tables[seq], count > 0 else { return 0 }
        let firstChunk = blockSize - t.numTokens % blockSize
        return 1 + Int((Double(count - firstChunk) / Double(blockSize)).rounded(.up))
    }

    /// Whether appending `newTokens[i]` tokens to `seqs[i]` fits in the free device blocks.
    public func canAppendSlots(_ seqs: [SequenceID], newTokens: [Int]) -> Bool {
        zip(seqs, newTokens).map { blocksTouchedByAppend($0, count: $1) }.reduce(0, +) <= gpu.numFree
    }

    /// Appends tokens to a sequence's table, growing it and copying a shared last block first
    /// (copy-on-write). Returns the copies the cache must perform.
    public mutating func appendTokens(_ seq: SequenceID, _ tokens: [Int]) -> [BlockCopy] {
        guard var t = tables[seq], !tokens.isEmpty else { return [] }
        require(t.device == .gpu, "cannot append to a swapped-out sequence")
        while t.blocks.count * blockSize < t.numTokens + tokens.count {
            t.blocks.append(TableBlock(id: allocateGPUID(), tokens: [], hash: nil))
        }
        var copies: [BlockCopy] = []
        var rest = tokens[...]
        var index = t.numTokens / blockSize
        while !rest.isEmpty {
            var b = t.blocks[index]
            let take = min(blockSize - b.tokens.count, rest.count)
            if gpu.refCount[b.id] > 1 {
                // Shared with a forked sequence: give this sequence its own copy before writing.
                gpu.refCount[b.id] -= 1
                let fresh = allocateGPUID()
                copies.append(BlockCopy(source: b.id, destination: fresh))
                stats.copyOnWrites += 1
                b.id = fresh
            }
            b.tokens += rest.prefix(take)
            rest = rest.dropFirst(take)
            if b.tokens.count == blockSize && enablePrefixCaching {
                let prev = index == 0 ? nil : t.blocks[index - 1].hash
                if index == 0 || prev != nil {
                    b = promote(b, prevHash: prev, isFirst: index == 0)
                }
            }
            t.blocks[index] = b
            index += 1
        }
        t.numTokens += tokens.count
        tables[seq] = t
        return copies
    }

    /// A mutable block just became full: register it in the prefix cache, or switch to the block
    /// already cached under the same hash (vLLM's `promote_to_immutable_block`).
    mutating func promote(_ block: TableBlock, prevHash: UInt64?, isFirst: Bool) -> TableBlock {
        var b = block
        let h = Self.contentHash(isFirst: isFirst, prevHash: prevHash, tokens: b.tokens)
        b.hash = h
        if let existing = gpu.cached[h], existing != b.id {
            gpu.release(b.id, now: 0, hashedTokens: 0)
            gpu.retainCached(existing)
            b.id = existing
        } else {
            gpu.cached[h] = b.id
            gpu.hashOf[b.id] = h
        }
        return b
    }

    /// Frees a sequence's table; blocks whose count drops to zero return to the free list, or, when
    /// cached, to the evictor with `now` as their last access.
    public mutating func free(_ seq: SequenceID, now: Int = 0) {
        guard let t = tables.removeValue(forKey: seq) else { return }
        for (i, b) in t.blocks.enumerated() {
            if t.device == .gpu {
                gpu.release(b.id, now: now, hashedTokens: (i + 1) * blockSize)
            } else {
                cpu.release(b.id, now: now, hashedTokens: 0)
            }
        }
    }

    // MARK: Swapping

    /// Distinct physical blocks of a group of sequences on `device`, in first-seen order, with how
    /// many references the group holds on each.
    func groupBlocks(_ seqs: [SequenceID], on device: Device) -> [(id: Int, refs: Int, block: TableBlock, index: Int)] {
        var order: [Int] = []
        var info: [Int: (refs: Int, block: TableBlock, index: Int)] = [:]
        for s in seqs {
            guard let t = tables[s], t.device == device else { continue }
            for (i, b) in t.blocks.enumerated() {
                if let e = info[b.id] { info[b.id] = (e.refs + 1, e.block, e.index) } else {
                    order.append(b.id)
                    info[b.id] = (1, b, i)
                }
            }
        }
        return order.map { ($0, info[$0]!.refs, info[$0]!.block, info[$0]!.index) }
    }

    /// Whether the group's device blocks fit in the host pool (no watermark on the host).
    public func canSwapOut(_ seqs: [SequenceID]) -> Bool {
        groupBlocks(seqs, on: .gpu).count <= cpu.numFree
    }

    /// Moves the group's blocks to the host pool; returns the (device block -> host block) copies.
    public mutating func swapOut(_ seqs: [SequenceID], now: Int = 0) -> [BlockCopy] {
        let moved = groupBlocks(seqs, on: .gpu)
        require(moved.count <= cpu.numFree, "not enough host blocks")
        var map: [Int: Int] = [:]
        var copies: [BlockCopy] = []
        for m in moved {
            let host = cpu.allocateID()
            cpu.refCount[host] = m.refs
            for _ in 0..<m.refs { gpu.release(m.id, now: now, hashedTokens: (m.index + 1) * blockSize) }
            map[m.id] = host
            copies.append(BlockCopy(source: m.id, destination: host))
        }
        remap(seqs, from: .gpu, to: .cpu, map)
        return copies
    }

    /// Device blocks swapping the group in needs, ignoring full blocks already in use in the prefix
    /// cache, plus the blocks appending `newTokens[i]` tokens to `seqs[i]` right after may touch;
    /// `.never` when the device pool is too small, `.later` below the watermark.
    public func canSwapIn(_ seqs: [SequenceID], newTokens: [Int] = []) -> AllocStatus {
        var touched = groupBlocks(seqs, on: .cpu).filter { m in
            guard enablePrefixCaching, let h = m.block.hash, let id = gpu.cached[h] else { return true }
            return gpu.refCount[id] == 0
        }.count
        touched += zip(seqs, newTokens).map { blocksTouchedByAppend($0, count: $1) }.reduce(0, +)
        if gpu.numBlocks < touched { return .never }
        return gpu.numFree - touched >= watermarkBlocks ? .ok : .later
    }

    /// Moves the group's blocks back to the device pool; returns the (host block -> device block)
    /// copies. A full block whose hash is cached on the device shares that block.
    public mutating func swapIn(_ seqs: [SequenceID]) -> [BlockCopy] {
        let moved = groupBlocks(seqs, on: .cpu)
        var map: [Int: Int] = [:]
        var copies: [BlockCopy] = []
        for m in moved {
            let device: Int
            if enablePrefixCaching, let h = m.block.hash, let id = gpu.cached[h] {
                gpu.retainCached(id)
                gpu.refCount[id] += m.refs - 1
                device = id
            } else {
                device = allocateGPUID()
                gpu.refCount[device] = m.refs
                if enablePrefixCaching, let h = m.block.hash {
                    gpu.cached[h] = device
                    gpu.hashOf[device] = h
                }
            }
            for _ in 0..<m.refs { cpu.release(m.id, now: 0, hashedTokens: 0) }
            map[m.id] = device
            copies.append(BlockCopy(source: m.id, destination: device))
        }
        remap(seqs, from: .cpu, to: .gpu, map)
        return copies
    }

    mutating func remap(_ seqs: [SequenceID], from: Device, to: Device, _ map: [Int: Int]) {
        for s in seqs {
            guard var t = tables[s], t.device == from else { continue }
            t.device = to
            for i in t.blocks.indices { t.blocks[i].id = map[t.blocks[i].id]! }
            tables[s] = t
        }
    }

    // MARK: Invariants and hashing

    /// Every violated invariant, described (empty when consistent): each block is exactly one of
    /// free, evictable (cached, unreferenced) or referenced by as many table entries as its count;
    /// no block is free twice; the prefix cache maps agree.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        for device in [Device.gpu, .cpu] {
            let p = pool(device)
            var refs = [Int](repeating: 0, count: p.numBlocks)
            for (_, t) in tables where t.device == device { for b in t.blocks { refs[b.id] += 1 } }
            let freeSet = Set(p.free)
            if freeSet.count != p.free.count { problems.append("\(device): a block is on the free list twice") }
            for id in 0..<p.numBlocks {
                let states = (freeSet.contains(id) ? 1 : 0) + (p.evictable[id] != nil ? 1 : 0) + (refs[id] > 0 ? 1 : 0)
                if states != 1 { problems.append("\(device): block \(id) free=\(freeSet.contains(id)) evictable=\(p.evictable[id] != nil) refs=\(refs[id])") }
                if refs[id] != p.refCount[id] { problems.append("\(device): block \(id) refcount \(p.refCount[id]) but \(refs[id]) references") }
            }
            for (h, id) in p.cached where p.hashOf[id] != h { problems.append("\(device): cache maps disagree on block \(id)") }
            if p.cached.count != p.hashOf.count { problems.append("\(device): cache maps differ in size") }
        }
        return problems
    }

    /// Hash of a full block's tokens and its prefix (FNV-1a, 64 bit; deterministic across runs).
    public static func contentHash(isFirst: Bool, prevHash: UInt64?, tokens: [Int]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ v: UInt64) {
            for shift in stride(from: 0, to: 64, by: 8) {
                h ^= (v >> UInt64(shift)) & 0xff
                h = h &* 0x0000_0100_0000_01b3
            }
        }
        mix(isFirst ? 1 : 0)
        mix(prevHash ?? 0)
        for t in tokens { mix(UInt64(bitPattern: Int64(t))) }
        return h
    }
}
