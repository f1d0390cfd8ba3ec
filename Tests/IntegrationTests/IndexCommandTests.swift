import Foundation
import XCTest

/// The `index` command end to end on small checkouts made by the test: bad input, incremental
/// re-indexing, and that an interrupted run keeps the previous index.
final class IndexCommandTests: XCTestCase {
    var cache: URL!
    var tree: URL!

    override func setUpWithError() throws {
        cache = try temporaryDirectory("cache")
        tree = try temporaryDirectory("tree")
        try write("import os\n\nclass Engine:\n    def step(self):\n        return helper()\n\n\ndef helper():\n    return os.getcwd()\n",
                  to: tree.appendingPathComponent("pkg/engine.py"))
        try write("from .engine import Engine\n", to: tree.appendingPathComponent("pkg/__init__.py"))
        // A csrc/ folder makes the tree look like a vLLM checkout, so its index becomes the default one.
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("csrc"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: cache)
        try? FileManager.default.removeItem(at: tree)
    }

    func testMissingPathAndFileAreClearErrorsWithExitCode2() throws {
        let missing = try CLI.run(["index", tree.appendingPathComponent("nope").path], cache: cache)
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no such directory"), missing.stderr)
        let file = try CLI.run(["index", tree.appendingPathComponent("pkg/engine.py").path], cache: cache)
        XCTAssertEqual(file.status, 2)
        XCTAssertTrue(file.stderr.contains("not a directory"), file.stderr)
    }

    func testIndexesFindsAndReportsBadFilesWithoutStopping() throws {
        // A symlink loop, a huge file, a NUL byte file and a non-UTF-8 file beside good code.
        try FileManager.default.createSymbolicLink(at: tree.appendingPathComponent("pkg/loop"),
                                                   withDestinationURL: tree.appendingPathComponent("pkg"))
        try Data(repeating: UInt8(ascii: "#"), count: 6 * 1024 * 1024).write(to: tree.appendingPathComponent("pkg/huge.py"))
        try Data("def ok():\n    pass\n\u{0}\n".utf8).write(to: tree.appendingPathComponent("pkg/nul.py"))
        try Data([0x64, 0x65, 0x66, 0x20, 0x6C, 0x61, 0x74, 0x69, 0x6E, 0x28, 0x29, 0x3A, 0x20, 0x23, 0xE9, 0x0A,
                  0x20, 0x20, 0x20, 0x20, 0x70, 0x61, 0x73, 0x73, 0x0A]).write(to: tree.appendingPathComponent("pkg/latin.py"))
        let r = try CLI.run(["index", tree.path], cache: cache)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("pkg/huge.py: larger than 5 MB"), r.stdout)
        XCTAssertTrue(r.stdout.contains("pkg/nul.py: contains NUL bytes"), r.stdout)
        XCTAssertTrue(r.stdout.contains("files with warnings") && r.stdout.contains("pkg/latin.py"), r.stdout)

        let find = try CLI.run(["find", "step", "--json"], cache: cache)
        XCTAssertEqual(find.status, 0, find.stderr)
        let found = try JSONSerialization.jsonObject(with: Data(find.stdout.utf8)) as! [[String: Any]]
        XCTAssertEqual(found.first?["qualified_name"] as? String, "pkg.engine.Engine.step")
        XCTAssertEqual(found.first?["line"] as? Int, 4)
        // Good code after bad bytes is still indexed.
        let latin = try CLI.run(["def", "pkg.latin.latin"], cache: cache)
        XCTAssertEqual(latin.status, 0, latin.stderr)
        XCTAssertTrue(latin.stdout.contains("pkg/latin.py:1"), latin.stdout)
    }

    func testReindexReadsOnlyWhatChanged() throws {
        let first = try CLI.run(["index", tree.path, "--json"], cache: cache)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try summary(first)["reindexed_units"] as? Int, 2)

        let again = try CLI.run(["index", tree.path, "--json"], cache: cache)
        XCTAssertEqual(try summary(again)["reindexed_units"] as? Int, 0)

        try write("def helper():\n    return 1\n\ndef added():\n    return helper()\n", to: tree.appendingPathComponent("pkg/engine.py"))
        let changed = try CLI.run(["index", tree.path, "--json"], cache: cache)
        XCTAssertEqual(try summary(changed)["reindexed_units"] as? Int, 1)
        XCTAssertEqual(try CLI.run(["def", "pkg.engine.added"], cache: cache).status, 0)
        // The incremental index answers exactly as a fresh one over the same files.
        let fresh = cache.appendingPathComponent("fresh.sqlite").path
        XCTAssertEqual(try CLI.run(["index", tree.path, "--db", fresh], cache: cache).status, 0)
        for what in ["symbols", "edges"] {
            let incremental = try CLI.run(["export", what], cache: cache)
            let full = try CLI.run(["export", what, "--db", fresh], cache: cache)
            XCTAssertEqual(incremental.stdout, full.stdout, "export \(what) differs after an incremental run")
            XCTAssertFalse(full.stdout.isEmpty)
        }
        let gone = try CLI.run(["def", "pkg.engine.Engine.step"], cache: cache)
        XCTAssertNotEqual(gone.status, 0)

        try FileManager.default.removeItem(at: tree.appendingPathComponent("pkg/engine.py"))
        let deleted = try CLI.run(["index", tree.path, "--json"], cache: cache)
        XCTAssertEqual(try summary(deleted)["deleted_units"] as? [String], ["pkg/engine.py"])
    }

    func testUnknownSymbolGetsNearMisses() throws {
        XCTAssertEqual(try CLI.run(["index", tree.path], cache: cache).status, 0)
        let r = try CLI.run(["def", "Engine.stpe"], cache: cache)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("did you mean"), r.stderr)
        XCTAssertTrue(r.stderr.contains("pkg.engine.Engine.step"), r.stderr)
    }

    func testAKilledIndexRunKeepsThePreviousIndex() throws {
        let db = cache.appendingPathComponent("main.sqlite").path
        XCTAssertEqual(try CLI.run(["index", tree.path, "--db", db], cache: cache).status, 0)
        // Make the next run long (many files), then kill it at a reported phase: as the write starts, and
        // half-way through the write (its length measured by an uninterrupted run into another index).
        for i in 0..<400 {
            try write((0..<200).map { "def f\(i)_\($0)(x):\n    return g(x)\n" }.joined(),
                      to: tree.appendingPathComponent("bulk/m\(i).py"))
        }
        let full = try CLI.run(["index", tree.path, "--db", cache.appendingPathComponent("full.sqlite").path, "--jobs", "1"], cache: cache)
        XCTAssertEqual(full.status, 0, full.stderr)
        let writeSeconds = full.stdout.range(of: #"write [0-9.]+s"#, options: .regularExpression)
            .flatMap { Double(full.stdout[$0].dropFirst(6).dropLast()) } ?? 0
        for delay in [0, writeSeconds / 2] {
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = ["index", tree.path, "--jobs", "1", "--db", db]
            var env = ProcessInfo.processInfo.environment
            env["MARGINALIA_CACHE"] = cache.path
            env["MARGINALIA_PROGRESS"] = "lines"
            p.environment = env
            let err = Pipe()
            p.standardOutput = FileHandle.nullDevice
            p.standardError = err
            try p.run()
            // Wait for the write phase to be reported.
            var seen = ""
            while !seen.contains("phase: write\n") {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
            }
            XCTAssertTrue(seen.contains("phase: write\n"), seen)
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationReason, .uncaughtSignal, "the run ended before the kill (delay \(delay) s)")
            let r = try CLI.run(["def", "pkg.engine.Engine.step", "--db", db], cache: cache)
            XCTAssertEqual(r.status, 0, r.stderr)
            let bulk = try CLI.run(["find", "f399_199", "--json", "--db", db], cache: cache)
            let hits = (try? JSONSerialization.jsonObject(with: Data(bulk.stdout.utf8)) as? [[String: Any]]) ?? []
            XCTAssertTrue(hits.isEmpty, "a run killed \(delay) s into the write must not leave half its work in the index")
        }
    }

    private func summary(_ r: CLI.Result) throws -> [String: Any] {
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }
}
