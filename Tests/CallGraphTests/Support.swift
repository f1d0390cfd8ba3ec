import CallGraph
import Foundation
import IndexModel
import PythonIndexer
import XCTest

/// The package root, found from this file's path.
let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The unpacked vLLM release `version`: from MARGINALIA_VLLM_<version with _> or, when unset, from
/// `scripts/fetch-vllm` (which downloads it if needed). Throws rather than skipping silently.
func vllmRelease(_ version: String) throws -> URL {
    let variable = "MARGINALIA_VLLM_" + version.replacingOccurrences(of: ".", with: "_")
    if let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty { return URL(fileURLWithPath: path) }
    let p = Process()
    p.executableURL = packageRoot.appendingPathComponent("scripts/fetch-vllm")
    p.arguments = [version]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw NSError(domain: "fetch-vllm", code: Int(p.terminationStatus),
                      userInfo: [NSLocalizedDescriptionKey: "scripts/fetch-vllm \(version) failed"])
    }
    return URL(fileURLWithPath: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
}

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
    init(root: URL) { self.root = root }
    func lines(_ file: RepoPath) -> [String]? {
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

/// A graph input for a checkout's Python files, with return statements read off the source.
func pythonGraphInput(root: URL, skipping: [String] = [], extra: [FileIndex] = [], macros: NamespaceMacros = NamespaceMacros())
    throws -> (GraphInput, SourceCache)
{
    let source = SourceCache(root: root)
    var input = GraphInput(files: try indexPython(root: root, skipping: skipping) + extra, macros: macros)
    input.typeFacts += returnFacts(symbols: input.symbols, existing: input.typeFacts, lines: { source.lines($0) })
    return (input, source)
}
