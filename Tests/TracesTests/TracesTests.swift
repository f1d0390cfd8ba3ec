import CallGraph
import Foundation
import IndexModel
import Traces
import XCTest

/// A small static graph and a hand-written run over it: one observed call per matching route and
/// per miss cause, so every branch of the matcher and of the measures is exercised.
final class TracesTests: XCTestCase {
    static let a = RepoPath("vllm/a.py")
    static let runner = "vllm.a.Runner.run"

    static func graph() -> InMemoryStaticGraph {
        let a = Self.a, r = Self.runner
        let edges = [
            Edge(caller: "vllm.a.main", callee: r, kind: .call, confidence: .exact, file: a, line: 3),
            // Labelled exact to the base method; the run takes the override.
            Edge(caller: r, callee: "vllm.b.Base.step", kind: .call, confidence: .exact, file: a, line: 10),
            // A module call through the dispatch hub.
            Edge(caller: r, callee: "torch.nn.Module.__call__", kind: .call, confidence: .inferred, file: a, line: 11),
            Edge(caller: "torch.nn.Module.__call__", callee: "vllm.m.Model.forward", kind: .dispatch,
                 confidence: .candidate, file: "vllm/m.py", line: 5),
            Edge(caller: "torch.nn.Module.__call__", callee: "vllm.m.Other.forward", kind: .dispatch,
                 confidence: .candidate, file: "vllm/m.py", line: 20),
            Edge(caller: r, callee: "torch.ops._C.foo", kind: .call, confidence: .exact, file: a, line: 12),
            // A dataclass constructed: the run executes its __post_init__.
            Edge(caller: r, callee: "vllm.c.Cfg", kind: .call, confidence: .exact, file: a, line: 13),
            // A call written over three lines.
            Edge(caller: r, callee: "vllm.b.helper", kind: .call, confidence: .inferred, file: a, line: 15),
            Edge(caller: r, callee: "vllm.a.act", kind: .call, confidence: .exact, file: a, line: 18),
            // Two static callees at one site, one of which runs.
            Edge(caller: r, callee: "vllm.b.helper", kind: .call, confidence: .candidate, file: a, line: 19),
            Edge(caller: r, callee: "vllm.b.other", kind: .call, confidence: .candidate, file: a, line: 19),
            // `helper() or other()`: the second call did not run (short circuit); by column it is not an executed site.
            Edge(caller: r, callee: "vllm.b.helper", kind: .call, confidence: .exact, file: a, line: 20, column: 5),
            Edge(caller: r, callee: "vllm.b.other", kind: .call, confidence: .exact, file: a, line: 20, column: 30),
            // An external callee: not observable, never checked.
            Edge(caller: r, callee: "torch.cat", kind: .call, confidence: .exact, file: a, line: 19),
        ]
        let sites: [String: [SiteSpan]] = [
            "vllm.a.main": [SiteSpan(file: a, startLine: 3, endLine: 3)],
            r: [10, 11, 12, 13, 18, 19].map { SiteSpan(file: a, startLine: $0, endLine: $0) }
                + [SiteSpan(file: a, startLine: 15, endLine: 17), SiteSpan(file: a, startLine: 20, startColumn: 5, endLine: 20),
                   SiteSpan(file: a, startLine: 20, startColumn: 30, endLine: 20)],
        ]
        func def(_ kind: SymbolKind, _ file: RepoPath, _ s: Int, _ e: Int, _ attrs: [String] = []) -> DefinitionInfo {
            DefinitionInfo(kind: kind, file: file, startLine: s, endLine: e, attributes: attrs)
        }
        let defs: [String: DefinitionInfo] = [
            "vllm.a.main": def(.function, a, 1, 4),
            r: def(.method, a, 8, 20),
            "vllm.a.act": def(.lambda, a, 30, 30),
            "vllm.b.Base.step": def(.method, "vllm/b.py", 2, 3),
            "vllm.b.Child.step": def(.method, "vllm/b.py", 6, 7),
            "vllm.b.helper": def(.function, "vllm/b.py", 10, 11),
            "vllm.b.other": def(.function, "vllm/b.py", 12, 13),
            "vllm.m.Model.forward": def(.method, "vllm/m.py", 5, 6),
            "vllm.m.Other.forward": def(.method, "vllm/m.py", 20, 21),
            "vllm.c.Cfg": def(.class, "vllm/c.py", 1, 9),
            "vllm.c.Cfg.__post_init__": def(.method, "vllm/c.py", 5, 6),
            "vllm.p.P.size": def(.method, "vllm/p.py", 3, 4, ["property"]),
        ]
        return InMemoryStaticGraph(edges: edges, sites: sites, definitions: defs, lambdas: [a: [30: "vllm.a.act"]])
    }

    static func call(_ caller: String, _ callee: String, _ line: Int, _ n: Int = 1, calleeFile: RepoPath = "") -> ObservedCall {
        ObservedCall(kind: .call, caller: caller, callee: callee, file: a, line: line, count: n, calleeFile: calleeFile)
    }

    static func trace() -> RecordedTrace {
        let r = runner
        return RecordedTrace(run: TraceRun(package: "vllm", packageVersion: "0.32.0+cpu"), calls: [
            call("vllm.a.main", r, 3),
            call(r, "vllm.b.Child.step", 10, 4),
            call(r, "vllm.m.Model.forward", 11, 2),
            ObservedCall(kind: .op, caller: r, callee: "torch.ops._C.foo", file: a, line: 12, count: 2),
            call(r, "vllm.c.Cfg.__post_init__", 13),
            call(r, "vllm.p.P.size", 14),
            call(r, "vllm.b.helper", 16),
            call(r, "vllm.a.<lambda:30>", 18, calleeFile: a),
            call(r, "vllm.b.helper", 19),
            ObservedCall(kind: .call, caller: r, callee: "vllm.b.helper", file: a, line: 20, column: 5, count: 1),
            call(r, "vllm.x.gone", 10),
            call(r, "vllm.b.helper", 40),
            call("vllm.q.unknown", "vllm.b.helper", 2),
            ObservedCall(kind: .op, caller: "vllm.b.helper", callee: "torch.ops._C.bar", file: "vllm/b.py", line: 11, count: 1),
        ])
    }

    func testEveryObservedCallIsMatchedOrClassified() {
        let matcher = TraceMatcher(graph: Self.graph())
        let d = traceDiff(name: "fixture", trace: Self.trace(), matcher: matcher)
        let summary = d.calls.map { c -> String in
            let o = c.observed
            let what = c.match.map { "\($0.route.rawValue) \($0.confidence.rawValue)" } ?? "miss \(c.miss!.rawValue)"
            return "\(o.caller)->\(o.callee)@\(o.line) \(what)"
        }
        XCTAssertEqual(summary, [
            "vllm.a.Runner.run->vllm.b.Child.step@10 miss no-static-edge",
            "vllm.a.Runner.run->vllm.x.gone@10 miss callee-not-indexed",
            "vllm.a.Runner.run->vllm.m.Model.forward@11 dispatch candidate",
            "vllm.a.Runner.run->vllm.c.Cfg.__post_init__@13 constructor exact",
            "vllm.a.Runner.run->vllm.p.P.size@14 miss implicit-call",
            "vllm.a.Runner.run->vllm.b.helper@16 direct inferred",
            "vllm.a.Runner.run->vllm.a.act@18 direct exact",
            "vllm.a.Runner.run->vllm.b.helper@19 direct candidate",
            "vllm.a.Runner.run->vllm.b.helper@20 direct exact",
            "vllm.a.Runner.run->vllm.b.helper@40 miss line-not-a-call-site",
            "vllm.a.main->vllm.a.Runner.run@3 direct exact",
            "vllm.q.unknown->vllm.b.helper@2 miss caller-not-indexed",
        ])
        XCTAssertEqual(d.staticEdges, Share(7, of: 12))
        XCTAssertEqual(d.exactOrInferred, Share(5, of: 12))
        XCTAssertEqual(d.missesByCause, ["no-static-edge": 1, "callee-not-indexed": 1, "implicit-call": 1,
                                         "line-not-a-call-site": 1, "caller-not-indexed": 1])
        XCTAssertEqual(d.calls.first { $0.observed.line == 14 }?.calleeHint, "property getter")
        XCTAssertEqual(d.opStaticEdges, Share(1, of: 2))
        XCTAssertEqual(d.opMissesByCause, ["callee-not-indexed": 1])
        XCTAssertEqual(d.calls.first { $0.observed.line == 16 }?.sites, [SitePosition(line: 15, column: 0)],
                       "a line inside a multi-line call")
        XCTAssertEqual(d.calls.first { $0.observed.line == 20 }?.sites, [SitePosition(line: 20, column: 5)],
                       "the site at the observed column, not the other call on the line")
    }

    func testLabelsAreCheckedAtExecutedSitesOnly() {
        let d = traceDiff(name: "fixture", trace: Self.trace(), matcher: TraceMatcher(graph: Self.graph()))
        // Executed sites: 3, 10, 11, 12, 13, 15, 18, 19, 20:5 (14 has no call site, 40 is outside the caller).
        // exact: main->run, Base.step (wrong: Child.step ran), foo, Cfg, act, helper at 20:5; torch.cat is
        // external; other at 20:30 did not execute.
        XCTAssertEqual(d.labels["exact"], Share(5, of: 6))
        XCTAssertEqual(d.labels["inferred"], Share(2, of: 2))
        XCTAssertEqual(d.labels["candidate"], Share(1, of: 2))
        let wrong = d.checks.filter { !$0.ran }.map { "\($0.edge.line) \($0.edge.callee) \($0.ranInstead)" }
        XCTAssertEqual(wrong, ["10 vllm.b.Base.step [\"vllm.b.Child.step\", \"vllm.x.gone\"]", "19 vllm.b.other [\"vllm.b.helper\"]"])
        XCTAssertEqual(d.dispatchSites.map { "\($0.line) \($0.candidates.map(\.callee)) ran \($0.ran)" },
                       ["19 [\"vllm.b.helper\", \"vllm.b.other\"] ran [\"vllm.b.helper\"]"])
        let text = TraceFormat.diffText(d, run: Self.trace().run)
        XCTAssertTrue(text.contains("vllm/a.py:10  vllm.a.Runner.run -> vllm.b.Base.step  [exact]\n      ran there: vllm.b.Child.step, vllm.x.gone"), text)
        XCTAssertTrue(text.contains("  exact      5/6 (83.3%)"), text)
    }

    func testChainsFollowObservedCallsToEachOp() {
        let chains = observedChains(from: "vllm.a.main", trace: Self.trace(), matcher: TraceMatcher(graph: Self.graph()))
        XCTAssertEqual(chains.map { "\($0.target): " + $0.hops.map { "\($0.call.observed.callee)" }.joined(separator: " > ") }, [
            "torch.ops._C.bar: vllm.a.Runner.run > vllm.b.helper > torch.ops._C.bar",
            "torch.ops._C.foo: vllm.a.Runner.run > torch.ops._C.foo",
        ])
        let text = TraceFormat.chainsText(chains, run: Self.trace().run, name: "fixture")
        XCTAssertTrue(text.contains("vllm.a.Runner.run -> torch.ops._C.foo\n      vllm/a.py:12  x2  [exact]"), text)
    }

    // MARK: The file format

    func read(_ lines: [String]) -> Result<RecordedTrace, TraceFileError> {
        Result { try TraceFileReader.read(Data(lines.joined(separator: "\n").utf8), file: "t.jsonl") }
            .mapError { $0 as! TraceFileError }
    }

    let header = #"{"type":"header","format":"marginalia-trace","format_version":1,"package":"vllm","package_version":"0.32.0"}"#
    let call = #"{"type":"call","caller":"vllm.a.f","callee":"vllm.a.g","file":"vllm/a.py","line":3,"count":2}"#
    let end = #"{"type":"end","events":10,"wall_s":1.5,"hook_s":0.5}"#

    func testFilesThatDifferFromTheIndexAreTheirOwnMissCause() {
        let m = TraceMatcher(graph: Self.graph(), differingFiles: [Self.a])
        let d = traceDiff(name: "fixture", trace: Self.trace(), matcher: m)
        // Calls made from vllm/a.py that are no edge: their lines are not the index's lines.
        XCTAssertEqual(d.missesByCause, ["file-differs": 5])
        XCTAssertEqual(d.labels["exact"], Share(0, of: 0), "no label is checked on lines that cannot be trusted")
    }

    func testCRC32IsPythonsZlibCRC32() {
        // zlib.crc32(b"123456789") == 0xCBF43926, zlib.crc32(b"") == 0
        XCTAssertEqual(crc32(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(crc32([]), 0)
    }

    func testReadsAWholeTrace() throws {
        let t = try read([header, call, #"{"type":"entry","callee":"vllm.a.f","count":1}"#,
                          #"{"type":"file","path":"vllm/a.py","size":120,"crc32":3421780262}"#, end]).get()
        XCTAssertEqual(t.files, ["vllm/a.py": FileStamp(size: 120, crc32: 3_421_780_262)])
        XCTAssertEqual(t.run.release, "0.32.0")
        XCTAssertEqual(t.run.hookSeconds, 0.5)
        XCTAssertEqual(t.calls, [ObservedCall(kind: .call, caller: "vllm.a.f", callee: "vllm.a.g", file: "vllm/a.py", line: 3, count: 2)])
        XCTAssertEqual(t.entries, ["vllm.a.f": 1])
    }

    func testBadFilesNameTheFileAndLine() {
        func err(_ lines: [String]) -> String {
            switch read(lines) {
            case .success: return "read"
            case .failure(let e): return e.description
            }
        }
        XCTAssertEqual(err([header, call]), "t.jsonl:2: truncated: the file ends without the end record (was the run killed?)")
        XCTAssertEqual(err([header, String(call.prefix(30))]), "t.jsonl:2: not a JSON object (truncated or corrupted record)")
        XCTAssertEqual(err([#"{"edges": []}"#, call, end]), "t.jsonl:1: not a Marginalia trace (the first line is not a marginalia-trace header)")
        XCTAssertEqual(err(["caller,callee", "a,b"]), "t.jsonl:1: not a Marginalia trace (the first line is not a JSON header)")
        XCTAssertTrue(err([header, end]).hasPrefix("t.jsonl:2: empty run: no call between functions of vllm was recorded"), err([header, end]))
        XCTAssertEqual(err([header, end, call]), "t.jsonl:3: record after the end record")
        XCTAssertEqual(err([header, #"{"type":"call","caller":"a","file":"f","line":1,"count":1}"#, end]), "t.jsonl:2: call record without 'callee'")
        XCTAssertEqual(err([]), "t.jsonl: empty file: not a trace")
    }
}

/// The profiler-trace reader on a Chrome trace built from the format's documented fields: CPU ops,
/// a GPU kernel with its launch configuration and correlation, and the runtime call that launched it.
final class ProfilerTraceTests: XCTestCase {
    static let trace = """
        {"schemaVersion": 1, "traceEvents": [
          {"ph": "X", "cat": "cpu_op", "name": "_C::rms_norm", "pid": 1, "tid": 1, "ts": 10, "dur": 4.5, "args": {"External id": 7}},
          {"ph": "X", "cat": "cpu_op", "name": "_C::rms_norm", "pid": 1, "tid": 1, "ts": 30, "dur": 5.5, "args": {"External id": 9}},
          {"ph": "X", "cat": "cpu_op", "name": "aten::mm", "pid": 1, "tid": 1, "ts": 40, "dur": 2},
          {"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": 1, "tid": 1, "ts": 11, "dur": 1, "args": {"correlation": 5, "External id": 7}},
          {"ph": "X", "cat": "kernel", "name": "void vllm::rms_norm_kernel<c10::BFloat16, 8>(c10::BFloat16*, float)", "pid": 0, "tid": 7, "ts": 12, "dur": 3,
           "args": {"correlation": 5, "grid": [16, 1, 1], "block": [256, 1, 1], "External id": 7}},
          {"ph": "i", "cat": "instant", "name": "marker", "pid": 1, "tid": 1, "ts": 50},
          {"ph": "X", "cat": "cpu_op", "name": "_C::not_there", "pid": 1, "tid": 1, "ts": 60, "dur": 1}
        ]}
        """

    func testSumsByNameAndMapsOpsAndKernels() throws {
        let data = Data(Self.trace.utf8)
        XCTAssertTrue(ProfilerTraceReader.looksLikeChromeTrace(data))
        let p = try ProfilerTraceReader.read(data, file: "p.json")
        XCTAssertEqual(p.events, 6)
        XCTAssertEqual(p.names.map { "\($0.category) \($0.node) x\($0.count) \($0.totalMicroseconds)" }, [
            "cpu_op torch.ops._C.not_there x1 1.0",
            "cpu_op torch.ops._C.rms_norm x2 10.0",
            "cpu_op torch.ops.aten.mm x1 2.0",
            "cuda_runtime  x1 1.0",
            "kernel vllm::rms_norm_kernel x1 3.0",
        ])
        XCTAssertEqual(p.names.first { $0.category == "kernel" }?.launchConfigs, ["grid [16, 1, 1] block [256, 1, 1]"])
        let r = profileReport(p.names, inventory: ["vllm::rms_norm_kernel", "vllm::paged_attention_v1_kernel"]) { op in
            op == "torch.ops._C.rms_norm" ? ["rms_norm (CUDA)"] : nil
        }
        XCTAssertEqual(r.ops.map { "\($0.name.node) \($0.registered)" }, ["torch.ops._C.not_there false", "torch.ops._C.rms_norm true"])
        XCTAssertEqual(r.otherCPUOps, 1)
        XCTAssertEqual(r.kernels.map(\.inInventory), [true])
        XCTAssertEqual(r.neverRan, ["vllm::paged_attention_v1_kernel"])
        XCTAssertEqual(r.runtimeCalls.map(\.name), ["cudaLaunchKernel"])
    }

    func testBadProfilesAreErrors() {
        func err(_ s: String) -> String {
            do { _ = try ProfilerTraceReader.read(Data(s.utf8), file: "p.json"); return "read" } catch { return "\(error)" }
        }
        XCTAssertEqual(err(#"{"traceEvents": [{"ph": "X", "cat": "cpu_op", "name": "a"#), "p.json: not JSON (a profiler trace is one JSON object)")
        XCTAssertEqual(err(#"{"traceEvents": []}"#), "p.json: empty profile: no complete (ph \"X\") events")
        XCTAssertEqual(err(#"{"other": 1}"#), "p.json: not a Chrome trace: no traceEvents")
        XCTAssertFalse(ProfilerTraceReader.looksLikeChromeTrace(Data(#"{"type":"header","format":"marginalia-trace"}"#.utf8)))
    }
}
