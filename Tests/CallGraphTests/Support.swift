import CallGraph
import Foundation
import IndexModel
import PythonIndexer
import ClangIndexer
@_exported import MarginaliaTestSupport
import XCTest

/// The package root.
let packageRoot: URL = marginaliaPackageRoot

/// Files under `root` with one of `extensions`, relative, sorted, not following links.
func files(under root: URL, extensions: Set<String>, skipping: [String] = []) -> [String] {
    var result: [String] = []
    let rootPath = root.standardizedFileURL.path
    guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
    for case let url as URL in walker where extensions.contains(url.pathExtension) {
        var path = url.standardizedFileURL.path
        if path.hasPrefix(rootPath + "/") { path.removeFirst(rootPath.count + 1) }
        if skipping.contains(where: { path.hasPrefix($0) }) { continue }
        result.append(path)
    }
    return result.sorted()
}

/// Reads a checkout's lines on demand, caching files.
final class SourceCache: @unchecked Sendable {
    let root: URL
    private var cache: [RepoPath: [String]] = [:]
    private let lock = NSLock()
    init(root: URL) { self.root = root }
    /// Thread-safe.
    func lines(_ file: RepoPath) -> [String]? {
        lock.lock(); defer { lock.unlock() }
        if let c = cache[file] { return c }
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(file.rawValue).path) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        cache[file] = lines
        return lines
    }
    func line(_ file: RepoPath, _ n: Int) -> String? {
        guard let l = lines(file), n >= 1, n <= l.count else { return nil }
        return l[n - 1]
    }
}

/// Indexes every Python file under `root` with the real PythonIndexer.
func indexPython(root: URL, skipping: [String] = []) throws -> [FileIndex] {
    let indexer = PythonIndexer()
    return try files(under: root, extensions: ["py"], skipping: skipping).map { rel in
        let path = RepoPath(rel)
        let bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent(rel)))
        return indexer.index(source: bytes, path: path, moduleName: PythonIndexer.moduleName(for: path))
    }
}

/// A graph input for a checkout's Python files (and the source's lines, for tests that read them).
func pythonGraphInput(root: URL, skipping: [String] = [], extra: [FileIndex] = [], macros: NamespaceMacros = NamespaceMacros())
    throws -> (GraphInput, SourceCache)
{
    let source = SourceCache(root: root)
    let input = GraphInput(files: try indexPython(root: root, skipping: skipping) + extra, macros: macros)
    return (input, source)
}

/// The C++/CUDA files on the PagedAttention path of vLLM 0.6.2 (bindings, attention and cache kernels,
/// CPU and CUDA), indexed as their own translation units: enough for the cross-language paths at a
/// fraction of a full index's time.
let pagedAttentionUnits: [RepoPath] = [
    "csrc/torch_bindings.cpp", "csrc/attention/attention_kernels.cu", "csrc/cache_kernels.cu",
    "csrc/cpu/torch_bindings.cpp", "csrc/cpu/attention.cpp", "csrc/cpu/cache.cpp",
]

/// Indexes C++ units with the real ClangIndexer, merged per file.
func indexCpp(root: URL, units: [RepoPath]) -> [FileIndex] {
    let indexer = ClangIndexer(checkoutRoot: root)
    return indexer.index(files: units).merged
}

/// The build files NamespaceMacros reads.
func buildFiles(root: URL) -> [RepoPath: String] {
    var out: [RepoPath: String] = [:]
    for rel in ["CMakeLists.txt", "setup.py"] + files(under: root.appendingPathComponent("cmake"), extensions: ["cmake"]).map({ "cmake/" + $0 }) {
        if let d = FileManager.default.contents(atPath: root.appendingPathComponent(rel).path) {
            out[RepoPath(rel)] = String(decoding: d, as: UTF8.self)
        }
    }
    return out
}
