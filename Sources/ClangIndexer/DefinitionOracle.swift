// An independent, deliberately simple walk over the same translation units, for differential
// tests: every function definition libclang itself reports in a checkout file. It shares nothing
// with TranslationUnitWalker beyond the flags (so both see the same code).
internal import CClang
import Foundation
import IndexModel

/// One function definition as libclang reports it: file, line of the name, USR.
package struct OracleDefinition: Hashable, Sendable {
    package var file: RepoPath
    package var line: Int
    package var usr: String
}

extension ClangIndexer {
    /// Parses `files` with the indexer's flags and lists every function definition in a checkout
    /// file found by a plain recursive `clang_visitChildren` and `clang_isCursorDefinition`.
    package func oracleDefinitions(files: [RepoPath]) -> Set<OracleDefinition> {
        let session = Session(indexer: self)
        defer { session.cleanUp() }
        let box = OracleBox()
        let root = checkoutRoot.path
        _ = session.run(files: files, phase: "oracle", progress: SilentProgress()) { index, path, flags in
            var tu: CXTranslationUnit?
            guard session.parse(index: index, path: path, flags: flags, into: &tu) == CXError_Success, let tu else {
                return .parsedOnly
            }
            defer { clang_disposeTranslationUnit(tu) }
            final class Walk {
                var found: [OracleDefinition] = []
                var inCheckout: [UnsafeMutableRawPointer: String?] = [:]
                let root: String
                let kinds: Set<UInt32> = [
                    CXCursor_FunctionDecl.rawValue, CXCursor_FunctionTemplate.rawValue, CXCursor_CXXMethod.rawValue,
                    CXCursor_Constructor.rawValue, CXCursor_Destructor.rawValue, CXCursor_ConversionFunction.rawValue,
                ]
                init(root: String) { self.root = root }
                func file(_ c: CXCursor) -> String? {
                    var f: CXFile?
                    clang_getFileLocation(clang_getCursorLocation(c), &f, nil, nil, nil)
                    guard let f else { return nil }
                    if let cached = inCheckout[f] { return cached }
                    let real = realPath(of: f)
                    let rel: String? = real.hasPrefix(root + "/") ? String(real.dropFirst(root.count + 1)) : nil
                    inCheckout[f] = .some(rel)
                    return rel
                }
            }
            let walk = Walk(root: root)
            _ = clang_visitChildren(clang_getTranslationUnitCursor(tu), { c, parent, data in
                let walk = Unmanaged<Walk>.fromOpaque(data!).takeUnretainedValue()
                // Declarations outside the checkout are not descended into.
                guard let rel = walk.file(c) else {
                    return clang_getCursorKind(parent) == CXCursor_TranslationUnit ? CXChildVisit_Continue : CXChildVisit_Recurse
                }
                if walk.kinds.contains(clang_getCursorKind(c).rawValue), clang_isCursorDefinition(c) != 0 {
                    var line: UInt32 = 0
                    clang_getFileLocation(clang_getCursorLocation(c), nil, &line, nil, nil)
                    walk.found.append(OracleDefinition(file: RepoPath(rel), line: Int(line), usr: take(clang_getCursorUSR(c))))
                }
                return CXChildVisit_Recurse
            }, Unmanaged.passUnretained(walk).toOpaque())
            box.add(walk.found)
            return .parsedOnly
        }
        return box.all
    }
}

private final class OracleBox: @unchecked Sendable {
    private let lock = NSLock()
    private var found = Set<OracleDefinition>()
    func add(_ items: [OracleDefinition]) {
        lock.lock()
        found.formUnion(items)
        lock.unlock()
    }
    var all: Set<OracleDefinition> {
        lock.lock()
        defer { lock.unlock() }
        return found
    }
}
