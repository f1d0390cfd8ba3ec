// The resolution stage: the call graph over the whole checkout, stored as edge rows.
import CallGraph
import Foundation
import IndexDatabase
import IndexModel

enum Resolution {
    /// Bumped when resolution changes, so the next `index` run rebuilds the edges.
    static let version = "12"

    /// The version stored with the edges: the resolver's and the profile bindings it was given.
    static func version(bindings: [TypeBinding]) -> String {
        guard !bindings.isEmpty else { return version }
        var h: UInt64 = 0xcbf29ce484222325
        for b in bindings {
            for byte in (b.scope + "\u{1}" + b.target + "\u{1}" + b.classes.joined(separator: ",") + "\u{2}").utf8 {
                h = (h ^ UInt64(byte)) &* 0x100000001b3
            }
        }
        return version + "+" + String(h, radix: 16)
    }

    struct Result {
        var edges: [EdgeRecord] = []
        var classBases: [String: [String]] = [:]
        var unresolved: [String: Int] = [:]
    }

    static func resolve(_ inputs: GraphInputs, root: URL, bindings: [TypeBinding] = []) -> Result {
        let macros = NamespaceMacros.derive(buildFiles: buildFiles(root: root))
        var input = GraphInput(files: inputs.units, macros: macros)
        input.bindings = bindings
        let t1 = DispatchTime.now().uptimeNanoseconds
        let graph = CallGraph.resolve(input)
        let t2 = DispatchTime.now().uptimeNanoseconds
        if ProcessInfo.processInfo.environment["MARGINALIA_TRACE"] != nil {
            FileHandle.standardError.write(Data("resolve: graph \(Double(t2 - t1) / 1e9) s\n".utf8))
        }
        var result = Result()
        result.edges = graph.edges.map {
            EdgeRecord(caller: $0.caller, callee: $0.callee, kind: $0.kind.rawValue, confidence: $0.confidence.rawValue,
                       file: $0.file, line: $0.line, column: $0.column, evidence: $0.note, dispatchKey: $0.dispatchKey)
        }
        result.classBases = graph.classBases
        for u in graph.unresolved { result.unresolved[u.reason.rawValue, default: 0] += 1 }
        return result
    }

    /// The build files that say how torch op namespaces are named (see `NamespaceMacros`).
    static func buildFiles(root: URL) -> [RepoPath: String] {
        var out: [RepoPath: String] = [:]
        var rels = ["CMakeLists.txt", "setup.py"]
        let cmakeDir = root.appendingPathComponent("cmake")
        if let names = try? FileManager.default.contentsOfDirectory(atPath: cmakeDir.path) {
            rels += names.filter { $0.hasSuffix(".cmake") }.sorted().map { "cmake/" + $0 }
        }
        for rel in rels {
            if let d = FileManager.default.contents(atPath: root.appendingPathComponent(rel).path) {
                out[RepoPath(rel)] = String(decoding: d, as: UTF8.self)
            }
        }
        return out
    }
}

/// Source lines of checkout files, read once each.
final class LineCache: @unchecked Sendable {
    let root: URL
    private var cache: [RepoPath: [String]] = [:]
    private let lock = NSLock()
    init(root: URL) { self.root = root }

    func lines(_ path: RepoPath) -> [String]? {
        lock.lock()
        if let l = cache[path] { lock.unlock(); return l }
        lock.unlock()
        // Read and split outside the lock, so threads reading different files do not wait on each other.
        guard let d = FileManager.default.contents(atPath: root.appendingPathComponent(path.rawValue).path) else {
            return nil
        }
        let l = String(decoding: d, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lock.lock(); defer { lock.unlock() }
        if let other = cache[path] { return other }
        cache[path] = l
        return l
    }

    /// Reads `paths` on all cores ahead of use.
    func prefetch(_ paths: [RepoPath]) {
        DispatchQueue.concurrentPerform(iterations: paths.count) { _ = lines(paths[$0]) }
    }

    func line(_ path: RepoPath, _ n: Int) -> String? {
        guard let l = lines(path), n >= 1, n <= l.count else { return nil }
        return l[n - 1]
    }
}
