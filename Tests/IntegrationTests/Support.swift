import Foundation
@_exported import MarginaliaTestSupport
import XCTest

/// Runs the built `marginalia` executable and captures its output.
struct CLI {
    static var binary: URL {
        // The test bundle lives in the products directory next to the executables.
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("marginalia")
        }
        return packageRoot.appendingPathComponent(".build/debug/marginalia")
    }

    static var packageRoot: URL { marginaliaPackageRoot }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    static func run(_ args: [String], cache: URL, cwd: URL? = nil, file: StaticString = #filePath, line: UInt = #line)
        throws -> Result
    {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["MARGINALIA_CACHE"] = cache.path
        p.environment = env
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let (o, e) = readBoth(out, err)
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }
}

/// Reads two pipes to their end at once (a child that fills one while we wait on the other would hang).
func readBoth(_ out: Pipe, _ err: Pipe) -> (Data, Data) {
    final class Box: @unchecked Sendable { var data = Data() }
    let e = Box()
    let done = DispatchSemaphore(value: 0)
    let handle = err.fileHandleForReading
    DispatchQueue.global().async {
        e.data = handle.readDataToEndOfFile()
        done.signal()
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    return (o, e.data)
}

func temporaryDirectory(_ name: String) throws -> URL {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("marginalia-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
    return d
}

func write(_ text: String, to url: URL) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
}
