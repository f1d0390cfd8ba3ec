// Discovery: which files of a checkout Marginalia reads, with their fingerprints.
import Foundation
import IndexModel

/// An error meant for the user; the CLI prints `description` and exits with `exitCode`.
public struct UserError: Error, CustomStringConvertible {
    public var description: String
    public var exitCode: Int32
    public init(_ description: String, exitCode: Int32 = 2) {
        self.description = description
        self.exitCode = exitCode
    }
}

/// A file found under the checkout.
public struct ScannedFile: Hashable, Sendable {
    public var path: RepoPath
    public var language: Language
    public var size: Int
    public var mtime: Int64
}

/// Walks a checkout without following symbolic links (so link loops cannot hang it), skipping
/// version-control, build and cache folders.
public struct CheckoutScanner: Sendable {
    public let root: URL
    /// Folder names never descended into.
    public static let skippedDirectories: Set<String> = [
        ".git", ".hg", ".svn", ".marginalia", "__pycache__", ".build", "node_modules", ".tox", ".venv",
        ".mypy_cache", ".pytest_cache", "build", "dist",
    ]

    /// Validates the path: it must exist and be a directory (exit code 2 otherwise).
    public init(root: String) throws {
        var isDir: ObjCBool = false
        let url = URL(fileURLWithPath: root).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw UserError("marginalia: no such directory: \(root)")
        }
        guard isDir.boolValue else {
            throw UserError("marginalia: not a directory: \(root) (pass the root of a vLLM checkout)")
        }
        self.root = url.resolvingSymlinksInPath()
    }

    /// Every indexable file, sorted by path.
    public func scan() -> [ScannedFile] {
        var out: [ScannedFile] = []
        walk(root.path, relative: "", into: &out)
        return out.sorted { $0.path < $1.path }
    }

    private func walk(_ dir: String, relative: String, into out: inout [ScannedFile]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names.sorted() {
            let full = dir + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard lstat(full, &st) == 0 else { continue }
            let type = st.st_mode & S_IFMT
            if type == S_IFDIR {
                if Self.skippedDirectories.contains(name) || (name.hasPrefix(".") && name != ".") { continue }
                walk(full, relative: rel, into: &out)
            } else if type == S_IFREG, let lang = Language.of(path: name) {
                let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
                out.append(ScannedFile(path: RepoPath(rel), language: lang, size: Int(st.st_size), mtime: mtime))
            }
            // Symbolic links are not followed: a link loop cannot hang the walk.
        }
    }

    /// Reads a file of the checkout as bytes.
    public func read(_ path: RepoPath) throws -> [UInt8] {
        let url = root.appendingPathComponent(path.rawValue)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw UserError("cannot read \(path)")
        }
        return [UInt8](data)
    }
}

/// A 64-bit FNV-1a fingerprint of bytes, as 16 hex digits. Stable across runs and machines.
public func fingerprint(_ bytes: [UInt8]) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    bytes.withUnsafeBufferPointer { buf in
        for b in buf {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
