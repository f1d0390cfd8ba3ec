// marginalia-libfuzz: coverage-guided fuzzing of the input front ends with libFuzzer (issue 19).
//
// Built by scripts/fuzz-coverage with `-sanitize=fuzzer -D LIBFUZZER`: libFuzzer supplies `main`,
// instruments every Swift module for coverage, and calls `LLVMFuzzerTestOneInput` with each input.
// The target is chosen by MARGINALIA_FUZZ_TARGET (python, cpp, frontmatter, markdown); each input
// is held to the same checks as the seeded fuzzer (FuzzChecks), and a failed check traps so that
// libFuzzer saves the input. An ordinary build (no LIBFUZZER) gets a `main` that says how to run it.
import Foundation
import FuzzChecks

#if LIBFUZZER
private enum Target: String { case python, cpp, frontmatter, markdown }

private let target: Target = {
    let name = ProcessInfo.processInfo.environment["MARGINALIA_FUZZ_TARGET"] ?? ""
    guard let t = Target(rawValue: name) else {
        FileHandle.standardError.write(Data("marginalia-libfuzz: set MARGINALIA_FUZZ_TARGET to python, cpp, frontmatter or markdown (got '\(name)')\n".utf8))
        exit(2)
    }
    return t
}()

private let scratch: URL = {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marginalia-libfuzz-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    let failures: [String]
    switch target {
    case .python: failures = FuzzChecks.python(bytes, name: "fuzzed.py")
    case .cpp: failures = FuzzChecks.cpp([("case.cu", bytes)], scratch: scratch, workers: 1).map(\.1)
    case .frontmatter: failures = FuzzChecks.frontmatter(bytes, name: "fuzzed.md")
    case .markdown: failures = FuzzChecks.markdown(bytes)
    }
    if let first = failures.first { fatalError("check failed (\(target.rawValue)): \(first)") }
    return 0
}

// SwiftPM links an executable's entry point under the module's own name; libFuzzer's driver is
// started from there rather than from libFuzzer's `main`.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("marginalia_libfuzz_main")
public func libFuzzerEntry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var vector = argv
    return runDriver(&count, &vector) { data, size in fuzzOneInput(data, size) }
}
#else
@main
struct Usage {
    static func main() {
        FileHandle.standardError.write(Data("marginalia-libfuzz is built for libFuzzer by scripts/fuzz-coverage; this build has no fuzzing engine\n".utf8))
        exit(2)
    }
}
#endif
