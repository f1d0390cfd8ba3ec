// Where an index lives, so that `--db` is rarely needed.
import Foundation

/// Resolves index paths: an explicit `--db`, else the index of the checkout the working directory is
/// in, else the index written last.
public enum IndexLocation {
    /// `$MARGINALIA_CACHE`, default `~/.cache/marginalia`.
    public static var cacheDirectory: URL {
        if let env = ProcessInfo.processInfo.environment["MARGINALIA_CACHE"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/marginalia")
    }

    static var indexDirectory: URL { cacheDirectory.appendingPathComponent("index") }
    static var lastIndexFile: URL { cacheDirectory.appendingPathComponent("last-index") }

    /// The default index file of a checkout root (absolute, symlinks resolved).
    public static func defaultIndex(forCheckout root: URL) -> String {
        let path = root.standardizedFileURL.resolvingSymlinksInPath().path
        let base = path.split(separator: "/").last.map(String.init) ?? "root"
        let safe = String(base.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" })
        let hash = String(fingerprint(Array(path.utf8)).prefix(10))
        return indexDirectory.appendingPathComponent("\(safe)-\(hash).sqlite").path
    }

    /// Remembers `db` as the index written last, as an absolute path (a relative `--db` would break every
    /// later query run from another directory).
    public static func remember(_ db: String) {
        try? FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        try? (absolute(db) + "\n").write(to: lastIndexFile, atomically: true, encoding: .utf8)
    }

    /// `path` made absolute against the working directory, `.` and `..` removed.
    public static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// A `--db` given on the command line, checked: a directory is not an index file.
    public static func checkedExplicit(_ db: String) throws -> String {
        guard !db.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw UserError("marginalia: --db needs a file path (it was empty)")
        }
        let path = absolute(db)
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw UserError("marginalia: --db \(db) is a directory; pass the index file inside it (for example \(path)/index.sqlite)")
        }
        return path
    }

    /// The index to read when the user gave no `--db`.
    public static func resolve(explicit: String?, workingDirectory: String = FileManager.default.currentDirectoryPath)
        throws -> String
    {
        if let explicit { return try checkedExplicit(explicit) }
        // The checkout we are in: walk up from the working directory.
        var dir = URL(fileURLWithPath: workingDirectory).standardizedFileURL
        while true {
            let candidate = defaultIndex(forCheckout: dir)
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        var gone = ""
        if let last = try? String(contentsOf: lastIndexFile, encoding: .utf8) {
            let path = last.trimmingCharacters(in: .whitespacesAndNewlines)
            if path.hasPrefix("/"), FileManager.default.fileExists(atPath: path) { return path }
            if !path.isEmpty { gone = " (the last index written, \(path), no longer exists)" }
        }
        throw UserError("marginalia: no index found for \(workingDirectory)\(gone): run `marginalia index CHECKOUT` first, or pass --db FILE")
    }
}
