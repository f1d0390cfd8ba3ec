import Foundation
import IndexModel
import Yams
import MarginaliaTestSupport
import XCTest

/// Access to the real vLLM releases the re-anchoring test set is written against.
enum ReleaseFixtures {
    static let releases = ["0.6.2", "0.6.3.post1", "0.7.3", "0.8.5", "0.10.2", "0.33.0"]

    static var packageRoot: URL { marginaliaPackageRoot }

    static var dataDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reanchoring")
    }

    /// The unpacked release: `MARGINALIA_VLLM_<version with _>` or else `scripts/fetch-vllm VERSION`.
    static func checkout(_ version: String) throws -> URL { try vllmRelease(version) }

    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "ReleaseFixtures", code: Int(p.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "\(tool) \(args) failed"])
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Symbols of a release from the independent oracle (CPython ast + Universal Ctags), cached in the
    /// temporary directory per release and oracle version.
    static func oracleSymbols(_ version: String, checkout: URL) throws -> [Symbol] {
        let script = dataDirectory.appendingPathComponent("oracle_symbols.py")
        let scriptData = try Data(contentsOf: script)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in scriptData { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let cacheDir = FileManager.default.temporaryDirectory.appendingPathComponent("marginalia-oracle-symbols")
        try FileManager.default.createDirectory(at: cacheDir, withIntermediateDirectories: true)
        let cache = cacheDir.appendingPathComponent("\(version)-\(String(h, radix: 16)).json")
        if !FileManager.default.fileExists(atPath: cache.path) {
            let tmp = cache.appendingPathExtension("tmp")
            try run("/usr/bin/env", ["python3", script.path, checkout.path, tmp.path])
            try? FileManager.default.removeItem(at: cache)
            try FileManager.default.moveItem(at: tmp, to: cache)
        }
        return try JSONDecoder().decode([Symbol].self, from: Data(contentsOf: cache))
    }

    /// One entry of `anchors.yaml`.
    struct Case: Decodable {
        var id: String
        var symbol: String?
        var file: String
        var lines: String?
        var trap: String?
        var expect: [String: String]
    }

    static func cases() throws -> [Case] {
        let text = try String(contentsOf: dataDirectory.appendingPathComponent("anchors.yaml"), encoding: .utf8)
        return try YAMLDecoder().decode([Case].self, from: text)
    }

    /// `file:a-b` or nil for `gone`.
    static func location(_ s: String) -> (file: String, start: Int, end: Int)? {
        guard s != "gone", let colon = s.lastIndex(of: ":") else { return nil }
        let span = s[s.index(after: colon)...].split(separator: "-")
        return (String(s[..<colon]), Int(span[0])!, Int(span.count > 1 ? span[1] : span[0])!)
    }
}
