// Shared by the test targets only: where the package is, and the real vLLM releases tests read.
import Foundation

/// The package root (this file sits in Sources/MarginaliaTestSupport/).
public let marginaliaPackageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// Why a release could not be had; tests fail with it (never skip silently).
public struct ReleaseUnavailable: Error, CustomStringConvertible {
    public var description: String
}

/// The unpacked vLLM release `version`: `$MARGINALIA_VLLM_<version with dots as underscores>` when set
/// (scripts/test sets it), else `scripts/fetch-vllm VERSION`, which downloads it once into the cache.
public func vllmRelease(_ version: String) throws -> URL {
    let variable = "MARGINALIA_VLLM_" + version.replacingOccurrences(of: ".", with: "_")
    if let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty { return URL(fileURLWithPath: path) }
    let process = Process()
    process.executableURL = marginaliaPackageRoot.appendingPathComponent("scripts/fetch-vllm")
    process.arguments = [version]
    process.currentDirectoryURL = marginaliaPackageRoot
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let out = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard process.terminationStatus == 0, let last = out.split(separator: "\n").last else {
        throw ReleaseUnavailable(description: "scripts/fetch-vllm \(version) failed (exit \(process.terminationStatus))")
    }
    return URL(fileURLWithPath: String(last))
}
