import Foundation
import IndexModel
import XCTest

@testable import ClangIndexer

/// A small checkout of our own (Fixtures/mini): a kernel and a device function, a launcher
/// template launching through a macro, a dispatch macro, a TORCH_LIBRARY block with def/impl under
/// `#ifdef` (one branch inactive), a CONCAT namespace, and a pybind11 module.
final class FixtureTests: XCTestCase {
    static let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("mini")
    static let indexer = ClangIndexer(checkoutRoot: root)
    static let result = indexer.index(files: indexer.sourceFiles())
    static let merged = ClangIndexer.merge(result.units)

    func file(_ path: RepoPath) throws -> FileIndex { try XCTUnwrap(Self.merged.first { $0.path == path }) }

    func range(_ l: Int, _ c: Int, _ el: Int, _ ec: Int) -> SourceRange { SourceRange(line: l, column: c, endLine: el, endColumn: ec) }

    func testSourceFilesAndUnits() {
        XCTAssertEqual(Self.indexer.sourceFiles(), [
            "csrc/bindings.cpp", "csrc/cpu_ops.cpp", "csrc/mini_kernels.cu", "csrc/ops.h", "csrc/registration.h",
        ])
        XCTAssertEqual(Self.result.units.map(\.path), Self.indexer.sourceFiles())
        XCTAssertEqual(Self.result.failedUnits, [])
        XCTAssertEqual(Self.result.units.first { $0.path == "csrc/bindings.cpp" }?.includes, ["csrc/ops.h", "csrc/registration.h"])
        XCTAssertEqual(Self.result.units.first { $0.path == "csrc/mini_kernels.cu" }?.includes, ["csrc/ops.h"])
        // The fixture type-checks against the prelude.
        XCTAssertEqual(Self.result.units.flatMap(\.diagnostics), [])
    }

    func testKernelAndDeviceFunction() throws {
        let symbols = try file("csrc/mini_kernels.cu").symbols
        XCTAssertEqual(symbols.first { $0.qualifiedName == "mini::scale_kernel" }, Symbol(
            qualifiedName: "mini::scale_kernel", name: "scale_kernel", kind: .kernel, language: .cuda,
            file: "csrc/mini_kernels.cu", range: range(14, 1, 20, 2), nameRange: range(15, 42, 15, 54),
            signature: "template <typename scalar_t, int BLOCK> void scale_kernel(scalar_t *, const scalar_t *, float)",
            parent: "mini",
            attributes: ["__global__", "template", "definition", "__launch_bounds__(BLOCK)", "shared: float cache[BLOCK]"],
            usr: "c:@N@mini@FT@>2#T#NIscale_kernel#*t0.0#*1S1_#f#v#"))
        XCTAssertEqual(symbols.first { $0.qualifiedName == "mini::times" }, Symbol(
            qualifiedName: "mini::times", name: "times", kind: .deviceFunction, language: .cuda,
            file: "csrc/mini_kernels.cu", range: range(9, 1, 12, 2), nameRange: range(10, 14, 10, 19),
            signature: "template <typename T> T times(T, float)", doc: "Multiplies by a factor.", parent: "mini",
            attributes: ["__device__", "template", "definition"], usr: "c:@N@mini@FT@>1#Ttimes#t0.0#f#S0_#"))
        XCTAssertEqual(symbols.first { $0.qualifiedName == "LAUNCH_SCALE" }?.kind, .macro)
        XCTAssertEqual(symbols.first { $0.qualifiedName == "LAUNCH_SCALE" }?.signature, "LAUNCH_SCALE(B)")
        XCTAssertEqual(symbols.map(\.qualifiedName), ["mini", "mini::times", "mini::scale_kernel", "LAUNCH_SCALE", "scale_launcher", "scale"])
    }

    func testLaunchThroughMacroAndDispatch() throws {
        let calls = try file("csrc/mini_kernels.cu").calls
        XCTAssertEqual(calls.filter { $0.kind == .launch }, [CallSite(
            caller: "scale_launcher", callee: "scale_kernel", kind: .launch, file: "csrc/mini_kernels.cu",
            range: range(33, 3, 33, 3), targetUSR: "c:@N@mini@FT@>2#T#NIscale_kernel#*t0.0#*1S1_#f#v#",
            targetName: "mini::scale_kernel", launchConfig: "grid, block, 0, stream", viaMacro: "LAUNCH_SCALE",
            argumentCount: 3)])
        // Written inside the AT_DISPATCH lambda: attributed to the function invoking the macro,
        // located where it is written, and the template is the target.
        XCTAssertEqual(calls.first { $0.targetName == "scale_launcher" }, CallSite(
            caller: "scale", callee: "scale_launcher<scalar_t>", kind: .call, file: "csrc/mini_kernels.cu",
            range: range(38, 5, 38, 46), targetUSR: "c:@FT@>1#Tscale_launcher#&$@N@at@S@Tensor#S0_#d#v#",
            targetName: "scale_launcher", argumentCount: 3))
        // A dependent call inside a kernel template resolves through the overload set.
        XCTAssertEqual(calls.first { $0.caller == "mini::scale_kernel" && $0.callee == "times" }?.targetUSR,
                       "c:@N@mini@FT@>1#Ttimes#t0.0#f#S0_#")
        // Operators and implicit constructions are not calls; no reference duplicates a call's callee.
        XCTAssertFalse(calls.contains { $0.caller == "mini::times" })
        XCTAssertFalse(calls.contains { $0.kind == .reference && $0.file == "csrc/mini_kernels.cu" })
        XCTAssertEqual(try file("csrc/mini_kernels.cu").macroExpansions, [MacroExpansion(
            name: "LAUNCH_SCALE", file: "csrc/mini_kernels.cu", line: 33, definitionFile: "csrc/mini_kernels.cu",
            definitionLine: 24, scope: "scale_launcher")])
    }

    func testDependentScopeMemberCalls() throws {
        // `cpu_impl<T, N>::call(...)` inside a template, once through a macro and once written out.
        let calls = try file("csrc/cpu_ops.cpp").calls.filter { $0.caller == "cpu_launcher" }
        let usr = try XCTUnwrap(try file("csrc/cpu_ops.cpp").symbols.first { $0.qualifiedName == "cpu_impl::call" }?.usr)
        XCTAssertEqual(calls, [
            CallSite(caller: "cpu_launcher", callee: "call", kind: .macro, file: "csrc/cpu_ops.cpp", range: range(16, 3, 16, 3),
                     targetUSR: usr, targetName: "cpu_impl::call", viaMacro: "LAUNCH_CPU", argumentCount: 2),
            CallSite(caller: "cpu_launcher", callee: "cpu_impl<T, 8>::call", kind: .call, file: "csrc/cpu_ops.cpp",
                     range: range(17, 3, 17, 35), targetUSR: usr, targetName: "cpu_impl::call", argumentCount: 2),
        ])
    }

    func testRegistrations() throws {
        let scaleUSR = "c:@F@scale#&$@N@at@S@Tensor#S0_#d#"
        XCTAssertEqual(try file("csrc/bindings.cpp").registrations, [
            Registration(kind: .def, namespaceExpression: "TORCH_EXTENSION_NAME", namespace: "_C", opName: "scale",
                         schema: "scale(Tensor! out, Tensor input, float factor) -> ()", file: "csrc/bindings.cpp",
                         line: 7, scope: "TORCH_LIBRARY(_C)"),
            Registration(kind: .impl, namespaceExpression: "TORCH_EXTENSION_NAME", namespace: "_C", opName: "scale",
                         dispatchKey: "CUDA", target: "scale", targetUSR: scaleUSR, file: "csrc/bindings.cpp", line: 8,
                         scope: "TORCH_LIBRARY(_C)"),
            Registration(kind: .impl, namespaceExpression: "TORCH_EXTENSION_NAME", namespace: "_C", opName: "scale_fp8",
                         target: "scale", targetUSR: scaleUSR, condition: "defined(ENABLE_FP8)", file: "csrc/bindings.cpp",
                         line: 10, scope: "TORCH_LIBRARY(_C)"),
            // Inside `#ifdef USE_ROCM`, invisible to libclang: found in the skipped range's text.
            Registration(kind: .def, namespaceExpression: "TORCH_EXTENSION_NAME", namespace: "_C", opName: "scale_rocm",
                         schema: "scale_rocm(Tensor! out) -> ()", condition: "defined(USE_ROCM)", file: "csrc/bindings.cpp",
                         line: 13, scope: "TORCH_LIBRARY(_C)"),
            Registration(kind: .impl, namespaceExpression: "TORCH_EXTENSION_NAME", namespace: "_C", opName: "scale_rocm",
                         dispatchKey: "CUDA", target: "scale_rocm", condition: "defined(USE_ROCM)", file: "csrc/bindings.cpp",
                         line: 14, scope: "TORCH_LIBRARY(_C)"),
            Registration(kind: .impl, namespaceExpression: "CONCAT(TORCH_EXTENSION_NAME, _cpu_ops)", namespace: "_C_cpu_ops",
                         opName: "scale", dispatchKey: "CPU", target: "scale_cpu",
                         targetUSR: "c:@F@scale_cpu#&$@N@at@S@Tensor#S0_#d#", file: "csrc/bindings.cpp", line: 19,
                         scope: "TORCH_LIBRARY(_C_cpu_ops)"),
            Registration(kind: .pybind, namespaceExpression: "mini_ext", namespace: "mini_ext", opName: "scale",
                         target: "scale", targetUSR: scaleUSR, file: "csrc/bindings.cpp", line: 23,
                         scope: "PYBIND11_MODULE(mini_ext)"),
        ])
        // The op's CUDA implementation is linked by USR to its definition in another TU.
        XCTAssertEqual(try file("csrc/mini_kernels.cu").symbols.first { $0.qualifiedName == "scale" }?.usr, scaleUSR)
    }

    func testSubsetAndMergeAreStable() {
        let subset = Self.indexer.index(files: ["csrc/mini_kernels.cu"])
        XCTAssertEqual(subset.units.map(\.path), ["csrc/mini_kernels.cu"])
        let again = ClangIndexer.merge(Self.result.units + subset.units)
        XCTAssertEqual(again.map(\.symbols), Self.merged.map(\.symbols))
        XCTAssertEqual(again.map(\.calls), Self.merged.map(\.calls))
    }

    func testPreprocessorConditions() {
        let source = """
            #ifndef GUARD_H
            #define GUARD_H
            #ifdef A
            a
            #elif B > 1
            b
            #else
            c
            #endif
            #if X
            # ifndef Y
            xy
            # endif
            #endif
            #endif
            """
        let c = preprocessorConditions(SourceText(bytes: Array(source.utf8)))
        XCTAssertEqual(c[4], "defined(A)")
        XCTAssertEqual(c[6], "!(defined(A)) && B > 1")
        XCTAssertEqual(c[8], "!(defined(A)) && !(B > 1)")
        XCTAssertEqual(c[12], "X && !defined(Y)")
        XCTAssertEqual(c[10], "")
    }

    func testHighlightTokens() throws {
        let spans = Self.indexer.highlightTokens(file: "csrc/cpu_ops.cpp")
        let text = try String(contentsOf: Self.root.appendingPathComponent("csrc/cpu_ops.cpp"), encoding: .utf8)
        let bytes = Array(text.utf8)
        func word(_ s: TokenSpan) -> String { String(decoding: bytes[s.start..<s.end], as: UTF8.self) }
        let pairs = spans.map { (word($0), $0.tokenClass) }
        XCTAssertEqual(pairs.prefix(3).map(\.0), ["#", "include", "\"ops.h\""])
        XCTAssertEqual(pairs.prefix(3).map(\.1), [.preprocessor, .preprocessor, .string])
        XCTAssertTrue(pairs.contains { $0 == ("void", .keyword) })
        XCTAssertTrue(pairs.contains { $0 == ("scale_cpu", .identifier) })
        XCTAssertTrue(pairs.contains { $0 == ("{", .punctuation) })
        // Spans are ordered, disjoint, and only whitespace lies between them.
        for (a, b) in zip(spans, spans.dropFirst()) {
            XCTAssertLessThanOrEqual(a.end, b.start)
            XCTAssertTrue(bytes[a.end..<b.start].allSatisfy { $0 == 32 || $0 == 10 })
        }
    }

    func testTextHelpers() {
        XCTAssertEqual(stringLiteralValue("\"a(\"\n   \"b) -> ()\""), "a(b) -> ()")
        XCTAssertEqual(dispatchKeyName("torch::kCUDA"), "CUDA")
        XCTAssertEqual(dispatchKeyName("c10::DispatchKey::CompositeImplicitAutograd"), "CompositeImplicitAutograd")
        XCTAssertEqual(referencedName(inText: "TORCH_BOX(&vllm::foo)"), "vllm::foo")
        XCTAssertEqual(launchConfig(inMacroText: "k<T, N>\\\n <<<g, b, s, st>>>(x); r<<<rg, b>>>(y)", callee: "r"), "rg, b")
        XCTAssertEqual(RegistrationBlock(functionName: "STABLE_TORCH_LIBRARY_IMPL_init___C_cache_ops__CompositeExplicitAutograd__uid12")?.displayName,
                       "STABLE_TORCH_LIBRARY_IMPL(_C_cache_ops, CompositeExplicitAutograd)")
    }
}
