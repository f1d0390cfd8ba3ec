import Foundation
import IndexModel
@_exported import MarginaliaTestSupport
import XCTest

/// The package root, found from this file's path.
let packageRoot: URL = marginaliaPackageRoot

/// Runs a program and returns its standard output; fails the test on a non-zero exit.
func runProcess(_ executable: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line)
    throws -> Data
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    process.currentDirectoryURL = packageRoot
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if process.terminationStatus != 0 {
        XCTFail("\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)",
                file: file, line: line)
    }
    return data
}

/// Starts a program and returns a function that waits for it and returns its standard output, so
/// that the caller can work meanwhile.
func startProcess(_ executable: String, _ arguments: [String]) throws -> () -> (status: Int32, output: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    process.currentDirectoryURL = packageRoot
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let box = OutputBox()
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        box.data = out.fileHandleForReading.readDataToEndOfFile()
        done.signal()
    }
    return {
        done.wait()
        process.waitUntilExit()
        return (process.terminationStatus, box.data)
    }
}

private final class OutputBox: @unchecked Sendable { var data = Data() }

/// Every `.py` file under `root` (paths relative to it, `/`-separated, sorted), not following links.
func pythonFiles(under root: URL) -> [String] {
    var result: [String] = []
    let rootPath = root.standardizedFileURL.path
    guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey,
                                                                                          .isSymbolicLinkKey])
    else { return [] }
    for case let url as URL in walker where url.pathExtension == "py" {
        let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
        guard values?.isRegularFile == true, values?.isSymbolicLink != true else { continue }
        var path = url.standardizedFileURL.path
        if path.hasPrefix(rootPath + "/") { path.removeFirst(rootPath.count + 1) }
        result.append(path)
    }
    return result.sorted()
}

func readBytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }
