// The renderer's input: plain values the pipeline fills from the store, the call graph and the notes.
// The renderer never reads the store; everything a page shows is here.

import IndexModel

/// A symbol's stable identity in the site. The pipeline chooses it (normally the qualified name;
/// overloads add something that tells them apart). Symbol pages are named after it
/// (`symbols/<id>.html`), so it must not change between runs when the symbol does not.
public struct SiteSymbolID: RawRepresentable, Hashable, Codable, Sendable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { self.rawValue = raw }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (a: SiteSymbolID, b: SiteSymbolID) -> Bool { a.rawValue < b.rawValue }
}

/// A note's stable identity (the note file's id). Note pages are named after it.
public struct SiteNoteID: RawRepresentable, Hashable, Codable, Sendable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { self.rawValue = raw }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (a: SiteNoteID, b: SiteNoteID) -> Bool { a.rawValue < b.rawValue }
}

/// HTML that the caller vouches for (a note body rendered by the notes module, an explainer page).
/// It is the only way raw markup reaches a page; everything else is escaped by construction.
public struct TrustedHTML: Hashable, Codable, Sendable {
    /// The markup, inserted as is.
    public let html: String
    /// Wraps markup produced by a trusted renderer (cmark-gfm with unsafe HTML disabled, Graphviz).
    public init(trusted html: String) { self.html = html }
}

/// Everything the site shows.
public struct SiteModel: Sendable {
    /// Shown in the header and the page titles (e.g. "vLLM 0.6.2").
    public var title: String
    /// Every indexed file; each gets a source page.
    public var files: [SiteFile]
    /// Every symbol that has a page; identifier references may only point to these (others are
    /// shown unlinked, with a diagnostic).
    public var symbols: [SiteSymbol]
    public var notes: [SiteNote]
    public var tours: [SiteTour]
    public var kernels: [KernelRow]
    public var drift: [DriftResult]
    /// The roadmap's key directories (or files), in the order the home page lists them.
    public var keyDirectories: [KeyDirectory]
    /// Long-form pages (the PagedAttention explainer), listed on the home page.
    public var articles: [SiteArticle]

    public init(title: String, files: [SiteFile] = [], symbols: [SiteSymbol] = [], notes: [SiteNote] = [],
                tours: [SiteTour] = [], kernels: [KernelRow] = [], drift: [DriftResult] = [],
                keyDirectories: [KeyDirectory] = KeyDirectory.roadmap, articles: [SiteArticle] = [])
    {
        self.title = title
        self.files = files
        self.symbols = symbols
        self.notes = notes
        self.tours = tours
        self.kernels = kernels
        self.drift = drift
        self.keyDirectories = keyDirectories
        self.articles = articles
    }
}

/// One indexed source file.
public struct SiteFile: Sendable {
    public var path: RepoPath
    public var language: Language?
    /// The file's exact bytes (any encoding problems are repaired while rendering).
    public var bytes: [UInt8]
    /// Highlighting spans, UTF-8 byte offsets into `bytes`; need not cover every byte. Overlapping or
    /// out-of-range spans are skipped with a diagnostic.
    public var tokens: [TokenSpan]
    /// Identifiers that resolve to a symbol.
    public var references: [SiteReference]

    public init(path: RepoPath, language: Language? = nil, bytes: [UInt8], tokens: [TokenSpan] = [],
                references: [SiteReference] = [])
    {
        self.path = path
        self.language = language ?? Language.of(path: path.rawValue)
        self.bytes = bytes
        self.tokens = tokens
        self.references = references
    }
}

/// An identifier in a file that names a symbol: `[start, end)` in UTF-8 bytes.
public struct SiteReference: Hashable, Sendable {
    public var start: Int
    public var end: Int
    public var target: SiteSymbolID
    /// True where the symbol is defined (the name links to the symbol page instead of to itself).
    public var isDefinition: Bool
    public init(start: Int, end: Int, target: SiteSymbolID, isDefinition: Bool = false) {
        self.start = start
        self.end = end
        self.target = target
        self.isDefinition = isDefinition
    }
}

/// A symbol with everything its page shows.
public struct SiteSymbol: Sendable {
    public var id: SiteSymbolID
    public var qualifiedName: String
    public var name: String
    public var kind: SymbolKind
    public var language: Language
    public var file: RepoPath
    /// First and last line of the definition (1-based).
    public var lines: ClosedRange<Int>
    public var signature: String
    public var doc: String
    public var callers: [SiteEdge]
    public var callees: [SiteEdge]
    /// For kernels: where they are launched.
    public var launchSites: [LaunchSite]

    public init(id: SiteSymbolID, qualifiedName: String, name: String, kind: SymbolKind, language: Language,
                file: RepoPath, lines: ClosedRange<Int>, signature: String = "", doc: String = "",
                callers: [SiteEdge] = [], callees: [SiteEdge] = [], launchSites: [LaunchSite] = [])
    {
        self.id = id
        self.qualifiedName = qualifiedName
        self.name = name
        self.kind = kind
        self.language = language
        self.file = file
        self.lines = lines
        self.signature = signature
        self.doc = doc
        self.callers = callers
        self.callees = callees
        self.launchSites = launchSites
    }
}

/// One call-graph edge seen from a symbol: the symbol at the other end and where the call is written.
public struct SiteEdge: Hashable, Sendable {
    /// The other end; linked when the model has a symbol with this id.
    public var symbol: SiteSymbolID
    /// What to show for the other end (its qualified name, or the callee text for unresolved calls).
    public var displayName: String
    /// `call`, `launch`, `torch_op`, `reference`, ... as the call graph names it.
    public var kind: String
    /// 0...1, how sure the call graph is.
    public var confidence: Double
    /// Where the call is written.
    public var file: RepoPath
    public var line: Int
    /// The text of that line (trimmed by the renderer).
    public var sourceLine: String

    public init(symbol: SiteSymbolID, displayName: String, kind: String = "call", confidence: Double = 1,
                file: RepoPath, line: Int, sourceLine: String = "")
    {
        self.symbol = symbol
        self.displayName = displayName
        self.kind = kind
        self.confidence = confidence
        self.file = file
        self.line = line
        self.sourceLine = sourceLine
    }

    /// A word for the confidence: "certain" (1), "high" (>= 0.8), "medium" (>= 0.5), "low".
    public var confidenceLabel: String { SiteEdge.label(confidence: confidence) }

    static func label(confidence: Double) -> String {
        if confidence >= 0.999 { return "certain" }
        if confidence >= 0.8 { return "high" }
        if confidence >= 0.5 { return "medium" }
        return "low"
    }
}

/// A CUDA kernel launch `kernel<<<config>>>(...)`.
public struct LaunchSite: Hashable, Sendable {
    public var file: RepoPath
    public var line: Int
    /// The text between `<<<` and `>>>`.
    public var config: String
    /// The function the launch is written in, when known.
    public var launcher: SiteSymbolID?
    public var sourceLine: String
    public init(file: RepoPath, line: Int, config: String, launcher: SiteSymbolID? = nil, sourceLine: String = "") {
        self.file = file
        self.line = line
        self.config = config
        self.launcher = launcher
        self.sourceLine = sourceLine
    }
}

/// Where a note is attached.
public struct NoteAnchor: Hashable, Sendable {
    /// The current place (for orphans: the last known place). A folder of the site (`vllm/core`, with
    /// or without a trailing `/`) puts the note on the folder's page; `lines` is then ignored.
    public var file: RepoPath
    public var lines: ClosedRange<Int>
    /// The symbol the anchor names, when it names one (the note also shows on its page).
    public var symbol: SiteSymbolID?
    public var status: AnchorStatus
    /// 0...1.
    public var confidence: Double
    /// For moved/edited/orphaned anchors: where the note was before ("" / nil when unknown).
    public var previousFile: RepoPath?
    public var previousLines: ClosedRange<Int>?
    /// The note was written for code that changed since and no one has checked it (`notes review`).
    public var needsReview: Bool = false

    public init(file: RepoPath, lines: ClosedRange<Int>, symbol: SiteSymbolID? = nil, status: AnchorStatus = .exact,
                confidence: Double = 1, previousFile: RepoPath? = nil, previousLines: ClosedRange<Int>? = nil,
                needsReview: Bool = false)
    {
        self.needsReview = needsReview
        self.file = file
        self.lines = lines
        self.symbol = symbol
        self.status = status
        self.confidence = confidence
        self.previousFile = previousFile
        self.previousLines = previousLines
    }
}

/// A study note.
public struct SiteNote: Sendable {
    public var id: SiteNoteID
    public var title: String
    public var tags: [String]
    /// The body as HTML, rendered by the notes module.
    public var body: TrustedHTML
    /// The body as plain text, for the search index; derived from `body` when nil.
    public var bodyText: String?
    public var anchors: [NoteAnchor]

    public init(id: SiteNoteID, title: String, tags: [String] = [], body: TrustedHTML, bodyText: String? = nil,
                anchors: [NoteAnchor] = [])
    {
        self.id = id
        self.title = title
        self.tags = tags
        self.body = body
        self.bodyText = bodyText
        self.anchors = anchors
    }
}

/// A guided walk through the code.
public struct SiteTour: Sendable {
    /// Stable, names the tour's folder (`tours/<id>/`).
    public var id: String
    public var title: String
    public var summary: String
    public var steps: [TourStep]
    /// The path diagram, laid out beforehand (see `GraphvizLayout`); nil draws a simple fallback.
    public var diagram: TourDiagram?

    public init(id: String, title: String, summary: String = "", steps: [TourStep], diagram: TourDiagram? = nil) {
        self.id = id
        self.title = title
        self.summary = summary
        self.steps = steps
        self.diagram = diagram
    }
}

/// One stop of a tour.
public struct TourStep: Sendable {
    /// Stable within the tour; names the step's page (`tours/<tour>/step-<id>.html`). Empty: derived
    /// from the note, else the symbol, else the file and first line (never from the position).
    public var id: String
    public var title: String
    /// The code the step shows, when it shows code.
    public var file: RepoPath?
    public var lines: ClosedRange<Int>?
    public var symbol: SiteSymbolID?
    /// The note the step is, when it is one (linked from the step page).
    public var note: SiteNoteID?
    /// The step's explanation (rendered Markdown).
    public var body: TrustedHTML

    public init(id: String = "", title: String, file: RepoPath? = nil, lines: ClosedRange<Int>? = nil,
                symbol: SiteSymbolID? = nil, note: SiteNoteID? = nil, body: TrustedHTML)
    {
        self.id = id
        self.title = title
        self.file = file
        self.lines = lines
        self.symbol = symbol
        self.note = note
        self.body = body
    }
}

extension SiteTour {
    /// Each step's id as its page is named: the given id, else one derived from what the step shows;
    /// repeats get `-2`, `-3`, ...
    public var stepIDs: [String] {
        var seen: [String: Int] = [:]
        return steps.map { step in
            var id = step.id
            if id.isEmpty {
                if let note = step.note { id = note.rawValue }
                else if let symbol = step.symbol { id = symbol.rawValue }
                else if let file = step.file { id = file.rawValue + "-L\(step.lines?.lowerBound ?? 1)" }
                else { id = "step" }
            }
            let n = (seen[id] ?? 0) + 1
            seen[id] = n
            return n == 1 ? id : "\(id)-\(n)"
        }
    }
}

/// One row of the kernel inventory.
public struct KernelRow: Sendable {
    public var kernel: SiteSymbolID
    public var name: String
    public var file: RepoPath
    public var line: Int
    public var templateParameters: [String]
    /// `__launch_bounds__(...)` arguments as written, "" when none.
    public var launchBounds: String
    /// `__shared__` declarations as written.
    public var sharedMemory: [String]
    public var launchSites: [LaunchSite]
    /// Torch ops whose implementation reaches the kernel (`_C.paged_attention_v1`).
    public var torchOps: [String]
    /// Python functions that reach the kernel.
    public var pythonCallers: [SiteSymbolID]
    public var notes: [SiteNoteID]

    public init(kernel: SiteSymbolID, name: String, file: RepoPath, line: Int, templateParameters: [String] = [],
                launchBounds: String = "", sharedMemory: [String] = [], launchSites: [LaunchSite] = [],
                torchOps: [String] = [], pythonCallers: [SiteSymbolID] = [], notes: [SiteNoteID] = [])
    {
        self.kernel = kernel
        self.name = name
        self.file = file
        self.line = line
        self.templateParameters = templateParameters
        self.launchBounds = launchBounds
        self.sharedMemory = sharedMemory
        self.launchSites = launchSites
        self.torchOps = torchOps
        self.pythonCallers = pythonCallers
        self.notes = notes
    }
}

/// One anchor's re-anchoring outcome, for the drift page.
public struct DriftResult: Sendable {
    public var note: SiteNoteID
    public var noteTitle: String
    /// The release the anchor was written against and the one it was moved to ("0.6.2" -> "0.7.3").
    public var fromVersion: String
    public var toVersion: String
    public var status: AnchorStatus
    public var confidence: Double
    public var oldFile: RepoPath
    public var oldLines: ClosedRange<Int>
    /// nil for orphans.
    public var newFile: RepoPath?
    public var newLines: ClosedRange<Int>?
    /// Why the re-anchorer decided so, in words.
    public var evidence: String
    /// The note was written for code that changed since and no one has checked it.
    public var needsReview: Bool = false

    public init(note: SiteNoteID, noteTitle: String, fromVersion: String = "", toVersion: String = "",
                status: AnchorStatus, confidence: Double, oldFile: RepoPath, oldLines: ClosedRange<Int>,
                newFile: RepoPath? = nil, newLines: ClosedRange<Int>? = nil, evidence: String = "")
    {
        self.note = note
        self.noteTitle = noteTitle
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.status = status
        self.confidence = confidence
        self.oldFile = oldFile
        self.oldLines = oldLines
        self.newFile = newFile
        self.newLines = newLines
        self.evidence = evidence
    }
}

/// A directory (or a single file) the roadmap points readers to.
public struct KeyDirectory: Sendable {
    public var path: String
    public var title: String
    /// What is there, in a sentence or two.
    public var summary: String
    /// Where to start reading: files or symbols (symbol ids, or repo paths); empty picks the files
    /// with the most notes, then the most symbols.
    public var startHere: [String]

    public init(path: String, title: String, summary: String, startHere: [String] = []) {
        self.path = path
        self.title = title
        self.summary = summary
        self.startHere = startHere
    }

    /// The eight places the vLLM study roadmap starts from.
    public static let roadmap: [KeyDirectory] = [
        KeyDirectory(path: "vllm/attention", title: "Attention (Python)",
                     summary: "Attention backends and the Python side of PagedAttention.",
                     startHere: ["vllm/attention/ops/paged_attn.py"]),
        KeyDirectory(path: "csrc/attention", title: "Attention kernels (CUDA)",
                     summary: "The PagedAttention v1/v2 kernels and their launchers."),
        KeyDirectory(path: "vllm/core", title: "Scheduler and block manager",
                     summary: "Continuous batching, KV-cache block allocation, preemption."),
        KeyDirectory(path: "vllm/model_executor", title: "Model executor",
                     summary: "Model definitions, layers, weight loading and sampling."),
        KeyDirectory(path: "csrc/quantization", title: "Quantization kernels",
                     summary: "GPTQ, AWQ, FP8, Marlin and friends."),
        KeyDirectory(path: "vllm/distributed", title: "Distributed inference",
                     summary: "Tensor and pipeline parallel groups and communication."),
        KeyDirectory(path: "csrc/cache_kernels.cu", title: "KV-cache kernels",
                     summary: "reshape_and_cache, copy_blocks, swap_blocks."),
        KeyDirectory(path: "vllm/engine", title: "Engine",
                     summary: "LLMEngine and AsyncLLMEngine: how a request flows through vLLM."),
    ]
}

/// A long-form page (the PagedAttention explainer).
public struct SiteArticle: Sendable {
    /// Names the page (`articles/<slug>.html`).
    public var slug: String
    public var title: String
    public var body: TrustedHTML
    public init(slug: String, title: String, body: TrustedHTML) {
        self.slug = slug
        self.title = title
        self.body = body
    }
}

/// A tour's path diagram as SVG markup (from `GraphvizLayout`).
public struct TourDiagram: Sendable {
    /// The `<svg>` element, ready to inline.
    public var svg: TrustedHTML
    /// True when Graphviz laid it out; false for the hand-laid fallback.
    public var byGraphviz: Bool
    /// Why Graphviz was not used ("" when it was).
    public var fallbackReason: String
    public init(svg: TrustedHTML, byGraphviz: Bool, fallbackReason: String = "") {
        self.svg = svg
        self.byGraphviz = byGraphviz
        self.fallbackReason = fallbackReason
    }
}

// MARK: Conveniences for filling the model from the index's values

extension SiteSymbol {
    /// A symbol page's data from an indexed `Symbol`; the id defaults to the qualified name.
    public init(_ symbol: Symbol, id: SiteSymbolID? = nil, callers: [SiteEdge] = [], callees: [SiteEdge] = [],
                launchSites: [LaunchSite] = [])
    {
        self.init(id: id ?? SiteSymbolID(symbol.qualifiedName), qualifiedName: symbol.qualifiedName, name: symbol.name,
                  kind: symbol.kind, language: symbol.language, file: symbol.file, lines: symbol.range.lines,
                  signature: symbol.signature, doc: symbol.doc, callers: callers, callees: callees,
                  launchSites: launchSites)
    }
}

extension LaunchSite {
    /// A launch from an indexed `.launch` call site; `launcher` defaults to the call site's caller.
    public init(_ call: CallSite, launcher: SiteSymbolID? = nil, sourceLine: String = "") {
        self.init(file: call.file, line: call.range.start.line, config: call.launchConfig,
                  launcher: launcher ?? (call.caller.isEmpty ? nil : SiteSymbolID(call.caller)), sourceLine: sourceLine)
    }
}

extension SiteReference {
    /// A reference from a 1-based line and 1-based UTF-8 byte columns (as `SourceRange` counts), given
    /// the byte offset of each line's start in the file.
    public init?(range: SourceRange, lineStarts: [Int], target: SiteSymbolID, isDefinition: Bool = false) {
        guard range.start.line >= 1, range.start.line <= lineStarts.count,
              range.end.line >= 1, range.end.line <= lineStarts.count else { return nil }
        let start = lineStarts[range.start.line - 1] + range.start.column - 1
        let end = lineStarts[range.end.line - 1] + range.end.column - 1
        guard start < end else { return nil }
        self.init(start: start, end: end, target: target, isDefinition: isDefinition)
    }
}

extension SiteFile {
    /// The byte offset of each line's start (line 1 starts at 0), for `SiteReference(range:lineStarts:...)`.
    public var lineStarts: [Int] {
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A && i + 1 < bytes.count { starts.append(i + 1) }
        return starts
    }
}
