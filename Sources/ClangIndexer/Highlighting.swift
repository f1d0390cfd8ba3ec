// Syntax highlighting spans for the site, from libclang's lexer (`clang_tokenize`). The file is
// parsed alone (no includes, no prelude), which is all the lexer needs.
internal import CClang
import Foundation
import IndexModel

extension ClangIndexer {
    /// Highlighting spans for one checkout file, sorted by offset: keywords, identifiers, literals,
    /// comments, punctuation and operators, and preprocessor directives (`#`, the directive name,
    /// an `#include`'s header name). Whitespace is not reported (the gaps between spans).
    /// Returns [] when the file cannot be read.
    public func highlightTokens(file: RepoPath) -> [TokenSpan] {
        let fullPath = checkoutRoot.path + "/" + file.rawValue
        guard let data = FileManager.default.contents(atPath: fullPath) else { return [] }
        let text = SourceText(bytes: [UInt8](data))
        guard let index = clang_createIndex(0, 0) else { return [] }
        defer { clang_disposeIndex(index) }
        let args = ["-x", "cuda", "-nocudainc", "-nocudalib", "--cuda-host-only", "-std=c++17", "-Wno-everything"]
        var tu: CXTranslationUnit?
        let options = CXTranslationUnit_SingleFileParse.rawValue | CXTranslationUnit_KeepGoing.rawValue
            | CXTranslationUnit_DetailedPreprocessingRecord.rawValue
        let err = withCStrings(args) { argv in
            clang_parseTranslationUnit2(index, fullPath, argv, Int32(args.count), nil, 0, options, &tu)
        }
        guard err == CXError_Success, let tu else { return [] }
        defer { clang_disposeTranslationUnit(tu) }
        guard let cfile = clang_getFile(tu, fullPath) else { return [] }
        let range = clang_getRange(
            clang_getLocationForOffset(tu, cfile, 0), clang_getLocationForOffset(tu, cfile, UInt32(text.bytes.count)))
        var tokens: UnsafeMutablePointer<CXToken>?
        var count: UInt32 = 0
        clang_tokenize(tu, range, &tokens, &count)
        guard let tokens else { return [] }
        defer { clang_disposeTokens(tu, tokens, count) }

        var spans: [TokenSpan] = []
        spans.reserveCapacity(Int(count))
        var directiveLine = -1
        var directiveTokens = 0
        var isInclude = false
        for i in 0..<Int(count) {
            let token = tokens[i]
            let extent = clang_getTokenExtent(tu, token)
            let start = filePoint(clang_getRangeStart(extent))
            let end = filePoint(clang_getRangeEnd(extent))
            guard end.offset > start.offset else { continue }
            let kind = clang_getTokenKind(token)
            let spelling = text.slice(start.offset, end.offset)
            // A `#` first on its line starts a directive.
            if kind == CXToken_Punctuation, spelling == "#", isFirstOnLine(text, start.offset) {
                directiveLine = start.line
                directiveTokens = 0
                isInclude = false
            }
            var cls: TokenClass
            switch kind {
            case CXToken_Keyword: cls = .keyword
            case CXToken_Identifier: cls = .identifier
            case CXToken_Comment: cls = .comment
            case CXToken_Literal:
                let first = text.bytes[start.offset]
                cls = (first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") || spelling.contains("\"")) ? .string : .number
            default:
                cls = ["(", ")", "[", "]", "{", "}", ";", ",", ".", "::", ":"].contains(spelling) ? .punctuation : .operator
            }
            if start.line == directiveLine, kind != CXToken_Comment {
                directiveTokens += 1
                if directiveTokens <= 2 { cls = .preprocessor }
                if directiveTokens == 2, spelling == "include" || spelling == "include_next" { isInclude = true }
                if isInclude, directiveTokens > 2 { cls = spelling.hasPrefix("\"") ? .string : .preprocessor }
            }
            spans.append(TokenSpan(start: start.offset, end: end.offset, tokenClass: cls))
        }
        return spans
    }
}

private func isFirstOnLine(_ text: SourceText, _ offset: Int) -> Bool {
    var i = offset - 1
    while i >= 0 {
        let b = text.bytes[i]
        if b == UInt8(ascii: "\n") { return true }
        if b != UInt8(ascii: " ") && b != UInt8(ascii: "\t") { return false }
        i -= 1
    }
    return true
}
