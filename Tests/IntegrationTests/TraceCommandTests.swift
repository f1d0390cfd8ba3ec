import Foundation
import XCTest

/// `trace record`, `trace import`, `trace diff` end to end on a small package made by the test: the
/// recorder runs from another directory, the run is matched to the small index, and bad input (cut
/// short, foreign, empty, another release) is refused naming the file and line, the index unchanged.
final class TraceCommandTests: XCTestCase {
    var cache: URL!
    var tree: URL!
    var work: URL!
    var db: String { cache.appendingPathComponent("toy.sqlite").path }

    static let engine = """
        import torch._ops


        class Base:
            def step(self):
                return self.run()

            def run(self):
                return 0


        class Engine(Base):
            def run(self):
                return [kernel(i) for i in range(2)]

            @property
            def size(self):
                return 3


        def kernel(n):
            return torch._ops.ops._C.paged(n)


        def main():
            e = Engine()
            e.step()
            return e.size

        """

    // A stand-in for torch's op entry (`torch.ops.NS.OP(...)` calls OpOverloadPacket.__call__ in torch/_ops.py).
    static let fakeOps = """
        class OpOverloadPacket:
            def __init__(self, ns, name):
                self._qualified_op_name = ns + "::" + name

            def __call__(self, /, *args, **kwargs):
                return len(args)


        class _Namespace:
            def __init__(self, ns):
                self.ns = ns

            def __getattr__(self, name):
                return OpOverloadPacket(self.ns, name)


        class _Ops:
            def __getattr__(self, ns):
                return _Namespace(ns)


        ops = _Ops()

        """

    override func setUpWithError() throws {
        cache = try temporaryDirectory("trace-cache")
        let base = try temporaryDirectory("trace-tree")
        tree = base.appendingPathComponent("vllm-0.32.0")
        work = try temporaryDirectory("trace-work")
        try write("__version__ = \"0.32.0\"\n", to: tree.appendingPathComponent("vllm/__init__.py"))
        try write(Self.engine, to: tree.appendingPathComponent("vllm/engine.py"))
        try write("", to: work.appendingPathComponent("fake/torch/__init__.py"))
        try write(Self.fakeOps, to: work.appendingPathComponent("fake/torch/_ops.py"))
        try write("import sys\nsys.path[:0] = [\(pyString(tree.path)), \(pyString(work.appendingPathComponent("fake").path))]\nimport vllm.engine\nvllm.engine.main()\n",
                  to: work.appendingPathComponent("run.py"))
        let r = try CLI.run(["index", tree.path, "--db", db, "--python-only"], cache: cache)
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    override func tearDownWithError() throws {
        for d in [cache, tree.deletingLastPathComponent(), work] { try? FileManager.default.removeItem(at: d!) }
    }

    func pyString(_ s: String) -> String { "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'" }

    func record() throws -> URL {
        let out = work.appendingPathComponent("toy.jsonl")
        // From a directory that is neither the package nor the checkout: the recorder is found anyway.
        let r = try CLI.run(["trace", "record", "--out", out.path, "--within", "vllm.engine.Base.step", "--",
                             "python3", work.appendingPathComponent("run.py").path],
                            cache: cache, cwd: cache)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("marginalia tracer: 4 distinct calls, 1 op calls, 0 dropped"), r.stderr)
        return out
    }

    func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func testRecordImportDiff() throws {
        let out = try record()
        let records = try lines(out)
        XCTAssertTrue(records[0].contains("\"package_version\":\"0.32.0\""), records[0])
        XCTAssertTrue(records.contains { $0.contains("\"callee\":\"vllm.engine.Base.step\"") && $0.contains("\"self_class\":\"vllm.engine.Engine\"") },
                      "runtime class of self recorded: \(records)")
        XCTAssertTrue(records.contains { $0.contains("\"callee\":\"vllm.engine.kernel\"") && $0.contains("\"caller\":\"vllm.engine.Engine.run\"") },
                      "the list comprehension folded into Engine.run: \(records)")
        XCTAssertTrue(records.contains { $0.contains("\"op\":\"torch.ops._C.paged\"") && $0.contains("\"count\":2") }, "\(records)")

        let imp = try CLI.run(["trace", "import", out.path, "--name", "toy", "--db", db], cache: cache)
        XCTAssertEqual(imp.status, 0, imp.stderr)
        XCTAssertTrue(imp.stdout.hasPrefix("imported run 'toy'"), imp.stdout)
        let diff = try CLI.run(["trace", "diff", "toy", "--json", "--db", db], cache: cache)
        XCTAssertEqual(diff.status, 0, diff.stderr)
        let obj = try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as! [String: Any]
        let summary = obj["summary"] as! [String: Any]
        XCTAssertEqual(summary["distinctCalls"] as? Int, 4)
        let misses = (obj["misses"] as! [[String: Any]]).map { "\($0["cause"]!) \($0["callee"]!)" }
        // `e.size` reads a property: the index has a `property` edge to its getter there.
        XCTAssertFalse(misses.contains { $0.hasSuffix(" vllm.engine.Engine.size") }, "\(misses)")
        // No C++ registration of _C::paged in this checkout: the op is not a graph node.
        XCTAssertTrue(misses.contains("callee-not-indexed torch.ops._C.paged"), "\(misses)")
        let calls = obj["calls"] as! [[String: Any]]
        let matched = calls.filter { $0["match"] != nil }.count
        let staticEdges = summary["staticEdges"] as! [String: Int]
        XCTAssertEqual(staticEdges["count"], matched)
        XCTAssertEqual(staticEdges["total"], 4)
        // Deterministic: the same report twice.
        XCTAssertEqual(try CLI.run(["trace", "diff", "toy", "--json", "--db", db], cache: cache).stdout, diff.stdout)

        // Under the function the recorder marked: what ran while Base.step was running.
        let under = try CLI.run(["trace", "diff", "toy", "--under", "vllm.engine.Base.step", "--json", "--db", db], cache: cache)
        let underSummary = (try JSONSerialization.jsonObject(with: Data(under.stdout.utf8)) as! [String: Any])["summary"] as! [String: Any]
        XCTAssertEqual(underSummary["distinctCalls"] as? Int, 2, under.stdout)
        XCTAssertEqual(underSummary["distinctOpCalls"] as? Int, 1, under.stdout)

        // The graph queries over the run's edges only.
        let callees = try CLI.run(["callees", "vllm.engine.main", "--observed", "--depth", "2", "--db", db], cache: cache)
        XCTAssertEqual(callees.status, 0, callees.stderr)
        XCTAssertTrue(callees.stdout.contains("vllm.engine.Base.step"), callees.stdout)
        XCTAssertTrue(callees.stdout.contains("observed x1"), callees.stdout)
        let path = try CLI.run(["path", "vllm.engine.main", "torch.ops._C.paged", "--observed", "--json", "--db", db], cache: cache)
        XCTAssertEqual(path.status, 0, path.stderr)
        let hops = ((try JSONSerialization.jsonObject(with: Data(path.stdout.utf8)) as! [String: Any])["paths"] as! [[String: Any]])[0]["hops"] as! [[String: Any]]
        XCTAssertEqual(hops.map { $0["callee"] as! String },
                       ["vllm.engine.Base.step", "vllm.engine.Engine.run", "vllm.engine.kernel", "torch.ops._C.paged"])

        // Re-importing a name replaces it.
        let again = try CLI.run(["trace", "import", out.path, "--name", "toy", "--db", db], cache: cache)
        XCTAssertTrue(again.stdout.hasPrefix("replaced run 'toy'"), again.stdout)
        XCTAssertEqual(try CLI.run(["trace", "list", "--db", db], cache: cache).stdout.split(separator: "\n").count, 1)
    }

    func testProfilerTraceImport() throws {
        let f = work.appendingPathComponent("profile.json")
        try write(#"{"traceEvents": [{"ph": "X", "cat": "cpu_op", "name": "_C::paged", "ts": 1, "dur": 2000}, {"ph": "X", "cat": "cpu_op", "name": "_C::paged", "ts": 5, "dur": 1000}]}"#, to: f)
        let imp = try CLI.run(["trace", "import", f.path, "--db", db], cache: cache)
        XCTAssertEqual(imp.status, 0, imp.stderr)
        XCTAssertTrue(imp.stdout.hasPrefix("imported profiler trace 'profile' (2 events)"), imp.stdout)
        let ops = try CLI.run(["trace", "ops", "profile", "--db", db], cache: cache)
        XCTAssertTrue(ops.stdout.contains("torch.ops._C.paged  x2  3.000 ms  [not in the index]"), ops.stdout)
        let bad = work.appendingPathComponent("bad.json")
        try write(#"{"traceEvents": []}"#, to: bad)
        let r = try CLI.run(["trace", "import", bad.path, "--db", db], cache: cache)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("bad.json: empty profile"), r.stderr)
    }

    func testBadTracesAreRefusedAndTheIndexIsUnchanged() throws {
        let out = try record()
        XCTAssertEqual(try CLI.run(["trace", "import", out.path, "--name", "toy", "--db", db], cache: cache).status, 0)
        let before = try CLI.run(["trace", "diff", "toy", "--json", "--db", db], cache: cache).stdout
        let records = try lines(out)
        func attempt(_ name: String, _ body: [String]) throws -> CLI.Result {
            let f = work.appendingPathComponent(name)
            try write(body.joined(separator: "\n") + "\n", to: f)
            let r = try CLI.run(["trace", "import", f.path, "--name", "toy", "--db", db], cache: cache)
            XCTAssertEqual(r.status, 2, "\(name): \(r.stdout) \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("the index is unchanged"), r.stderr)
            return r
        }
        let truncated = try attempt("cut.jsonl", Array(records.dropLast(2)))
        XCTAssertTrue(truncated.stderr.contains("cut.jsonl:\(records.count - 2): truncated"), truncated.stderr)
        let foreign = try attempt("edges.jsonl", [#"{"caller":"a","callee":"b"}"#])
        XCTAssertTrue(foreign.stderr.contains("edges.jsonl:1: not a Marginalia trace"), foreign.stderr)
        let empty = try attempt("empty.jsonl", [records[0], records.last!])
        XCTAssertTrue(empty.stderr.contains("empty.jsonl:2: empty run"), empty.stderr)
        let other = try attempt("other.jsonl", [records[0].replacingOccurrences(of: "\"0.32.0\"", with: "\"0.33.0\"")] + records.dropFirst())
        XCTAssertTrue(other.stderr.contains("other.jsonl:1: the trace is of vllm 0.33.0, the index \(db) is of vllm 0.32.0"), other.stderr)
        XCTAssertEqual(try CLI.run(["trace", "diff", "toy", "--json", "--db", db], cache: cache).stdout, before)
        XCTAssertEqual(try CLI.run(["trace", "list", "--db", db], cache: cache).stdout.split(separator: "\n").count, 1)
    }
}
