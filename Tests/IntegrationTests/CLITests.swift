import Foundation
import XCTest

/// The CLI a new user meets (issue 13), end to end on a small vLLM-shaped checkout the test writes:
/// index safety, messages and exit codes, argument checks, suggestions, trees, kernels and JSON.
final class CLITests: XCTestCase {
    var cache: URL!
    var work: URL!
    var tree: URL!

    override func setUpWithError() throws {
        cache = try temporaryDirectory("cli-cache")
        work = try temporaryDirectory("cli-work")
        tree = work.appendingPathComponent("vllm-fixture")
        try Self.writeFixture(at: tree)
    }

    override func tearDownWithError() throws {
        // Read-only folders made by a test must be writable again to be removed.
        _ = try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: work.appendingPathComponent("ro").path)
        try? FileManager.default.removeItem(at: cache)
        try? FileManager.default.removeItem(at: work)
    }

    /// vllm/ with an LLM whose generate has @overload stubs, a scheduler, a test and a benchmark that call
    /// into it, setup.py, and the C++/CUDA mini fixture (a kernel with launch bounds and __shared__, its
    /// launcher and a torch op registration) under csrc/.
    static func writeFixture(at tree: URL) throws {
        try write("""
            import time
            from typing import overload

            from vllm.core.scheduler import Scheduler


            class LLM:
                @overload
                def generate(self, prompt: str) -> str: ...

                @overload
                def generate(self, prompt: list) -> list: ...

                def generate(self, prompt):
                    time.sleep(0)
                    print(prompt)
                    self._run_engine()
                    return Scheduler().schedule(prompt)

                def _run_engine(self):
                    return len([])
            """ + "\n", to: tree.appendingPathComponent("vllm/entrypoints/llm.py"))
        try write("""
            import torch


            class Scheduler:
                def schedule(self, x):
                    return self._schedule(x)

                def _schedule(self, x):
                    return torch.ops._C.scale(x, x, 1.0)
            """ + "\n", to: tree.appendingPathComponent("vllm/core/scheduler.py"))
        for p in ["vllm/__init__.py", "vllm/core/__init__.py", "vllm/entrypoints/__init__.py"] {
            try write("", to: tree.appendingPathComponent(p))
        }
        try write("""
            class Engine:
                def generate(self):
                    return 1
            """ + "\n", to: tree.appendingPathComponent("vllm/engine/engine.py"))
        try write("""
            from vllm.core.scheduler import Scheduler


            def test_schedule():
                Scheduler().schedule(1)

            def generate():
                return 0
            """ + "\n", to: tree.appendingPathComponent("tests/test_scheduler.py"))
        try write("""
            from vllm.core.scheduler import Scheduler


            def bench():
                Scheduler().schedule(2)
            """ + "\n", to: tree.appendingPathComponent("benchmarks/bench_scheduler.py"))
        try write("from setuptools import setup\nsetup()\n", to: tree.appendingPathComponent("setup.py"))
        // A unit with a parse error after two good definitions.
        try write("""
            int good_one(int x) { return x + 1; }
            int good_two(int x) { return good_one(x) * 2; }
            int broken(int x) { return x +* ; }
            """ + "\n", to: tree.appendingPathComponent("csrc/broken.cpp"))
        let mini = CLI.packageRoot.appendingPathComponent("Tests/ClangIndexerTests/Fixtures/mini/csrc")
        for name in try FileManager.default.contentsOfDirectory(atPath: mini.path) {
            let dest = tree.appendingPathComponent("csrc/\(name)")
            try FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: mini.appendingPathComponent(name), to: dest)
        }
    }

    func run(_ args: [String], cwd: URL? = nil) throws -> CLI.Result { try CLI.run(args, cache: cache, cwd: cwd) }

    /// One index of the fixture for the whole class (its tree outlives each test's own): read-only use.
    nonisolated(unsafe) static var shared: (tree: URL, db: String)?

    override class func tearDown() {
        if let s = shared { try? FileManager.default.removeItem(at: s.tree.deletingLastPathComponent()) }
        shared = nil
    }

    func indexed() throws -> String { try sharedIndex().db }

    func sharedIndex() throws -> (tree: URL, db: String) {
        if let s = Self.shared { return s }
        let dir = try temporaryDirectory("cli-shared")
        let t = dir.appendingPathComponent("vllm-fixture")
        try Self.writeFixture(at: t)
        let db = dir.appendingPathComponent("fixture.sqlite").path
        let r = try run(["index", t.path, "--db", db])
        XCTAssertEqual(r.status, 0, r.stderr)
        Self.shared = (t, db)
        return (t, db)
    }

    func lastIndex() -> String? {
        (try? String(contentsOf: cache.appendingPathComponent("last-index"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: 1-4: data and indexes

    func testIndexOfAnotherCheckoutIsRefusedWithoutForce() throws {
        let (sharedTree, sharedDB) = try sharedIndex()
        let db = work.appendingPathComponent("copy.sqlite").path
        try FileManager.default.copyItem(atPath: sharedDB, toPath: db)
        let other = work.appendingPathComponent("other")
        try write("def lonely():\n    return 1\n", to: other.appendingPathComponent("vllm/lonely.py"))
        let refused = try run(["index", other.path, "--db", db])
        XCTAssertEqual(refused.status, 2, refused.stdout)
        let root = sharedTree.resolvingSymlinksInPath().path, otherRoot = other.resolvingSymlinksInPath().path
        XCTAssertTrue(refused.stderr.contains(root) && refused.stderr.contains(otherRoot) && refused.stderr.contains("--force"),
                      refused.stderr)
        // The old index is untouched.
        XCTAssertEqual(try run(["def", "LLM.generate", "--db", db]).status, 0)
        XCTAssertNotEqual(try run(["def", "vllm.lonely.lonely", "--db", db]).status, 0)
        let forced = try run(["index", other.path, "--db", db, "--force", "--json"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(try run(["def", "vllm.lonely.lonely", "--db", db]).status, 0)
    }

    func testEmptyPathIsRejectedAndANonVLLMFolderDoesNotBecomeTheDefault() throws {
        let empty = try run(["index", ""])
        XCTAssertEqual(empty.status, 2)
        XCTAssertTrue(empty.stderr.contains("empty"), empty.stderr)
        XCTAssertTrue(empty.stderr.hasSuffix("\n"), empty.stderr)
        XCTAssertNil(lastIndex(), "a rejected run must not set the default index")

        XCTAssertEqual(try run(["index", tree.path]).status, 0)
        let vllmDefault = try XCTUnwrap(lastIndex())
        let plain = work.appendingPathComponent("plain")
        try write("def f():\n    return 1\n", to: plain.appendingPathComponent("lib/f.py"))
        let r = try run(["index", plain.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("does not look like a vLLM checkout") && r.stderr.contains("--db"), r.stderr)
        XCTAssertEqual(lastIndex(), vllmDefault, "a folder without vllm/ or csrc/ must not become the default index")
        // Queries from elsewhere still answer from the vLLM index; inside the plain folder, from its own.
        XCTAssertEqual(try run(["def", "LLM.generate"], cwd: work).status, 0)
        XCTAssertEqual(try run(["def", "lib.f.f"], cwd: plain).status, 0)
    }

    func testARelativeDbIsRememberedAbsoluteAndErrorsNameTheIndex() throws {
        let r = try run(["index", tree.path, "--db", "rel/index.sqlite"], cwd: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        let remembered = try XCTUnwrap(lastIndex())
        XCTAssertTrue(remembered.hasPrefix("/"), remembered)
        XCTAssertEqual(URL(fileURLWithPath: remembered).resolvingSymlinksInPath().path,
                       work.appendingPathComponent("rel/index.sqlite").resolvingSymlinksInPath().path)
        // From another directory the default index is found, and an error says which index was read.
        let elsewhere = try temporaryDirectory("cli-elsewhere")
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        XCTAssertEqual(try run(["def", "LLM.generate"], cwd: elsewhere).status, 0)
        let miss = try run(["def", "no_such_thing"], cwd: elsewhere)
        XCTAssertEqual(miss.status, 2)
        XCTAssertTrue(miss.stderr.contains(remembered), miss.stderr)
        // --db that is a directory is named as such, not "disk I/O error".
        let dir = try run(["def", "LLM.generate", "--db", work.path])
        XCTAssertEqual(dir.status, 2)
        XCTAssertTrue(dir.stderr.contains("is a directory"), dir.stderr)
    }

    func testQueriesOpenAReadOnlyIndex() throws {
        let db = try indexed()
        let ro = work.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: ro, withIntermediateDirectories: true)
        let copy = ro.appendingPathComponent("index.sqlite")
        try FileManager.default.copyItem(atPath: db, toPath: copy.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: copy.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: ro.path)
        // Root ignores permissions: run the queries as `nobody` then, so the folder really is read-only.
        let asOther: [String] = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
            ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/tmp"] : []
        if getuid() == 0, asOther.isEmpty { throw XCTSkip("running as root without setpriv: the folder cannot be made read-only") }
        for args in [["def", "LLM.generate"], ["path", "LLM.generate", "Scheduler._schedule"], ["callees", "LLM.generate"],
                     ["find", "sched"], ["symbols", "vllm/core/scheduler.py"], ["kernels"]]
        {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: asOther.first ?? CLI.binary.path)
            p.arguments = Array(asOther.dropFirst()) + (asOther.isEmpty ? [] : [CLI.binary.path]) + args + ["--db", copy.path]
            var env = ProcessInfo.processInfo.environment
            env["MARGINALIA_CACHE"] = cache.path
            p.environment = env
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            try p.run()
            let (o, e) = readBoth(out, err)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, "\(args): \(String(decoding: e, as: UTF8.self))")
            XCTAssertFalse(o.isEmpty, "\(args)")
        }
    }

    func testTheSummarySaysWhatAUnitWithParseErrorsKept() throws {
        let db = work.appendingPathComponent("summary.sqlite").path
        let r = try run(["index", tree.path, "--db", db])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("csrc/broken.cpp: 3 definitions, 1 calls recovered ("), r.stdout)
        XCTAssertTrue(r.stdout.contains("what to do: `index --verbose`"), r.stdout)
        let json = try run(["index", tree.path, "--db", db, "--json", "--force"])
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let rec = try XCTUnwrap((obj["recovery"] as? [[String: Any]])?.first { $0["unit"] as? String == "csrc/broken.cpp" }, json.stdout)
        XCTAssertEqual(rec["definitions"] as? Int, 3)
        XCTAssertGreaterThan(rec["errors"] as? Int ?? 0, 0)
        XCTAssertEqual(rec["failed"] as? Bool, false)
    }

    // MARK: 6-8: messages and arguments

    func testEmptyNamesAndOutOfRangeNumbersAreErrors() throws {
        let db = try indexed()
        for args in [["path", "", ""], ["callers", ""], ["callees", " "], ["def", ""],
                     ["callees", "LLM.generate", "--depth", "-1"], ["callees", "LLM.generate", "--depth=-1"],
                     ["callees", "LLM.generate", "--depth", "0"], ["path", "LLM.generate", "Scheduler._schedule", "--max-paths", "0"],
                     ["path", "LLM.generate", "Scheduler._schedule", "--max-depth", "0"], ["find", "sched", "--limit", "0"],
                     ["callers", "Scheduler.schedule", "--min-confidence", "sure"]]
        {
            let r = try run(args + ["--db", db])
            XCTAssertEqual(r.status, 2, "\(args): \(r.stdout)")
            XCTAssertTrue(r.stdout.isEmpty, "\(args): \(r.stdout)")
            XCTAssertTrue(r.stderr.hasPrefix("marginalia: ") && r.stderr.hasSuffix("\n"), "\(args): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Missing value"), "\(args): \(r.stderr)")
        }
        let depth = try run(["callees", "LLM.generate", "--depth", "-1", "--db", db])
        XCTAssertTrue(depth.stderr.contains("--depth must be at least 1 (it was -1)"), depth.stderr)
    }

    func testADepthLimitThatCutsThePathSearchSaysSo() throws {
        let db = try indexed()
        let full = try run(["path", "LLM.generate", "Scheduler._schedule", "--db", db])
        XCTAssertEqual(full.status, 0, full.stderr)
        XCTAssertTrue(full.stdout.contains("path 1: 2 hops"), full.stdout)
        let cut = try run(["path", "LLM.generate", "Scheduler._schedule", "--max-depth", "1", "--db", db])
        XCTAssertEqual(cut.status, 1)
        XCTAssertTrue(cut.stdout.contains("no path of at most 1 hops (--max-depth 1); the shortest has 2 hops"), cut.stdout)
        let none = try run(["path", "Scheduler._schedule", "LLM.generate", "--db", db])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stdout.contains("no path of at most"), none.stdout)
        XCTAssertFalse(none.stdout.contains("the shortest has"), none.stdout)
        let json = try run(["path", "LLM.generate", "Scheduler._schedule", "--max-depth", "1", "--json", "--db", db])
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(obj["max_depth"] as? Int, 1)
        XCTAssertTrue((obj["note"] as? String)?.contains("the shortest has 2 hops") == true, json.stdout)
    }

    func testSuggestionsFindTheObviousNameAndFile() throws {
        let db = try indexed()
        let typo = try run(["path", "LLM.genrate", "Scheduler._schedule", "--db", db])
        XCTAssertEqual(typo.status, 2)
        let lines = typo.stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let first = try XCTUnwrap(lines.firstIndex { $0.hasSuffix("did you mean:") })
        XCTAssertEqual(lines[first + 1], "vllm.entrypoints.llm.LLM.generate", typo.stderr)

        let ambiguous = try run(["def", "generate", "--db", db])
        XCTAssertEqual(ambiguous.status, 2)
        let listed = ambiguous.stderr.split(separator: "\n").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertTrue(ambiguous.stderr.contains("matches 3 symbols"), ambiguous.stderr)
        XCTAssertTrue(listed.contains("vllm.entrypoints.llm.LLM.generate"), ambiguous.stderr)
        XCTAssertTrue(listed.contains("tests.test_scheduler.generate") && listed.contains("vllm.engine.engine.Engine.generate"),
                      ambiguous.stderr)
        XCTAssertLessThan(listed.firstIndex(of: "vllm.engine.engine.Engine.generate")!, listed.firstIndex(of: "tests.test_scheduler.generate")!)

        let file = try run(["symbols", "scheduler.py", "--db", db])
        XCTAssertEqual(file.status, 2)
        let fileLines = file.stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(fileLines.dropFirst().first, "vllm/core/scheduler.py", file.stderr)
    }

    func testSiteOutThatIsAFileIsAClearError() throws {
        let db = try indexed()
        let file = work.appendingPathComponent("a-file")
        try write("x", to: file)
        let r = try run(["site", "--out", file.path, "--db", db])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("is a file") && !r.stderr.contains("NSCocoaErrorDomain"), r.stderr)
    }

    func testHelpStatesEachDefaultOnce() throws {
        for cmd in ["callers", "callees", "path", "find", "kernels"] {
            let r = try run([cmd, "--help"])
            XCTAssertEqual(r.status, 0)
            let text = r.stdout.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " ")
            XCTAssertFalse(text.range(of: #"\(default: ([^)]*)\)\.? *\(default: \1\)"#, options: .regularExpression) != nil,
                           "\(cmd) --help repeats a default: \(r.stdout)")
        }
    }

    // MARK: 10-13: the queries users expect

    func testDefPrintsTheImplementationFirstAndFoldsOverloads() throws {
        let db = try indexed()
        let r = try run(["def", "LLM.generate", "--db", db])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("vllm/entrypoints/llm.py:14-") == true, r.stdout)
        XCTAssertEqual(lines.filter { $0.contains("vllm.entrypoints.llm.LLM.generate") }.count, 1, r.stdout)
        XCTAssertTrue(lines.contains("  + 2 @overload stubs (typed signatures only) at lines 9, 12"), r.stdout)
        let json = try run(["def", "LLM.generate", "--json", "--db", db])
        let objs = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(objs.map { $0["line"] as? Int }, [14, 9, 12])
    }

    func testTreesAreInSourceOrderWithLibraryCallsCollapsed() throws {
        let db = try indexed()
        let r = try run(["callees", "LLM.generate", "--depth", "2", "--db", db])
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = r.stdout
        // Children of generate: _run_engine (line 17), then Scheduler and schedule (18); builtins folded.
        let run = try XCTUnwrap(out.range(of: "├─ vllm.entrypoints.llm.LLM._run_engine"))
        let schedule = try XCTUnwrap(out.range(of: "vllm.core.scheduler.Scheduler.schedule"))
        XCTAssertLessThan(run.lowerBound, schedule.lowerBound, out)
        XCTAssertTrue(out.contains("+ 2 calls into builtins and libraries: time.sleep, builtins.print"), out)
        XCTAssertTrue(out.contains("+ 1 call into builtins and libraries: builtins.len"), out)
        XCTAssertFalse(out.contains("├─ builtins.") || out.contains("└─ builtins."), out)
        // "(see above)" only for a node printed above.
        var printed = Set<String>()
        for line in out.split(separator: "\n") {
            guard let m = line.range(of: #"[├└]─ [A-Za-z_][\w.:]*"#, options: .regularExpression) else { continue }
            let node = String(line[m].dropFirst(3))
            if line.contains("(see above)") { XCTAssertTrue(printed.contains(node), "\(node) marked seen before it was printed:\n\(out)") }
            printed.insert(node)
        }
    }

    func testExcludeLeavesOutTestsAndBenchmarks() throws {
        let db = try indexed()
        let all = try run(["callers", "Scheduler.schedule", "--include-tests", "--db", db])
        XCTAssertTrue(all.stdout.contains("tests.test_scheduler.test_schedule") && all.stdout.contains("benchmarks.bench_scheduler.bench"),
                      all.stdout)
        let r = try run(["callers", "Scheduler.schedule", "--include-tests", "--exclude", "tests,benchmarks", "--db", db])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("vllm.entrypoints.llm.LLM.generate"), r.stdout)
        XCTAssertFalse(r.stdout.contains("tests.") || r.stdout.contains("benchmarks."), r.stdout)
        XCTAssertTrue(r.stdout.split(separator: "\n").first?.contains("excluded: tests, benchmarks") == true, r.stdout)
    }

    func testKernelsListsTheInventory() throws {
        let db = try indexed()
        let r = try run(["kernels", "--json", "--db", db])
        XCTAssertEqual(r.status, 0, r.stderr)
        let ks = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let scale = try XCTUnwrap(ks.first { $0["qualified_name"] as? String == "mini::scale_kernel" }, r.stdout)
        XCTAssertEqual(scale["file"] as? String, "csrc/mini_kernels.cu")
        XCTAssertEqual(scale["template_parameters"] as? [String], ["typename scalar_t", "int BLOCK"])
        XCTAssertTrue((scale["launch_bounds"] as? String)?.contains("BLOCK") == true, "\(scale)")
        XCTAssertTrue((scale["shared_memory"] as? [String])?.contains { $0.contains("cache[BLOCK]") } == true, "\(scale)")
        let launches = try XCTUnwrap(scale["launch_sites"] as? [[String: Any]])
        XCTAssertTrue(launches.contains { ($0["launcher"] as? String)?.contains("scale_launcher") == true }, "\(launches)")
        XCTAssertTrue((scale["torch_ops"] as? [String])?.contains { $0.hasSuffix("scale") } == true, "\(scale)")
        let text = try run(["kernels", "--file", "csrc/mini_kernels.cu", "--db", db])
        XCTAssertTrue(text.stdout.contains("mini::scale_kernel  csrc/mini_kernels.cu:"), text.stdout)
        let none = try run(["kernels", "--file", "csrc/nope.cu", "--db", db])
        XCTAssertEqual(none.status, 2)
        let time = try run(["kernels", "--sort", "time", "--db", db])
        XCTAssertEqual(time.status, 2)
        XCTAssertTrue(time.stderr.contains("profiled run"), time.stderr)
        XCTAssertEqual(try run(["kernels", "--sort", "speed", "--db", db]).status, 2)
    }

    func testJSONCarriesTheTextFactsAndErrorsAreJSON() throws {
        let db = try indexed()
        let r = try run(["callees", "LLM.generate", "--json", "--db", db])
        XCTAssertEqual(r.status, 0, r.stderr)
        let tree = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(tree["root"] as? String, "vllm.entrypoints.llm.LLM.generate")
        XCTAssertTrue((tree["headline"] as? String)?.hasPrefix("profile:") == true, r.stdout)
        let kids = try XCTUnwrap(tree["children"] as? [[String: Any]])
        let edge = try XCTUnwrap(kids.compactMap { $0["edge"] as? [String: Any] }.first { $0["callee"] as? String == "vllm.entrypoints.llm.LLM._run_engine" })
        XCTAssertEqual(edge["source"] as? String, "self._run_engine()")
        XCTAssertEqual(edge["line"] as? Int, 17)

        let p = try run(["path", "LLM.generate", "Scheduler._schedule", "--json", "--db", db])
        let paths = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])
        let hops = try XCTUnwrap(((paths["paths"] as? [[String: Any]])?.first?["hops"]) as? [[String: Any]])
        XCTAssertEqual(hops.first?["source"] as? String, "return Scheduler().schedule(prompt)")
        XCTAssertNotNil(paths["headline"])

        for args in [["def", "nope_nope", "--json"], ["callees", "LLM.generate", "--depth", "0", "--json"],
                     ["path", "LLM.genrate", "x", "--json"], ["kernels", "--sort", "speed", "--json"]]
        {
            let e = try run(args + ["--db", db])
            XCTAssertEqual(e.status, 2, "\(args)")
            XCTAssertTrue(e.stdout.isEmpty, "\(args)")
            let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.stderr.utf8)) as? [String: Any], "\(args): \(e.stderr)")
            XCTAssertTrue((obj["error"] as? String)?.hasPrefix("marginalia: ") == true, e.stderr)
            XCTAssertEqual(obj["exit_code"] as? Int, 2)
        }
    }

    // MARK: 14: dot

    func testDotGroupsByLanguageWithShortLabelsAndCallSites() throws {
        let db = try indexed()
        let r = try run(["path", "LLM.generate", "mini::scale_kernel", "--dot", "--profile", "none", "--db", db])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let dot = r.stdout
        XCTAssertTrue(dot.contains("rankdir=TB"), dot)
        for cluster in ["\"Python\"", "\"torch op\"", "\"CUDA\""] { XCTAssertTrue(dot.contains("label=\(cluster)"), dot) }
        XCTAssertTrue(dot.contains("[label=\"LLM.generate\", tooltip=\"vllm.entrypoints.llm.LLM.generate\"]"), dot)
        XCTAssertTrue(dot.contains("[label=\"llm.py:18\""), dot)
        // Every node sits in exactly one cluster.
        let declared = dot.split(separator: "\n").filter { $0.hasPrefix("    \"") && $0.contains("tooltip=") }
        XCTAssertEqual(Set(declared).count, declared.count, dot)
    }
}
