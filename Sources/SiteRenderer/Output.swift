// Writing the site: a file is written only when its bytes differ from what is on disk, so regenerating
// after one note changes touches only the pages that show that note. A manifest remembers what the
// renderer wrote, so pages that no longer exist are removed (and nothing else ever is).

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error while writing the site, with the path it concerns.
public struct SiteWriteError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

/// The output folder.
struct OutputDirectory: Sendable {
    static let manifestName = ".marginalia-site-manifest"

    let root: URL

    /// Creates the folders the given paths need (serially, before the parallel writes).
    func prepareFolders(for paths: [SitePath]) throws {
        var folders = Set<[String]>()
        for p in paths where p.components.count > 1 { folders.insert(Array(p.components.dropLast())) }
        for folder in folders.sorted(by: { $0.count < $1.count || ($0.count == $1.count && $0.lexicographicallyPrecedes($1)) }) {
            let url = folder.reduce(root) { $0.appendingPathComponent($1) }
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                throw SiteWriteError(path: url.path, message: "cannot create folder: \(error)")
            }
        }
    }

    func fileSystemPath(_ path: SitePath) -> String {
        path.components.reduce(root) { $0.appendingPathComponent($1) }.path
    }

    /// Writes `bytes` at `path` unless the file already holds exactly them. Returns true when written.
    func write(_ path: SitePath, _ bytes: [UInt8]) throws -> Bool {
        let fsPath = fileSystemPath(path)
        if let existing = readFile(fsPath), existing == bytes { return false }
        let fd = open(fsPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SiteWriteError(path: fsPath, message: "cannot open for writing (errno \(errno))") }
        defer { close(fd) }
        var offset = 0
        try bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SiteWriteError(path: fsPath, message: "write failed (errno \(errno))")
                }
                offset += n
            }
        }
        return true
    }

    /// The paths the previous run wrote.
    func previousManifest() -> Set<String> {
        guard let bytes = readFile(root.appendingPathComponent(OutputDirectory.manifestName).path) else { return [] }
        return Set(String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    /// Records what this run produced and removes what the previous run produced that is gone now.
    /// Returns the number of files removed.
    func finish(produced: [SitePath]) throws -> Int {
        let old = previousManifest()
        let now = produced.map(\.description).sorted()
        let nowSet = Set(now)
        var removed = 0
        for stale in old.sorted() where !nowSet.contains(stale) {
            // Only paths inside the site, as written by us.
            let parts = stale.split(separator: "/").map(String.init)
            guard !parts.isEmpty, !parts.contains(".."), !parts.contains(".") else { continue }
            let path = fileSystemPath(SitePath(parts))
            if unlink(path) == 0 {
                removed += 1
                var folder = Array(parts.dropLast())
                while !folder.isEmpty, rmdir(fileSystemPath(SitePath(folder))) == 0 { folder.removeLast() }
            }
        }
        let manifest = Array((now.joined(separator: "\n") + "\n").utf8)
        _ = try write(SitePath([OutputDirectory.manifestName]), manifest)
        return removed
    }
}

/// A whole file's bytes, nil when it cannot be read.
func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { return nil }
    let size = Int(st.st_size)
    var bytes = [UInt8](repeating: 0, count: size)
    var offset = 0
    let ok = bytes.withUnsafeMutableBytes { raw -> Bool in
        while offset < size {
            let n = read(fd, raw.baseAddress! + offset, size - offset)
            if n < 0 { if errno == EINTR { continue }; return false }
            if n == 0 { break }
            offset += n
        }
        return true
    }
    guard ok else { return nil }
    if offset < size { bytes.removeLast(size - offset) }
    return bytes
}
