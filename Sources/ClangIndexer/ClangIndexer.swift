// ClangIndexer: indexes a checkout's C, C++ and CUDA files through libclang (see Sources/Modules.md).
//
// Stages: flags (ClangFlags), the prelude precompiled once per run (PreludePCH), parsing each
// translation unit on its own worker (one CXIndex per worker), the cursor walk that copies what
// Marginalia needs into IndexModel values (TranslationUnitWalker), and `merge`, which regroups the
// per-TU results by the file each record is written in.
internal import CClang
import Foundation
import IndexModel

/// How one kind of source file is parsed.
public enum ClangLanguageMode: String, Sendable, Codable, CaseIterable {
    /// CUDA, device side (`-x cuda --cuda-device-only`): sees code under `#if __CUDA_ARCH__` and is a
    /// superset of the host side for vLLM (measured); C++ host code parses too.
    case cudaDevice
    /// CUDA, host side only.
    case cudaHost
    /// C++17.
    case cxx
}

/// Options for a ClangIndexer run.
public struct ClangIndexOptions: Sendable {
    /// The language mode per file extension (without the dot); extensions not listed use `defaultMode`.
    public var modes: [String: ClangLanguageMode]
    public var defaultMode: ClangLanguageMode
    /// `--cuda-gpu-arch` for device-side parsing (LLVM 14 accepts up to sm_86).
    public var gpuArch: String
    /// Extra `-D` definitions, `NAME=VALUE` or `NAME`.
    public var defines: [String]
    /// Include directories relative to the checkout root (in addition to the TU's own directory).
    public var includeDirectories: [String]
    /// Extra raw clang arguments appended last.
    public var extraArguments: [String]
    /// Number of parallel workers (each with its own CXIndex); 0 means one per active CPU.
    public var workers: Int
    /// Where the precompiled prelude is written; nil means a fresh temporary directory, removed
    /// after the run.
    public var pchDirectory: URL?
    /// Whether to use the prelude at all (without it vLLM's CUDA does not type-check).
    public var usePrelude: Bool
    /// Target flags for files parsed as plain C++ (the x86 host). vLLM's CPU backend keeps most of
    /// its kernels and op registrations under `__AVX2__` / `__AVX512F__` / `__AVX512BF16__`, which
    /// its x86 build enables; without these they sit in inactive branches.
    public var hostTargetFlags: [String]

    public init(
        modes: [String: ClangLanguageMode] = ClangIndexOptions.measuredModes, defaultMode: ClangLanguageMode = .cudaDevice,
        gpuArch: String = "sm_86",
        defines: [String] = ["TORCH_EXTENSION_NAME=_C", "ENABLE_FP8"],
        includeDirectories: [String] = ["csrc"], extraArguments: [String] = [], workers: Int = 0,
        pchDirectory: URL? = nil, usePrelude: Bool = true,
        hostTargetFlags: [String] = [
            "-mavx2", "-mfma", "-mf16c", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512bf16",
            "-mavx512vnni",
        ]
    ) {
        self.modes = modes
        self.defaultMode = defaultMode
        self.gpuArch = gpuArch
        self.defines = defines
        self.includeDirectories = includeDirectories
        self.extraArguments = extraArguments
        self.workers = workers
        self.pchDirectory = pchDirectory
        self.usePrelude = usePrelude
        self.hostTargetFlags = hostTargetFlags
    }

    /// CUDA files device-side, everything else as C++17 for the x86 host. Measured on vLLM 0.6.2
    /// (LLVM 14): 1,222 function definitions and 6,132 calls (with `hostTargetFlags`), against 1,212
    /// and 6,126 with every file as device-side CUDA; host files see the x86 branches of csrc/cpu. Kernels and device functions
    /// written in headers are still classified through the `.cu` files that include them (`merge`
    /// keeps the CUDA view of a symbol seen both ways).
    public static let measuredModes: [String: ClangLanguageMode] = [
        "cu": .cudaDevice, "cuh": .cudaDevice, "cpp": .cxx, "cc": .cxx, "c": .cxx, "h": .cxx, "hpp": .cxx, "inl": .cxx,
    ]

    func mode(for path: RepoPath) -> ClangLanguageMode {
        let name = path.fileName
        guard let dot = name.lastIndex(of: ".") else { return defaultMode }
        return modes[String(name[name.index(after: dot)...])] ?? defaultMode
    }
}

/// What a ClangIndexer run produced.
public struct ClangIndexResult: Sendable {
    /// One FileIndex per translation unit, sorted by path. Each carries the records libclang showed
    /// in that TU for every checkout file (headers included, each record with its own `file`);
    /// `includes` and `diagnostics` belong to the TU.
    public var units: [FileIndex]
    /// The translation units whose parse failed outright (libclang error or crash), sorted.
    public var failedUnits: [RepoPath]

    public init(units: [FileIndex], failedUnits: [RepoPath]) {
        self.units = units
        self.failedUnits = failedUnits
    }

    /// The units merged into one FileIndex per source file (see `ClangIndexer.merge`).
    public var merged: [FileIndex] { ClangIndexer.merge(units) }
}

/// Indexes C, C++ and CUDA translation units of one checkout through libclang.
///
/// Every `.cu .cuh .cpp .cc .c .h .hpp .inl` file is its own translation unit (headers too: vLLM
/// keeps kernels in `.cuh` files). A prelude (CUDA keywords and built-ins, half/bfloat16/fp8, the
/// c10/ATen/torch and pybind11 names vLLM uses) is precompiled once per run and included first.
/// Not done: compile_commands.json is not read; code in inactive `#if` branches is invisible except
/// for the op registrations found by a text scan of skipped ranges.
public struct ClangIndexer: Sendable {
    public let checkoutRoot: URL
    public let options: ClangIndexOptions

    /// The file extensions indexed, without dots.
    public static let sourceExtensions: Set<String> = ["cu", "cuh", "cpp", "cc", "c", "h", "hpp", "inl"]

    public init(checkoutRoot: URL, options: ClangIndexOptions = .init()) {
        self.checkoutRoot = checkoutRoot.standardizedFileURL.resolvingSymlinksInPath()
        self.options = options
    }

    /// Every indexable C/C++/CUDA file under the checkout, sorted; hidden directories are skipped.
    public func sourceFiles() -> [RepoPath] {
        let root = checkoutRoot.path
        guard let walker = FileManager.default.enumerator(
            at: checkoutRoot, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        var result: [RepoPath] = []
        for case let url as URL in walker {
            let ext = url.pathExtension
            guard Self.sourceExtensions.contains(ext) else { continue }
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard path.hasPrefix(root + "/") else { continue }
            result.append(RepoPath(String(path.dropFirst(root.count + 1))))
        }
        return result.sorted()
    }

    /// Indexes `files` (paths relative to the checkout), each as its own translation unit, on
    /// `options.workers` threads. Passing a subset re-indexes just those TUs.
    public func index(files: [RepoPath], progress: ProgressSink = SilentProgress()) -> ClangIndexResult {
        let session = Session(indexer: self)
        defer { session.cleanUp() }
        let refused = session.refuseTooDeep(files)
        let outcomes = session.run(files: files.filter { refused[$0] == nil }, phase: "C++/CUDA", progress: progress) {
            index, path, flags in
            session.indexUnit(index: index, path: path, flags: flags)
        } + refused.map { ($0.key, UnitOutcome.indexed($0.value)) }
        var units: [FileIndex] = []
        var failed: [RepoPath] = []
        for (path, outcome) in outcomes {
            switch outcome {
            case .indexed(let unit):
                units.append(unit)
                if unit.failed { failed.append(path) }
            case .parsedOnly:
                break
            }
        }
        return ClangIndexResult(units: units.sorted { $0.path < $1.path }, failedUnits: failed.sorted())
    }

    /// For benchmarks: parses and disposes `files` exactly as `index` does (same flags, prelude PCH,
    /// workers) without walking them, so the walk's share of the time can be measured. Returns the
    /// number of translation units libclang parsed.
    @discardableResult
    public func benchmarkParseOnly(files: [RepoPath], progress: ProgressSink = SilentProgress()) -> Int {
        let session = Session(indexer: self)
        defer { session.cleanUp() }
        let outcomes = session.run(files: files, phase: "parse", progress: progress) { index, path, flags in
            var tu: CXTranslationUnit?
            let ok = session.parse(index: index, path: path, flags: flags, into: &tu)
            if let tu { clang_disposeTranslationUnit(tu) }
            return ok == CXError_Success ? .parsedOnly : .indexed(FileIndex(path: path, language: .cpp, failed: true))
        }
        return outcomes.filter { if case .parsedOnly = $0.1 { return true } else { return false } }.count
    }

    /// Merges per-TU results into one FileIndex per file a record is written in, sorted by path.
    /// Symbols are deduplicated by (usr, file, line), calls by their whole value, registrations and
    /// macro expansions likewise; `includes`, `diagnostics` and `failed` stay with the TU's own file.
    public static func merge(_ units: [FileIndex]) -> [FileIndex] {
        var byFile: [RepoPath: FileIndex] = [:]
        func entry(_ path: RepoPath) -> FileIndex {
            byFile[path] ?? FileIndex(path: path, language: Language.of(path: path.rawValue) ?? .cpp)
        }
        // One symbol per (usr, file, line); a header seen both as C++ and through a CUDA TU keeps the
        // CUDA view (kernel or device function).
        var symbolSlot: [String: (file: RepoPath, index: Int)] = [:]
        func rank(_ s: Symbol) -> Int {
            s.kind == .kernel ? 3 : s.kind == .deviceFunction ? 2 : s.attributes.contains("__device__") ? 1 : 0
        }
        var seenCalls = Set<CallSite>()
        var seenRegistrations = Set<Registration>()
        var seenExpansions = Set<MacroExpansion>()
        for unit in units.sorted(by: { $0.path < $1.path }) {
            var own = entry(unit.path)
            own.includes = Array(Set(own.includes + unit.includes)).sorted()
            own.diagnostics += unit.diagnostics
            own.failed = own.failed || unit.failed
            byFile[unit.path] = own
            for s in unit.symbols {
                let key = "\(s.usr)\u{0}\(s.file.rawValue)\u{0}\(s.range.start.line)"
                var f = entry(s.file)
                if let slot = symbolSlot[key] {
                    if rank(s) > rank(f.symbols[slot.index]) { f.symbols[slot.index] = s }
                } else {
                    symbolSlot[key] = (s.file, f.symbols.count)
                    f.symbols.append(s)
                }
                byFile[s.file] = f
            }
            for c in unit.calls where seenCalls.insert(c).inserted {
                var f = entry(c.file)
                f.calls.append(c)
                byFile[c.file] = f
            }
            for r in unit.registrations where seenRegistrations.insert(r).inserted {
                var f = entry(r.file)
                f.registrations.append(r)
                byFile[r.file] = f
            }
            for m in unit.macroExpansions where seenExpansions.insert(m).inserted {
                var f = entry(m.file)
                f.macroExpansions.append(m)
                byFile[m.file] = f
            }
        }
        return byFile.values.map { f in
            var f = f
            f.symbols.sort(by: symbolOrder)
            f.calls.sort(by: callOrder)
            f.registrations.sort(by: registrationOrder)
            f.macroExpansions.sort { ($0.line, $0.name) < ($1.line, $1.name) }
            f.diagnostics = Array(Set(f.diagnostics)).sorted(by: diagnosticOrder)
            return f
        }.sorted { $0.path < $1.path }
    }
}

// MARK: - Ordering (deterministic output)

func symbolOrder(_ a: Symbol, _ b: Symbol) -> Bool {
    (a.file, a.range.start, a.qualifiedName, a.kind, a.usr, a.signature)
        < (b.file, b.range.start, b.qualifiedName, b.kind, b.usr, b.signature)
}

func callOrder(_ a: CallSite, _ b: CallSite) -> Bool {
    if a.file != b.file { return a.file < b.file }
    if a.range.start != b.range.start { return a.range.start < b.range.start }
    return (a.callee, a.kind.rawValue, a.caller, a.targetUSR, a.viaMacro, a.launchConfig, a.range.end.line, a.range.end.column)
        < (b.callee, b.kind.rawValue, b.caller, b.targetUSR, b.viaMacro, b.launchConfig, b.range.end.line, b.range.end.column)
}

func registrationOrder(_ a: Registration, _ b: Registration) -> Bool {
    (a.file, a.line, a.kind.rawValue, a.opName, a.dispatchKey, a.target)
        < (b.file, b.line, b.kind.rawValue, b.opName, b.dispatchKey, b.target)
}

func diagnosticOrder(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
    (a.file, a.line, a.column, a.message) < (b.file, b.line, b.column, b.message)
}

private func < <A: Comparable, B: Comparable, C: Comparable, D: Comparable, E: Comparable, F: Comparable, G: Comparable>(
    a: (A, B, C, D, E, F, G), b: (A, B, C, D, E, F, G)
) -> Bool {
    if a.0 != b.0 { return a.0 < b.0 }
    return (a.1, a.2, a.3, a.4, a.5, a.6) < (b.1, b.2, b.3, b.4, b.5, b.6)
}

private func < <A: Comparable, B: Comparable, C: Comparable, D: Comparable, E: Comparable, F: Comparable, G: Comparable, H: Comparable>(
    a: (A, B, C, D, E, F, G, H), b: (A, B, C, D, E, F, G, H)
) -> Bool {
    if a.0 != b.0 { return a.0 < b.0 }
    return (a.1, a.2, a.3, a.4, a.5, a.6, a.7) < (b.1, b.2, b.3, b.4, b.5, b.6, b.7)
}

// MARK: - A run: flags, the prelude PCH, workers

/// What one worker did with one TU.
enum UnitOutcome {
    case indexed(FileIndex)
    case parsedOnly
}

/// One run's shared state: the flags per language mode and the precompiled prelude for each.
final class Session: @unchecked Sendable {
    let indexer: ClangIndexer
    let root: String
    private let lock = NSLock()
    private var pchByMode: [ClangLanguageMode: String?] = [:]
    private let pchDirectory: URL
    private let ownsPCHDirectory: Bool

    init(indexer: ClangIndexer) {
        self.indexer = indexer
        self.root = indexer.checkoutRoot.path
        if let dir = indexer.options.pchDirectory {
            pchDirectory = dir
            ownsPCHDirectory = false
        } else {
            pchDirectory = FileManager.default.temporaryDirectory
                .appendingPathComponent("marginalia-clang-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
            ownsPCHDirectory = true
        }
    }

    func cleanUp() {
        if ownsPCHDirectory { try? FileManager.default.removeItem(at: pchDirectory) }
        for f in blanked {
            free(UnsafeMutablePointer(mutating: f.Filename))
            free(UnsafeMutablePointer(mutating: f.Contents))
        }
        blanked = []
    }

    /// The prelude directory shipped as a resource.
    static var preludeDirectory: URL? {
        Bundle.module.url(forResource: "prelude", withExtension: nil)
    }

    /// Arguments shared by the prelude PCH and every TU of one language mode.
    func baseArguments(mode: ClangLanguageMode) -> [String] {
        var args: [String]
        switch mode {
        case .cudaDevice:
            args = ["-x", "cuda", "-nocudainc", "-nocudalib", "--cuda-device-only", "--cuda-gpu-arch=\(indexer.options.gpuArch)"]
        case .cudaHost:
            args = ["-x", "cuda", "-nocudainc", "-nocudalib", "--cuda-host-only"]
        case .cxx:
            args = ["-x", "c++"] + indexer.options.hostTargetFlags
        }
        args += ["-std=c++17", "-ferror-limit=0", "-Wno-everything", "-fparse-all-comments"]
        if mode != .cxx { args += ["-Xclang", "-fcuda-allow-variadic-functions"] }
        for dir in indexer.options.includeDirectories { args.append("-I\(root)/\(dir)") }
        if indexer.options.usePrelude, let prelude = Self.preludeDirectory {
            args += ["-idirafter", prelude.appendingPathComponent("stubs").path]
        }
        for d in indexer.options.defines { args.append("-D\(d)") }
        args += indexer.options.extraArguments
        return args
    }

    /// The TU arguments for a mode: the base plus the precompiled prelude (built on first use).
    func arguments(mode: ClangLanguageMode, index: CXIndex) -> [String] {
        var args = baseArguments(mode: mode)
        guard indexer.options.usePrelude, let prelude = Self.preludeDirectory else { return args }
        let header = prelude.appendingPathComponent("marginalia_prelude.h").path
        lock.lock()
        defer { lock.unlock() }
        if pchByMode[mode] == nil {
            pchByMode[mode] = .some(buildPCH(mode: mode, header: header, index: index))
        }
        if let pch = pchByMode[mode] ?? nil {
            args += ["-include-pch", pch]
        } else {
            args += ["-include", header]
        }
        return args
    }

    /// Parses the prelude alone and saves it as a PCH; nil when that fails (then the header is
    /// included as text, which gives the same results more slowly).
    private func buildPCH(mode: ClangLanguageMode, header: String, index: CXIndex) -> String? {
        try? FileManager.default.createDirectory(at: pchDirectory, withIntermediateDirectories: true)
        let out = pchDirectory.appendingPathComponent("prelude-\(mode.rawValue).pch").path
        let args = baseArguments(mode: mode)
        var tu: CXTranslationUnit?
        let options = CXTranslationUnit_Incomplete.rawValue | CXTranslationUnit_ForSerialization.rawValue
        let err = withCStrings(args) { argv in
            clang_parseTranslationUnit2(index, header, argv, Int32(args.count), nil, 0, options, &tu)
        }
        guard err == CXError_Success, let tu else { return nil }
        defer { clang_disposeTranslationUnit(tu) }
        let saved = clang_saveTranslationUnit(tu, out, 0)
        return saved == 0 ? out : nil
    }

    /// Parses one TU; returns libclang's error code. Files refused by `refuseTooDeep` read as empty.
    func parse(index: CXIndex, path: RepoPath, flags: [String], into tu: inout CXTranslationUnit?) -> CXErrorCode {
        let file = root + "/" + path.rawValue
        let options = CXTranslationUnit_KeepGoing.rawValue | CXTranslationUnit_DetailedPreprocessingRecord.rawValue
        return withCStrings(flags) { argv in
            blanked.withUnsafeMutableBufferPointer { unsaved in
                clang_parseTranslationUnit2(index, file, argv, Int32(flags.count), unsaved.baseAddress,
                                            UInt32(unsaved.count), options, &tu)
            }
        }
    }

    /// Checkout files libclang is shown as empty (see `refuseTooDeep`); the C strings are freed in `cleanUp`.
    private var blanked: [CXUnsavedFile] = []

    /// Scans `files` before any is parsed (`NestingScan`) and returns, for each file too deeply
    /// nested for libclang, a failed unit whose diagnostic names the file and line. Those files also
    /// read as empty to every other translation unit that includes them (vLLM's headers are units of
    /// their own, so a deep header is found here too). Not covered: nesting that only macro
    /// expansion creates; the worker stacks (`workerStackSize`) are the guard there.
    func refuseTooDeep(_ files: [RepoPath]) -> [RepoPath: FileIndex] {
        var refused: [RepoPath: FileIndex] = [:]
        for path in files {
            let full = root + "/" + path.rawValue
            guard let data = FileManager.default.contents(atPath: full) else { continue }
            let scan = NestingScan(SourceText(bytes: [UInt8](data)))
            guard !scan.isSafe else { continue }
            let message = "an expression \(scan.longestRun) operators deep (more than \(NestingScan.maxOperatorRun)): "
                + "not parsed, libclang would run out of stack; files including it see it as empty"
            refused[path] = FileIndex(
                path: path, language: Language.of(path: path.rawValue) ?? .cpp,
                diagnostics: [Diagnostic(file: path, line: scan.line, severity: .error, message: message)], failed: true)
            blanked.append(CXUnsavedFile(Filename: UnsafePointer(strdup(full)), Contents: UnsafePointer(strdup("")), Length: 0))
        }
        return refused
    }

    /// Parses and walks one TU into a FileIndex (a failed one when libclang could not parse it).
    func indexUnit(index: CXIndex, path: RepoPath, flags: [String]) -> UnitOutcome {
        var tu: CXTranslationUnit?
        let err = parse(index: index, path: path, flags: flags, into: &tu)
        let language = Language.of(path: path.rawValue) ?? .cpp
        guard err == CXError_Success, let tu else {
            let what: String
            switch err {
            case CXError_Crashed: what = "libclang crashed while parsing"
            case CXError_ASTReadError: what = "libclang could not read the AST"
            case CXError_InvalidArguments: what = "libclang rejected the arguments"
            default: what = "libclang failed to parse (error \(err.rawValue))"
            }
            return .indexed(FileIndex(
                path: path, language: language,
                diagnostics: [Diagnostic(file: path, line: 0, severity: .fatal, message: what)], failed: true))
        }
        defer { clang_disposeTranslationUnit(tu) }
        var walker = TranslationUnitWalker(tu: tu, root: root, mainPath: path)
        return .indexed(walker.run())
    }

    /// Runs `body` over `files` on the configured number of workers, each with its own CXIndex.
    func run(
        files: [RepoPath], phase: String, progress: ProgressSink,
        body: @escaping (CXIndex, RepoPath, [String]) -> UnitOutcome
    ) -> [(RepoPath, UnitOutcome)] {
        // Largest files first, so the last TUs to finish are small ones.
        let sizes = files.map { path -> Int in
            let attrs = try? FileManager.default.attributesOfItem(atPath: root + "/" + path.rawValue)
            return (attrs?[.size] as? Int) ?? 0
        }
        let order = files.indices.sorted { (sizes[$0], files[$1]) > (sizes[$1], files[$0]) }
        let workers = max(1, min(
            indexer.options.workers > 0 ? indexer.options.workers : ProcessInfo.processInfo.activeProcessorCount,
            files.count))
        let results = ResultBox(count: files.count)
        Self.onWorkerThreads(workers) { [self] in
            let index = clang_createIndex(0, 0)!
            defer { clang_disposeIndex(index) }
            var flagsByMode: [ClangLanguageMode: [String]] = [:]
            while let slot = results.next() {
                let i = order[slot]
                let path = files[i]
                let mode = indexer.options.mode(for: path)
                let flags = flagsByMode[mode] ?? arguments(mode: mode, index: index)
                flagsByMode[mode] = flags
                let outcome = body(index, path, flags)
                let done = results.store(i, (path, outcome))
                progress.progress(phase: phase, done: done, total: files.count, current: path.rawValue)
            }
        }
        return results.values.compactMap { $0 }
    }
}

extension Session {
    /// The stack of each worker thread. libclang parses on the worker itself (`LIBCLANG_NOTHREADS`,
    /// below) instead of on its own 8 MB thread, so that deep but accepted code (up to
    /// `NestingScan.maxOperatorRun` levels, about 2 KB of stack each) cannot overflow it: a stack
    /// overflow inside libclang kills the process, its crash recovery does not catch it. The memory
    /// is reserved, not used, until a deep file needs it.
    static let workerStackSize = 256 << 20

    /// Set once, before the first worker starts: libclang reads it at every parse and then runs the
    /// parse (still under its crash recovery) on the calling thread.
    private static let parseOnCallingThread: Void = { setenv("LIBCLANG_NOTHREADS", "1", 1) }()

    /// Runs `body` on `count` threads with `workerStackSize` stacks and waits for all of them.
    static func onWorkerThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
        _ = parseOnCallingThread
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<count {
            let thread = Thread {
                body()
                done.signal()
            }
            thread.stackSize = workerStackSize
            thread.start()
        }
        for _ in 0..<count { done.wait() }
    }
}

/// The workers' shared queue position and result slots.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var cursor = 0
    private var finished = 0
    private(set) var values: [(RepoPath, UnitOutcome)?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard cursor < values.count else { return nil }
        cursor += 1
        return cursor - 1
    }
    func store(_ i: Int, _ value: (RepoPath, UnitOutcome)) -> Int {
        lock.lock()
        defer { lock.unlock() }
        values[i] = value
        finished += 1
        return finished
    }
}

/// Calls `body` with a C `argv` for `strings`, valid only during the call.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    let pointers = duplicates.map { UnsafePointer<CChar>($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
