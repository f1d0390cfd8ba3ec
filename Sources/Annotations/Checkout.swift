// How re-anchoring reads a release: its symbols (from any indexer) and its files' text.
import Foundation
import IndexModel

/// Read access to a checkout's files. The store, a directory on disk, or a test's dictionary can conform.
public protocol CheckoutReader: Sendable {
    /// The text of the file at `path`, nil when there is no such file.
    func text(of path: RepoPath) -> String?
    /// True when `path` (without trailing `/`) is a directory of the checkout.
    func isDirectory(_ path: RepoPath) -> Bool
}

/// A checkout on disk.
public struct DirectoryCheckout: CheckoutReader {
    public let root: URL
    public init(root: URL) { self.root = root }
    public func text(of path: RepoPath) -> String? {
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path.rawValue).path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
    public func isDirectory(_ path: RepoPath) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: root.appendingPathComponent(path.rawValue).path, isDirectory: &dir)
            && dir.boolValue
    }
}

/// A checkout held in memory (tests, fixtures).
public struct InMemoryCheckout: CheckoutReader {
    public var files: [RepoPath: String]
    public init(files: [RepoPath: String]) { self.files = files }
    public func text(of path: RepoPath) -> String? { files[path] }
    public func isDirectory(_ path: RepoPath) -> Bool {
        let prefix = path.rawValue.hasSuffix("/") ? path.rawValue : path.rawValue + "/"
        return files.keys.contains { $0.rawValue.hasPrefix(prefix) }
    }
}

/// One release as re-anchoring sees it: its name, every symbol an indexer found, and its files.
public struct ReleaseSnapshot: Sendable {
    /// The release name written into migrated notes (`0.6.3.post1`).
    public var release: String
    public var symbols: [Symbol]
    public var checkout: any CheckoutReader
    public init(release: String, symbols: [Symbol], checkout: any CheckoutReader) {
        self.release = release
        self.symbols = symbols
        self.checkout = checkout
    }
}
