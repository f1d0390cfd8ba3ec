import Foundation
import IndexModel
import XCTest
@testable import IndexDatabase

final class IndexStoreTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("idxdb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func unit(_ path: RepoPath, symbols: [String], header: RepoPath? = nil) -> FileIndex {
        var syms = symbols.enumerated().map { i, name in
            Symbol(qualifiedName: "m.\(name)", name: name, kind: .function, language: .python, file: path,
                   range: SourceRange(line: i + 1, column: 1, endLine: i + 1, endColumn: 9),
                   nameRange: SourceRange(line: i + 1, column: 5, endLine: i + 1, endColumn: 5 + name.utf8.count),
                   signature: "()", attributes: ["async"], bases: [])
        }
        if let header {
            syms.append(Symbol(qualifiedName: "ns::shared", name: "shared", kind: .kernel, language: .cuda,
                               file: header, range: SourceRange(line: 3, column: 1, endLine: 9, endColumn: 2),
                               usr: "c:@N@ns@F@shared#"))
        }
        let calls = [CallSite(caller: "m.\(symbols[0])", callee: "k", kind: .launch, file: path,
                              range: SourceRange(line: 1, column: 2, endLine: 1, endColumn: 5), launchConfig: "g, b")]
        return FileIndex(path: path, language: .python, symbols: syms, calls: calls,
                         imports: [Import(scope: "m", module: "os", file: path, line: 1)],
                         typeFacts: [TypeFact(scope: "m.C", target: "self.x", expression: "Foo", origin: .assignedCall,
                                              file: path, line: 2)],
                         registrations: [Registration(kind: .impl, namespaceExpression: "TORCH_EXTENSION_NAME",
                                                      namespace: "_C", opName: "op", dispatchKey: "CUDA",
                                                      target: "op_impl", file: path, line: 4)],
                         diagnostics: [Diagnostic(file: path, line: 7, severity: .error, message: "bad")],
                         includes: header.map { [$0] } ?? [], exports: ["a"])
    }

    func testRoundTripAndDedupAcrossUnits() throws {
        let store = try IndexStore(path: dir.appendingPathComponent("i.sqlite").path)
        var up = IndexStore.Update()
        up.files = [FileRecord(path: "a.cu", language: .cuda, hash: "1", size: 1, mtime: 1),
                    FileRecord(path: "b.cu", language: .cuda, hash: "2", size: 1, mtime: 1)]
        up.replacedUnits = [unit("a.cu", symbols: ["f", "g"], header: "h.cuh"),
                            unit("b.cu", symbols: ["h"], header: "h.cuh")]
        up.meta = ["root": "/x"]
        try store.apply(up)

        let shared = try store.symbols(qualifiedName: "ns::shared")
        XCTAssertEqual(shared.count, 1, "a header symbol seen by two units is one symbol")
        XCTAssertEqual(shared.first?.usr, "c:@N@ns@F@shared#")
        let f = try XCTUnwrap(try store.symbols(qualifiedName: "m.f").first)
        XCTAssertEqual(f.attributes, ["async"])
        XCTAssertEqual(f.nameRange, SourceRange(line: 1, column: 5, endLine: 1, endColumn: 6))
        XCTAssertEqual(try store.symbols(inFile: "a.cu").map(\.name), ["f", "g"])
        XCTAssertEqual(try store.allCalls().filter { $0.kind == .launch }.map(\.launchConfig), ["g, b", "g, b"])
        XCTAssertEqual(try store.allRegistrations().map(\.namespace), ["_C", "_C"])
        XCTAssertEqual(try store.units().first?.includes, ["h.cuh"])
        XCTAssertEqual(try store.meta("root"), "/x")
        let counts = try store.counts()
        XCTAssertEqual(counts.symbols, 4)
        XCTAssertEqual(counts.launches, 2)
        XCTAssertEqual(counts.unitsWithErrors, 2)
    }

    func testReplacingAUnitDropsItsOldRows() throws {
        let store = try IndexStore(path: dir.appendingPathComponent("i.sqlite").path)
        var up = IndexStore.Update()
        up.replacedUnits = [unit("a.py", symbols: ["old"]), unit("b.py", symbols: ["keep"])]
        try store.apply(up)
        var up2 = IndexStore.Update()
        up2.replacedUnits = [unit("a.py", symbols: ["new"])]
        up2.deletedUnits = []
        try store.apply(up2)
        XCTAssertEqual(try store.allSymbols().map(\.qualifiedName), ["m.keep", "m.new"])
        var up3 = IndexStore.Update()
        up3.deletedUnits = ["b.py"]
        try store.apply(up3)
        XCTAssertEqual(try store.allSymbols().map(\.qualifiedName), ["m.new"])
        XCTAssertEqual(try store.units().map(\.path), ["a.py"])
    }

    func testAFailedRunLeavesThePreviousIndex() throws {
        let store = try IndexStore(path: dir.appendingPathComponent("i.sqlite").path)
        var up = IndexStore.Update()
        up.files = [FileRecord(path: "a.py", language: .python, hash: "1", size: 1, mtime: 1)]
        up.replacedUnits = [unit("a.py", symbols: ["f"])]
        try store.apply(up)
        var bad = IndexStore.Update()
        // The same path twice violates the primary key half-way through the transaction.
        bad.files = [FileRecord(path: "z.py", language: .python, hash: "9", size: 1, mtime: 1),
                     FileRecord(path: "z.py", language: .python, hash: "9", size: 1, mtime: 1)]
        bad.replacedUnits = [unit("a.py", symbols: ["other"])]
        XCTAssertThrowsError(try store.apply(bad))
        XCTAssertEqual(try store.allSymbols().map(\.qualifiedName), ["m.f"])
        XCTAssertEqual(try store.files().map(\.path), ["a.py"])
    }

    func testReadOnlyOpenOfAMissingIndexSaysWhatToDo() {
        XCTAssertThrowsError(try IndexStore(path: dir.appendingPathComponent("none.sqlite").path, readOnly: true)) {
            XCTAssertTrue("\($0)".contains("marginalia index"), "\($0)")
        }
    }

    func testStringListsRoundTripThroughTheirJSONColumn() {
        let cases: [[String]] = [[], [""], ["a\"b", "c\\d", "line\nbreak\ttab\r", "\u{1}ctl", "é ü 中文 🚀", "__launch_bounds__(NUM_THREADS)"]]
        for c in cases {
            let encoded = IndexStore.json(c)
            // JSONSerialization is the independent reader.
            let decoded = (try? JSONSerialization.jsonObject(with: Data(encoded.utf8))) as? [String]
            XCTAssertEqual(decoded, c, encoded)
            XCTAssertEqual(IndexStore.strings(encoded), c)
        }
    }
}
