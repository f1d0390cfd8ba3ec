import Foundation
import IndexModel
import PythonIndexer
import XCTest

final class LexerTests: XCTestCase {
    /// Printing the highlight spans of every `.py` file of vLLM 0.6.2 gives back its exact bytes.
    func testRoundTripOnRelease062() throws {
        let root = try vllmRelease("0.6.2")
        let files = pythonFiles(under: root)
        XCTAssertGreaterThan(files.count, 100)
        var failures: [String] = []
        for path in files {
            let source = try readBytes(root.appendingPathComponent(path))
            if roundTrip(source) != source { failures.append(path) }
        }
        XCTAssertEqual(failures, [], "files whose tokens do not print back")
    }

    func spans(_ text: String) -> [(String, TokenClass)] {
        let bytes = Array(text.utf8)
        return PythonIndexer.highlightTokens(bytes).map {
            (String(decoding: bytes[$0.start..<$0.end], as: UTF8.self), $0.tokenClass)
        }
    }

    func testHighlightClasses() {
        let got = spans("@app.route('/')\ndef f(x=1):  # hi\n    return x\n")
        let expected: [(String, TokenClass)] = [
            ("@", .decorator), ("app", .decorator), (".", .decorator), ("route", .decorator), ("(", .punctuation),
            ("'/'", .string), (")", .punctuation), ("\n", .whitespace),
            ("def", .keyword), (" ", .whitespace), ("f", .identifier), ("(", .punctuation), ("x", .identifier),
            ("=", .operator), ("1", .number), (")", .punctuation), (":", .punctuation), ("  ", .whitespace),
            ("# hi", .comment), ("\n", .whitespace), ("    ", .whitespace), ("return", .keyword), (" ", .whitespace),
            ("x", .identifier), ("\n", .whitespace),
        ]
        XCTAssertEqual(got.map(\.0), expected.map(\.0))
        XCTAssertEqual(got.map(\.1), expected.map(\.1))
    }

    /// f-strings are split PEP 701 style, so code inside replacement fields is highlighted as code.
    func testFStringPieces() {
        let got = spans(#"f"a{b(1)!r:>{w}}c" rb'\x'"#)
        XCTAssertEqual(got.map(\.0), [#"f""#, "a", "{", "b", "(", "1", ")", "!", "r", ":", ">", "{", "w", "}", "}",
                                      "c", #"""#, " ", #"rb'\x'"#])
        XCTAssertEqual(got[3].1, .identifier)
        XCTAssertEqual(got[16].1, .string)
    }

    /// Python 3.12 nested same quotes: the inner string does not end the outer f-string.
    func testNestedSameQuotes() {
        let source = #"x = f"{", ".join(f"{a["k"]}" for a in b)}" + call()"#
        let index = PythonIndexer().index(source: Array(source.utf8), path: "t.py", moduleName: "t")
        XCTAssertEqual(index.calls.map(\.callee), [#"", ".join"#, "call"])
        XCTAssertEqual(index.diagnostics, [])
    }

    /// Garbage never crashes or hangs the lexer and parser, and every byte stays covered.
    func testRobustOnMutatedSources() throws {
        let root = try vllmRelease("0.6.2")
        let sample = pythonFiles(under: root).filter { $0.hasPrefix("vllm/core/") || $0.hasPrefix("vllm/engine/") }
        XCTAssertFalse(sample.isEmpty)
        var rng = SplitMix(seed: 42)
        let nasty: [[UInt8]] = [[0], [0xFF], [0xC3], [34], [39], [34, 34, 34], [123], [125], [40], [41], [92],
                                [10, 32, 32, 32], [9], [13], Array("f\"{".utf8), Array("def ".utf8),
                                Array("class(".utf8), Array("@".utf8), Array("lambda".utf8), [58]]
        for path in sample.prefix(12) {
            let original = try readBytes(root.appendingPathComponent(path))
            for _ in 0..<25 {
                var bytes = original
                for _ in 0..<Int(rng.next() % 6 + 1) {
                    let at = Int(rng.next() % UInt64(bytes.count + 1))
                    if rng.next() % 3 == 0 && at < bytes.count {
                        bytes.removeSubrange(at..<min(bytes.count, at + Int(rng.next() % 40)))
                    } else {
                        bytes.insert(contentsOf: nasty[Int(rng.next() % UInt64(nasty.count))], at: at)
                    }
                }
                if rng.next() % 4 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1)))) }
                let index = PythonIndexer().index(source: bytes, path: RepoPath(path), moduleName: "m")
                XCTAssertEqual(index.symbols.first?.kind, .module)
                XCTAssertEqual(roundTrip(bytes), bytes, "\(path): mutated file does not round-trip")
            }
        }
    }

    func testBadBytesGiveDiagnostics() {
        let index = PythonIndexer().index(source: [0xFF, 0xFE] + Array(" = 1\nx\0 = 2\ndef f(): pass\n".utf8),
                                          path: "bad.py", moduleName: "bad")
        XCTAssertTrue(index.diagnostics.contains { $0.message.contains("UTF-8") && $0.line == 1 })
        XCTAssertTrue(index.diagnostics.contains { $0.message.contains("null") && $0.line == 2 })
        XCTAssertTrue(index.symbols.contains { $0.qualifiedName == "bad.f" && $0.range.start.line == 3 })
    }

    func testEmptyAndTinyInputs() {
        for text in ["", "\n", "x", "(", ")", "'''", "f'", "\\", "\t\n  \n", "def", "@", "class A(:"] {
            let bytes = Array(text.utf8)
            let index = PythonIndexer().index(source: bytes, path: "t.py", moduleName: "t")
            XCTAssertEqual(index.symbols.first?.qualifiedName, "t")
            XCTAssertEqual(roundTrip(bytes), bytes, "round-trip of \(text.debugDescription)")
        }
    }

    /// Blocks nested past CPython's 100 levels: the deeper code is skipped with one diagnostic at its
    /// first line, and what follows the deep block is indexed again. 2,000 levels (2 MB of
    /// indentation) stay within a 2 MB stack, debug build included.
    func testIndentationDeeperThanCPythonAllows() throws {
        func nested(_ levels: Int) -> String {
            var text = ""
            for k in 0..<levels { text += String(repeating: " ", count: k) + "def f\(k)():\n" }
            text += String(repeating: " ", count: levels) + "g()\n"
            return text + "def after():\n    h()\n"
        }
        let shallow = PythonIndexer().index(source: Array(nested(100).utf8), path: "n.py", moduleName: "n")
        XCTAssertEqual(shallow.diagnostics, [])
        XCTAssertEqual(shallow.symbols.count, 1 + 100 + 1)
        XCTAssertEqual(shallow.calls.map(\.callee), ["g", "h"])
        for levels in [101, 2_000] {
            let source = Array(nested(levels).utf8)
            let index = try XCTUnwrap(onSmallStack { PythonIndexer().index(source: source, path: "n.py", moduleName: "n") })
            XCTAssertEqual(index.diagnostics, [Diagnostic(
                file: "n.py", line: 102, column: 102, severity: .error,
                message: "more than 100 levels of indentation: the code below is not indexed")], "\(levels)")
            XCTAssertEqual(index.symbols.map(\.qualifiedName).last, "n.after")
            // f0 ... f100 (the 100th block holds f100; its body would be the 101st).
            XCTAssertEqual(index.symbols.count, 1 + 101 + 1, "\(levels)")
            XCTAssertEqual(index.calls.map(\.callee), ["h"], "\(levels)")
        }
    }

    /// Runs `body` on a thread with a 2 MB stack (a quarter of a default thread's) and waits for it.
    func onSmallStack(_ body: @escaping () -> FileIndex) -> FileIndex? {
        final class Box: @unchecked Sendable { var value: FileIndex?; let done = DispatchSemaphore(value: 0) }
        let box = Box()
        let worker = Thread { box.value = body(); box.done.signal() }
        worker.stackSize = 2 << 20
        worker.start()
        box.done.wait()
        return box.value
    }

    /// A huge file (tens of thousands of functions, deeply nested brackets) indexes without trouble.
    func testHugeInput() {
        var text = ""
        for k in 0..<20_000 { text += "def f\(k)(x):\n    return g(x, [\(k)])\n" }
        text += String(repeating: "(", count: 5_000) + String(repeating: ")", count: 5_000) + "\n"
        let index = PythonIndexer().index(source: Array(text.utf8), path: "big.py", moduleName: "big")
        XCTAssertEqual(index.symbols.count, 20_001)
        XCTAssertEqual(index.calls.count, 20_000)
        XCTAssertEqual(index.symbols.last?.range.end.line, 40_000)
    }
}

/// A small deterministic generator for the mutation test.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class ReleaseDiagnosticsTests: XCTestCase {
    /// Valid code gives no diagnostics: none of vLLM 0.6.2's files (all valid Python) gets one.
    func testNoDiagnosticsOnValidRelease() throws {
        let root = try vllmRelease("0.6.2")
        var noisy: [String] = []
        for path in pythonFiles(under: root) {
            let index = PythonIndexer().index(source: try readBytes(root.appendingPathComponent(path)),
                                              path: RepoPath(path), moduleName: "m")
            if let d = index.diagnostics.first { noisy.append(d.description) }
        }
        XCTAssertEqual(noisy, [])
    }
}

final class BenchmarkTests: XCTestCase {
    /// Prints how fast the indexer reads vLLM 0.6.2 (in this build configuration; the figure that
    /// matters comes from a release build). Asserts only that the work was done.
    func testPrintIndexingSpeed() throws {
        let root = try vllmRelease("0.6.2")
        let files = try pythonFiles(under: root).map { (path: RepoPath($0), source: try readBytes(root.appendingPathComponent($0))) }
        let clock = ContinuousClock()
        var counts = PythonIndexer.BatchCounts()
        let elapsed = clock.measure { counts = PythonIndexer().indexBatch(files) }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("PythonIndexer.indexBatch on vLLM 0.6.2: \(counts) in \(String(format: "%.3f", seconds)) s "
              + "(\(String(format: "%.1f", Double(counts.bytes) / seconds / 1e6)) MB/s)")
        XCTAssertEqual(counts.files, files.count)
        XCTAssertGreaterThan(counts.calls, 10_000)
    }
}
