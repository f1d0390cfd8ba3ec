// The thin layer over libclang's C API that the rest of ClangIndexer uses. Everything here is
// internal: no CX type leaves this module. Every CXString is disposed where it is made
// (`take(_:)` copies and disposes in one step).
internal import CClang
import Foundation

/// Copies a CXString into a Swift String and disposes it.
@inline(__always)
func take(_ s: CXString) -> String {
    defer { clang_disposeString(s) }
    guard let c = clang_getCString(s) else { return "" }
    return String(cString: c)
}

/// Whether a child visit should go on to the next sibling or stop the whole visit.
enum ChildVisit {
    case `continue`
    case stop
}

private final class VisitorBox {
    let body: (CXCursor) -> ChildVisit
    init(_ body: @escaping (CXCursor) -> ChildVisit) { self.body = body }
}

/// Calls `body` for each direct child of `cursor`, in source order. The closure travels to the C
/// callback through the context pointer, so no global state is involved.
func visitChildren(of cursor: CXCursor, _ body: (CXCursor) -> ChildVisit) {
    withoutActuallyEscaping(body) { escapable in
        let box = VisitorBox(escapable)
        let context = Unmanaged.passUnretained(box).toOpaque()
        _ = clang_visitChildren(cursor, { child, _, data in
            let box = Unmanaged<VisitorBox>.fromOpaque(data!).takeUnretainedValue()
            switch box.body(child) {
            case .continue: return CXChildVisit_Continue
            case .stop: return CXChildVisit_Break
            }
        }, context)
        withExtendedLifetime(box) {}
    }
}

/// The direct children of `cursor`.
func children(of cursor: CXCursor) -> [CXCursor] {
    var result: [CXCursor] = []
    visitChildren(of: cursor) { result.append($0); return .continue }
    return result
}

/// The first direct child of `cursor`, if any.
func firstChild(of cursor: CXCursor) -> CXCursor? {
    var result: CXCursor?
    visitChildren(of: cursor) { result = $0; return .stop }
    return result
}

extension CXCursor {
    var kind: CXCursorKind { clang_getCursorKind(self) }
    var isNull: Bool { clang_Cursor_isNull(self) != 0 || clang_isInvalid(clang_getCursorKind(self)) != 0 }
    var spelling: String { take(clang_getCursorSpelling(self)) }
    var displayName: String { take(clang_getCursorDisplayName(self)) }
    var usr: String { take(clang_getCursorUSR(self)) }
    var referenced: CXCursor? {
        let r = clang_getCursorReferenced(self)
        return r.isNull ? nil : r
    }
    var semanticParent: CXCursor { clang_getCursorSemanticParent(self) }
    var isDefinition: Bool { clang_isCursorDefinition(self) != 0 }
    var location: CXSourceLocation { clang_getCursorLocation(self) }
    var extent: CXSourceRange { clang_getCursorExtent(self) }
    var typeSpelling: String { take(clang_getTypeSpelling(clang_getCursorType(self))) }
    var resultTypeSpelling: String { take(clang_getTypeSpelling(clang_getCursorResultType(self))) }
    /// The template an implicit specialization was made from, or nil.
    var specializedTemplate: CXCursor? {
        let t = clang_getSpecializedCursorTemplate(self)
        return t.isNull ? nil : t
    }
}

/// A location resolved to a file: libclang's "file location" (inside a macro argument, where the
/// argument is written; otherwise the macro invocation).
struct FilePoint {
    var file: CXFile?
    var line: Int
    var column: Int
    var offset: Int
}

func filePoint(_ location: CXSourceLocation) -> FilePoint {
    var file: CXFile?
    var line: UInt32 = 0, column: UInt32 = 0, offset: UInt32 = 0
    clang_getFileLocation(location, &file, &line, &column, &offset)
    return FilePoint(file: file, line: Int(line), column: Int(column), offset: Int(offset))
}

/// The real path of a file libclang opened (symlinks and `..` resolved).
func realPath(of file: CXFile) -> String {
    let real = take(clang_File_tryGetRealPathName(file))
    if !real.isEmpty { return real }
    return URL(fileURLWithPath: take(clang_getFileName(file))).standardizedFileURL.path
}
