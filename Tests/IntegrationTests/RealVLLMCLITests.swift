import Foundation
import XCTest

/// Issue 13's examples on real vLLM 0.6.2, on the index RealVLLMTests builds once for the class.
extension RealVLLMTests {
    func testCLIDefFoldsTheOverloadsOfLLMGenerate() throws {
        let (cache, db, _) = try setUpIndex()
        let r = try CLI.run(["def", "LLM.generate", "--db", db], cache: cache)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("vllm/entrypoints/llm.py:") == true, r.stdout)
        XCTAssertEqual(lines.filter { $0.hasPrefix("vllm/") }.count, 1, "one implementation printed in full:\n\(r.stdout)")
        let folded = try XCTUnwrap(lines.first { $0.contains("@overload stubs") }, r.stdout)
        XCTAssertTrue(folded.hasPrefix("  + 6 @overload stubs"), folded)
        // --json keeps all seven, the implementation first.
        let json = try CLI.run(["def", "LLM.generate", "--json", "--db", db], cache: cache)
        let objs = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(objs.count, 7)
        XCTAssertFalse((objs[0]["attributes"] as? [String] ?? []).contains("overload"), "\(objs[0])")
    }

    func testCLISuggestionsOnRealNames() throws {
        let (cache, db, _) = try setUpIndex()
        let typo = try CLI.run(["path", "LLM.genrate", "paged_attention_v1_kernel", "--db", db], cache: cache)
        XCTAssertEqual(typo.status, 2)
        let lines = typo.stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let at = try XCTUnwrap(lines.firstIndex { $0.hasSuffix("did you mean:") }, typo.stderr)
        XCTAssertEqual(lines[at + 1], "vllm.entrypoints.llm.LLM.generate", typo.stderr)

        let ambiguous = try CLI.run(["path", "generate", "paged_attention_v1_kernel", "--db", db], cache: cache)
        XCTAssertEqual(ambiguous.status, 2)
        let count = try XCTUnwrap(ambiguous.stderr.range(of: #"matches [0-9]+ names"#, options: .regularExpression)
            .flatMap { Int(ambiguous.stderr[$0].split(separator: " ")[1]) })
        let listed = ambiguous.stderr.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.hasPrefix("  (") }
        let more = listed.last?.range(of: #"… [0-9]+ more"#, options: .regularExpression) != nil
        XCTAssertTrue(listed.count == count || more, ambiguous.stderr)
        XCTAssertTrue(listed.contains { $0.trimmingCharacters(in: .whitespaces) == "vllm.entrypoints.llm.LLM.generate" }, ambiguous.stderr)
        let firstTest = listed.firstIndex { $0.contains("tests.") } ?? listed.count
        let lastVLLM = listed.lastIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix("vllm.") } ?? 0
        XCTAssertLessThan(lastVLLM, firstTest, ambiguous.stderr)

        let file = try CLI.run(["symbols", "scheduler.py", "--db", db], cache: cache)
        XCTAssertEqual(file.status, 2)
        XCTAssertEqual(file.stderr.split(separator: "\n").dropFirst().first?.trimmingCharacters(in: .whitespaces),
                       "vllm/core/scheduler.py", file.stderr)
    }

    func testCLICalleesTreeIsInSourceOrder() throws {
        let (cache, db, _) = try setUpIndex()
        let r = try CLI.run(["callees", "vllm.core.scheduler.Scheduler.schedule", "--depth", "1", "--db", db], cache: cache)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stdout.contains("─ builtins.") || r.stdout.contains("─ time."), r.stdout)
        XCTAssertTrue(r.stdout.contains("calls into builtins and libraries"), r.stdout)
        // The call sites of the first level, in order of their lines.
        let sites = r.stdout.split(separator: "\n").compactMap { line -> Int? in
            guard let m = line.range(of: #"at vllm/core/scheduler\.py:[0-9]+"#, options: .regularExpression) else { return nil }
            return Int(line[m].split(separator: ":").last!)
        }
        XCTAssertGreaterThan(sites.count, 2, r.stdout)
        XCTAssertEqual(sites, sites.sorted(), r.stdout)
    }

    func testCLIKernelsInventory() throws {
        let (cache, db, _) = try setUpIndex()
        let r = try CLI.run(["kernels", "--json", "--db", db], cache: cache)
        XCTAssertEqual(r.status, 0, r.stderr)
        let ks = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        // Every kernel symbol of the index (export symbols, the raw table) is listed, once per definition.
        let export = try CLI.run(["export", "symbols", "--db", db], cache: cache)
        let kernelSymbols = export.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["kind"] as? String == "kernel" }
        XCTAssertEqual(Set(ks.compactMap { $0["qualified_name"] as? String }),
                       Set(kernelSymbols.compactMap { $0["qualified_name"] as? String }))
        XCTAssertGreaterThan(ks.count, 30)
        let v1 = try XCTUnwrap(ks.first { $0["qualified_name"] as? String == "vllm::paged_attention_v1_kernel" })
        XCTAssertFalse((v1["template_parameters"] as? [String] ?? []).isEmpty, "\(v1)")
        XCTAssertFalse((v1["launch_sites"] as? [[String: Any]] ?? []).isEmpty, "\(v1)")
        XCTAssertTrue((v1["torch_ops"] as? [String] ?? []).contains { $0.hasSuffix("paged_attention_v1") }, "\(v1)")
    }
}
