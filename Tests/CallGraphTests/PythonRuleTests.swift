import CallGraph
import Foundation
import IndexModel
import XCTest

/// One directory per resolution rule under Fixtures/python; the expected edges are markers in the source:
/// `# -> CALLEE CONFIDENCE` (an edge from the call on this line), `# !-> CALLEE` (no edge from this line to
/// CALLEE surer than nameOnly), `# unresolved` (the call on this line is counted unresolved),
/// `# edge: CALLER -> CALLEE CONFIDENCE` (an edge anywhere). Markers are separated by `;`.
extension XCTestCase {
    func fixture(_ name: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/python/" + name, withExtension: nil))
    }

    /// Resolves a fixture and checks every marker; returns the graph for extra checks.
    @discardableResult
    func check(_ name: String, extra: [FileIndex] = [], bindings: [TypeBinding] = [], file: StaticString = #filePath,
               line: UInt = #line) throws -> ResolvedGraph {
        let root = try fixture(name)
        var (input, source) = try pythonGraphInput(root: root, extra: extra)
        input.bindings = bindings
        let g = resolve(input)
        var checked = 0
        for rel in files(under: root, extensions: ["py"]) {
            let path = RepoPath(rel)
            for (i, text) in (source.lines(path) ?? []).enumerated() {
                guard let hash = text.range(of: "# ") else { continue }
                let n = i + 1
                let here = g.edges.filter { $0.file == path && $0.line == n }
                for marker in text[hash.upperBound...].split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                    let words = marker.split(separator: " ").map(String.init)
                    if marker.hasPrefix("-> "), words.count == 3 {
                        checked += 1
                        XCTAssertTrue(here.contains { $0.callee == words[1] && $0.confidence.rawValue == words[2] },
                                      "\(name) \(rel):\(n): expected -> \(words[1]) \(words[2]); got \(here.map { "\($0.callee) \($0.confidence.rawValue)" })",
                                      file: file, line: line)
                    } else if marker.hasPrefix("!-> "), words.count == 2 {
                        checked += 1
                        XCTAssertFalse(here.contains { $0.callee == words[1] && $0.confidence != .nameOnly },
                                       "\(name) \(rel):\(n): unexpected -> \(words[1])", file: file, line: line)
                    } else if marker == "unresolved" {
                        checked += 1
                        XCTAssertTrue(g.unresolved.contains { $0.file == path && $0.line == n },
                                      "\(name) \(rel):\(n): expected unresolved", file: file, line: line)
                    } else if marker.hasPrefix("edge: "), words.count == 5 {
                        checked += 1
                        XCTAssertTrue(g.edges.contains { $0.caller == words[1] && $0.callee == words[3] && $0.confidence.rawValue == words[4] },
                                      "\(name): expected edge \(marker)", file: file, line: line)
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 0, "\(name) has no markers", file: file, line: line)
        return g
    }
}

final class PythonRuleTests: XCTestCase {
    func testScopes() throws { try check("scopes") }
    func testDecoratorWrappers() throws { try check("decorators") }
    func testDataclassConstructionRunsPostInit() throws { try check("dataclasses") }
    func testDecoratorMadeCallableObjects() throws { try check("callables") }
    func testPropertyGetters() throws {
        let g = try check("properties")
        XCTAssertTrue(g.edges.filter { $0.callee == "pkg.p.Config.size" }.allSatisfy { $0.kind == .property })
        // `self.config.size = 3` writes: no getter runs.
        XCTAssertFalse(g.edges.contains { $0.callee == "pkg.p.Config.size" && $0.line == 26 })
    }
    func testImports() throws { try check("imports") }
    func testHierarchy() throws { try check("hierarchy") }
    func testStatedTypes() throws { try check("types") }
    func testDynamicDispatch() throws { try check("dispatch") }

    func testTorchOps() throws {
        // A C++ side for torch.ops._C.rms_norm: a TORCH_LIBRARY_EXPAND(TORCH_EXTENSION_NAME, ops) block.
        let fn = Symbol(qualifiedName: "rms_norm", name: "rms_norm", kind: .function, language: .cpp, file: "csrc/layernorm.cu",
                        range: SourceRange(line: 3, column: 1, endLine: 9, endColumn: 2), usr: "c:@F@rms_norm")
        let reg = Registration(kind: .impl, namespaceExpression: "TORCH_EXTENSION_NAME", namespace: "", opName: "rms_norm",
                               dispatchKey: "CUDA", target: "rms_norm", targetUSR: "c:@F@rms_norm", condition: "defined(USE_ROCM)",
                               file: "csrc/torch_bindings.cpp", line: 12, scope: "TORCH_LIBRARY_init__C")
        let ar = Symbol(qualifiedName: "init_custom_ar", name: "init_custom_ar", kind: .function, language: .cpp,
                        file: "csrc/custom_all_reduce.cu", range: SourceRange(line: 3, column: 1, endLine: 9, endColumn: 2),
                        usr: "c:@F@init_custom_ar")
        let pybind = Registration(kind: .pybind, namespaceExpression: "TORCH_EXTENSION_NAME", namespace: "", opName: "init_custom_ar",
                                  target: "init_custom_ar", targetUSR: "c:@F@init_custom_ar", file: "csrc/pybind.cpp", line: 5)
        let cpp = FileIndex(path: "csrc/torch_bindings.cpp", language: .cpp, symbols: [fn, ar], registrations: [reg, pybind])
        let g = try check("ops", extra: [cpp])
        let binding = try XCTUnwrap(g.edges.first { $0.caller == "torch.ops._C.rms_norm" })
        XCTAssertEqual(binding.callee, "rms_norm")
        XCTAssertEqual(binding.kind, .opBinding)
        XCTAssertEqual(binding.file, "csrc/torch_bindings.cpp")
        XCTAssertTrue(binding.note.contains("CUDA") && binding.note.contains("#if defined(USE_ROCM)"), binding.note)
        XCTAssertTrue(g.edges.contains { $0.caller == "TORCH_LIBRARY_init__C" && $0.callee == "rms_norm" && $0.kind == .registration })
        XCTAssertTrue(g.unresolved.contains { $0.callee == "torch.ops._C.missing_op" && $0.reason == .unregisteredOp })
        XCTAssertTrue(g.nodes.contains { $0.name == "torch.ops._C.missing_op" && $0.kind == .torchOp })
        // pybind11: `pkg._C.init_custom_ar(x)` reaches the module function node, bound to the C++ function.
        XCTAssertTrue(g.edges.contains { $0.caller == "_C.init_custom_ar" && $0.callee == "init_custom_ar" && $0.kind == .opBinding })
    }

    /// `from . import tools as t`, on hand-built values (independent of the Python indexer).
    func testFromDotImport() throws {
        let r = SourceRange(line: 1, column: 1, endLine: 1, endColumn: 2)
        let symbols = [
            Symbol(qualifiedName: "pkg", name: "pkg", kind: .module, language: .python, file: "pkg/__init__.py", range: r),
            Symbol(qualifiedName: "pkg.tools", name: "tools", kind: .module, language: .python, file: "pkg/tools.py", range: r),
            Symbol(qualifiedName: "pkg.tools.tool", name: "tool", kind: .function, language: .python, file: "pkg/tools.py",
                   range: r, signature: "()", parent: "pkg.tools"),
            Symbol(qualifiedName: "pkg.user", name: "user", kind: .module, language: .python, file: "pkg/user.py", range: r),
            Symbol(qualifiedName: "pkg.user.a", name: "a", kind: .function, language: .python, file: "pkg/user.py",
                   range: SourceRange(line: 3, column: 1, endLine: 4, endColumn: 1), signature: "()", parent: "pkg.user"),
        ]
        let imp = Import(scope: "pkg.user", module: "", level: 1, name: "tools", alias: "t", file: "pkg/user.py", line: 1)
        let call = CallSite(caller: "pkg.user.a", callee: "t.tool", file: "pkg/user.py", range: SourceRange(line: 4, column: 5, endLine: 4, endColumn: 13))
        let g = resolve(GraphInput(symbols: symbols, calls: [call], imports: [imp]))
        XCTAssertEqual(g.edges.map { "\($0.callee) \($0.confidence.rawValue)" }, ["pkg.tools.tool exact"])
    }

    /// `direct_register_custom_op("name", op_func=fn)` read from the call's arguments.
    func testDirectRegisterCustomOpFromArguments() throws {
        let range = SourceRange(line: 1, column: 1, endLine: 1, endColumn: 2)
        let module = Symbol(qualifiedName: "pkg.a", name: "a", kind: .module, language: .python, file: "pkg/a.py", range: range)
        let impl = Symbol(qualifiedName: "pkg.a.unified_attention", name: "unified_attention", kind: .function, language: .python,
                          file: "pkg/a.py", range: SourceRange(line: 3, column: 1, endLine: 5, endColumn: 1), signature: "(q)",
                          parent: "pkg.a")
        let user = Symbol(qualifiedName: "pkg.a.user", name: "user", kind: .function, language: .python, file: "pkg/a.py",
                          range: SourceRange(line: 10, column: 1, endLine: 12, endColumn: 1), signature: "(q)", parent: "pkg.a")
        let register = CallSite(caller: "pkg.a", callee: "direct_register_custom_op", file: "pkg/a.py",
                                range: SourceRange(line: 7, column: 1, endLine: 8, endColumn: 1), argumentCount: 0,
                                arguments: [CallArgument(label: "op_name", text: "\"unified_attention\"", string: "unified_attention"),
                                            CallArgument(label: "op_func", text: "unified_attention"),
                                            CallArgument(label: "mutates_args", text: "[]")])
        let use = CallSite(caller: "pkg.a.user", callee: "torch.ops.vllm.unified_attention", file: "pkg/a.py",
                           range: SourceRange(line: 11, column: 5, endLine: 11, endColumn: 40))
        let imp = Import(scope: "pkg.a", module: "torch", file: "pkg/a.py", line: 1)
        let g = resolve(GraphInput(symbols: [module, impl, user], calls: [register, use], imports: [imp]))
        XCTAssertTrue(g.edges.contains { $0.caller == "pkg.a.user" && $0.callee == "torch.ops.vllm.unified_attention" })
        XCTAssertTrue(g.edges.contains {
            $0.caller == "torch.ops.vllm.unified_attention" && $0.callee == "pkg.a.unified_attention" && $0.kind == .opBinding
        })
    }
}

