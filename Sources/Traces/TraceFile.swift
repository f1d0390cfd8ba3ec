// A recorded run as values, and the reader of the recorder's JSON-lines file (docs/trace-format.md).
import Foundation
import IndexModel

/// What an observed record is: a call between two functions of the package, or a `torch.ops` call.
public enum ObservedKind: String, Codable, Sendable, Comparable {
    /// A function of the package called another one (directly or through frames outside the package).
    case call
    /// A function of the package called `torch.ops.NS.OP` (the op node is the callee).
    case op
    public static func < (a: ObservedKind, b: ObservedKind) -> Bool { a.rawValue < b.rawValue }
}

/// One distinct observed call: who called whom from which line, how often.
public struct ObservedCall: Hashable, Codable, Sendable, Comparable {
    public var kind: ObservedKind
    /// The calling function in the index's qualified-name form (`vllm.entrypoints.llm.LLM.generate`).
    public var caller: String
    /// The function that ran (`kind == .call`) or the op node (`torch.ops._C.rms_norm`, `kind == .op`).
    public var callee: String
    /// The caller's file, relative to the package root's parent (`vllm/entrypoints/llm.py`).
    public var file: RepoPath
    /// The caller's line when the call was made (1-based): the start line of the call expression, or of
    /// the attribute access for a property.
    public var line: Int
    /// The 1-based UTF-8 column where that expression starts (what the index's call sites record); 0
    /// when the interpreter did not say.
    public var column: Int
    /// The callee is a generator or coroutine: it started where it was first iterated or awaited, so
    /// the column is not its call site's.
    public var resumable: Bool
    /// How many times.
    public var count: Int
    /// The runtime class of `self` when it is not the class that defines the callee; "" otherwise.
    public var selfClass: String
    /// Where the callee is defined (calls only; empty for ops).
    public var calleeFile: RepoPath
    /// The callee's first line (calls only; 0 for ops).
    public var calleeLine: Int
    /// Ops: whether the caller called the op itself (true) or through functions outside the package.
    public var direct: Bool
    /// Made while the run's `within` function (`TraceRun.within`) was running in the same thread.
    public var within: Bool

    public init(kind: ObservedKind, caller: String, callee: String, file: RepoPath, line: Int, column: Int = 0,
                count: Int, selfClass: String = "", calleeFile: RepoPath = RepoPath(""), calleeLine: Int = 0,
                direct: Bool = true, resumable: Bool = false, within: Bool = false)
    {
        self.within = within
        self.kind = kind
        self.caller = caller
        self.callee = callee
        self.file = file
        self.line = line
        self.column = column
        self.resumable = resumable
        self.count = count
        self.selfClass = selfClass
        self.calleeFile = calleeFile
        self.calleeLine = calleeLine
        self.direct = direct
    }

    /// Sorted by caller, file, line, column, callee, kind, runtime class.
    public static func < (a: ObservedCall, b: ObservedCall) -> Bool {
        (a.caller, a.file.rawValue, a.line, a.column, a.callee, a.kind.rawValue)
            < (b.caller, b.file.rawValue, b.line, b.column, b.callee, b.kind.rawValue)
            || ((a.caller, a.file.rawValue, a.line, a.column, a.callee, a.kind.rawValue)
                == (b.caller, b.file.rawValue, b.line, b.column, b.callee, b.kind.rawValue)
                && (a.selfClass, a.within ? 1 : 0) < (b.selfClass, b.within ? 1 : 0))
    }
}

/// What the recorder says about the run (the header and end records).
public struct TraceRun: Hashable, Codable, Sendable {
    /// The traced package (`vllm`).
    public var package: String
    /// Its version as the run saw it (`0.32.0`, or with a local suffix: `0.32.0+cpu`).
    public var packageVersion: String
    /// The folder holding the package (site-packages, or a checkout).
    public var packageRoot: String
    public var python: String
    /// `sys.setprofile` or `sys.monitoring`.
    public var mechanism: String
    public var pid: Int
    public var script: String
    /// The function whose dynamic extent the recorder marked (`vllm.entrypoints.llm.LLM.generate`), "" when none.
    public var within: String
    /// Profile or monitoring events the recorder saw.
    public var events: Int
    /// Distinct records not kept because the size bound was reached.
    public var dropped: Int
    public var wallSeconds: Double
    /// Time spent inside the recorder's hook.
    public var hookSeconds: Double

    public init(package: String, packageVersion: String, packageRoot: String = "", python: String = "",
                mechanism: String = "", pid: Int = 0, script: String = "", within: String = "", events: Int = 0,
                dropped: Int = 0, wallSeconds: Double = 0, hookSeconds: Double = 0)
    {
        self.within = within
        self.package = package
        self.packageVersion = packageVersion
        self.packageRoot = packageRoot
        self.python = python
        self.mechanism = mechanism
        self.pid = pid
        self.script = script
        self.events = events
        self.dropped = dropped
        self.wallSeconds = wallSeconds
        self.hookSeconds = hookSeconds
    }

    /// The version without a local suffix (`0.32.0+cpu` -> `0.32.0`): what an index's release is compared with.
    public var release: String {
        String(packageVersion.split(separator: "+", maxSplits: 1).first ?? "")
    }
}

/// The size and CRC-32 of a package file as the run read it.
public struct FileStamp: Hashable, Codable, Sendable {
    public var size: Int
    public var crc32: UInt32
    public init(size: Int, crc32: UInt32) {
        self.size = size
        self.crc32 = crc32
    }
}

/// A whole recorded run.
public struct RecordedTrace: Hashable, Codable, Sendable {
    public var run: TraceRun
    /// The files the records point into, as the run read them.
    public var files: [RepoPath: FileStamp] = [:]
    /// Sorted, one per distinct (kind, caller, callee, file, line, runtime class).
    public var calls: [ObservedCall]
    /// Functions of the package called from outside it (the script's calls into the package), with counts.
    public var entries: [String: Int]

    public init(run: TraceRun, calls: [ObservedCall], entries: [String: Int] = [:]) {
        self.run = run
        self.calls = calls.sorted()
        self.entries = entries
    }
}

/// A trace file that cannot be read: which file, which line, what is wrong.
public struct TraceFileError: Error, CustomStringConvertible, Equatable {
    public var file: String
    /// 1-based line; 0 when the problem is the file as a whole.
    public var line: Int
    public var message: String
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// Reads the recorder's JSON-lines format, strictly: a header first, an end record last, every record
/// complete. A file cut short (no end record), a foreign file (no header), an empty run (no calls) and a
/// malformed record are errors naming the file and line.
public enum TraceFileReader {
    /// The format name the header carries.
    public static let format = "marginalia-trace"
    /// The newest format version this reader understands.
    public static let formatVersion = 1

    public static func read(_ data: Data, file: String) throws -> RecordedTrace {
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw TraceFileError(file: file, line: 0, message: "empty file: not a trace") }
        var run: TraceRun? = nil
        var calls: [ObservedCall] = []
        var entries: [String: Int] = [:]
        var files: [RepoPath: FileStamp] = [:]
        var ended = false
        for (i, raw) in lines.enumerated() {
            let n = i + 1
            func fail(_ m: String) -> TraceFileError { TraceFileError(file: file, line: n, message: m) }
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any] else {
                throw fail(run == nil ? "not a Marginalia trace (the first line is not a JSON header)"
                    : "not a JSON object (truncated or corrupted record)")
            }
            let type = obj["type"] as? String ?? ""
            if run == nil {
                guard type == "header", obj["format"] as? String == format else {
                    throw fail("not a Marginalia trace (the first line is not a \(format) header)")
                }
                guard let v = obj["format_version"] as? Int, v <= formatVersion else {
                    throw fail("trace format version \(obj["format_version"] ?? "?") is newer than this Marginalia reads (\(formatVersion))")
                }
                guard let package = obj["package"] as? String, !package.isEmpty else { throw fail("header has no package") }
                run = TraceRun(package: package, packageVersion: obj["package_version"] as? String ?? "",
                               packageRoot: obj["package_root"] as? String ?? "", python: obj["python"] as? String ?? "",
                               mechanism: obj["mechanism"] as? String ?? "", pid: obj["pid"] as? Int ?? 0,
                               script: obj["script"] as? String ?? "", within: obj["within"] as? String ?? "")
                continue
            }
            if ended { throw fail("record after the end record") }
            func string(_ k: String) throws -> String {
                guard let s = obj[k] as? String, !s.isEmpty else { throw fail("\(type) record without '\(k)'") }
                return s
            }
            func int(_ k: String) throws -> Int {
                guard let v = obj[k] as? Int else { throw fail("\(type) record without '\(k)'") }
                return v
            }
            switch type {
            case "call":
                let count = try int("count")
                guard count > 0 else { throw fail("call record with count \(count)") }
                calls.append(ObservedCall(kind: .call, caller: try string("caller"), callee: try string("callee"),
                                          file: RepoPath(try string("file")), line: try int("line"),
                                          column: obj["col"] as? Int ?? 0, count: count,
                                          selfClass: obj["self_class"] as? String ?? "",
                                          calleeFile: RepoPath(obj["callee_file"] as? String ?? ""),
                                          calleeLine: obj["callee_line"] as? Int ?? 0,
                                          resumable: obj["resumable"] as? Bool ?? false,
                                          within: obj["within"] as? Bool ?? false))
            case "op":
                let count = try int("count")
                guard count > 0 else { throw fail("op record with count \(count)") }
                calls.append(ObservedCall(kind: .op, caller: try string("caller"), callee: try string("op"),
                                          file: RepoPath(try string("file")), line: try int("line"),
                                          column: obj["col"] as? Int ?? 0, count: count,
                                          direct: obj["direct"] as? Bool ?? true, within: obj["within"] as? Bool ?? false))
            case "file":
                guard let c = obj["crc32"] as? Int, c >= 0, c <= Int(UInt32.max) else { throw fail("file record without 'crc32'") }
                files[RepoPath(try string("path"))] = FileStamp(size: try int("size"), crc32: UInt32(c))
            case "entry":
                entries[try string("callee"), default: 0] += try int("count")
            case "end":
                ended = true
                run!.events = obj["events"] as? Int ?? 0
                run!.dropped = obj["dropped"] as? Int ?? 0
                run!.wallSeconds = (obj["wall_s"] as? NSNumber)?.doubleValue ?? 0
                run!.hookSeconds = (obj["hook_s"] as? NSNumber)?.doubleValue ?? 0
            case "header":
                throw fail("a second header")
            default:
                throw fail("unknown record type '\(type)'")
            }
        }
        guard let r = run else { throw TraceFileError(file: file, line: 0, message: "no header") }
        guard ended else {
            throw TraceFileError(file: file, line: lines.count,
                                 message: "truncated: the file ends without the end record (was the run killed?)")
        }
        guard !calls.isEmpty else {
            throw TraceFileError(file: file, line: lines.count,
                                 message: "empty run: no call between functions of \(r.package) was recorded (did the script use \(r.package) from \(r.packageRoot.isEmpty ? "this interpreter" : r.packageRoot)?)")
        }
        var t = RecordedTrace(run: r, calls: calls, entries: entries)
        t.files = files
        return t
    }
}

/// CRC-32 (IEEE, as Python's `zlib.crc32`): how the recorder stamps the files it saw.
public func crc32(_ bytes: [UInt8]) -> UInt32 {
    var table = [UInt32](repeating: 0, count: 256)
    for i in 0..<256 {
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        table[i] = c
    }
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
}
