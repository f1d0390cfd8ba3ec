// Plain-text helpers over a file's bytes: slices by UTF-8 offset, identifiers, string literals,
// the `#if` nesting of each line, and a small scanner for `m.def(...)` calls in text libclang
// skipped (inactive preprocessor branches). No libclang here.

/// The bytes of one source file, with line starts, for slicing by libclang's UTF-8 offsets.
struct SourceText {
    let bytes: [UInt8]
    /// Offset of the first byte of each line (line 1 at index 0).
    let lineStarts: [Int]

    init(bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    /// The text in `[start, end)`, clamped to the file.
    func slice(_ start: Int, _ end: Int) -> String {
        let s = max(0, min(start, bytes.count)), e = max(s, min(end, bytes.count))
        return String(decoding: bytes[s..<e], as: UTF8.self)
    }

    /// The byte offset of a 1-based line and column.
    func offset(line: Int, column: Int) -> Int {
        guard line >= 1, line <= lineStarts.count else { return bytes.count }
        return min(bytes.count, lineStarts[line - 1] + max(0, column - 1))
    }

    /// The identifier that starts at `offset` ("" when none does).
    func identifier(at offset: Int) -> String {
        var e = offset
        while e < bytes.count, isIdentifierByte(bytes[e]) { e += 1 }
        return e > offset ? slice(offset, e) : ""
    }

    /// The offset of the first occurrence of `needle` in `[from, to)` (clamped to the file), or nil.
    /// Works on bytes, so text that is not UTF-8 cannot shift the offsets.
    func firstOffset(of needle: [UInt8], from: Int, to: Int) -> Int? {
        let end = min(max(0, to), bytes.count)
        guard let first = needle.first else { return nil }
        var i = max(0, from)
        while i + needle.count <= end {
            if bytes[i] == first, bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// The 1-based line of a byte offset.
    func line(ofOffset offset: Int) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo + 1
    }

    /// From `open` (an opening bracket), the offset just past its matching closer, skipping string
    /// and character literals and comments; nil when unbalanced.
    func matchingClose(from open: Int, openByte: UInt8, closeByte: UInt8) -> Int? {
        var depth = 0, i = open
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                i = skipLiteral(from: i)
                continue
            }
            if b == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") {
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            }
            if b == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") {
                i += 2
                while i + 1 < bytes.count, !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) { i += 1 }
                i += 2
                continue
            }
            if b == openByte { depth += 1 }
            if b == closeByte {
                depth -= 1
                if depth == 0 { return i + 1 }
            }
            i += 1
        }
        return nil
    }

    /// Offset just past the string or character literal starting at `start`.
    func skipLiteral(from start: Int) -> Int {
        let quote = bytes[start]
        var i = start + 1
        while i < bytes.count, bytes[i] != quote {
            if bytes[i] == UInt8(ascii: "\\") { i += 1 }
            if i >= bytes.count || bytes[i] == UInt8(ascii: "\n") { break }
            i += 1
        }
        return min(i + 1, bytes.count)
    }

    /// Splits the text between `open` (a `(`) and its closer at top-level commas; each argument is
    /// returned as a byte range.
    func arguments(openParen open: Int) -> [Range<Int>] {
        guard let close = matchingClose(from: open, openByte: UInt8(ascii: "("), closeByte: UInt8(ascii: ")")) else {
            return []
        }
        var result: [Range<Int>] = []
        var depth = 0, start = open + 1, i = open + 1
        while i < close - 1 {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") { i = skipLiteral(from: i); continue }
            if b == UInt8(ascii: "(") || b == UInt8(ascii: "[") || b == UInt8(ascii: "{") { depth += 1 }
            if b == UInt8(ascii: ")") || b == UInt8(ascii: "]") || b == UInt8(ascii: "}") { depth -= 1 }
            if b == UInt8(ascii: ","), depth == 0 {
                result.append(start..<i)
                start = i + 1
            }
            i += 1
        }
        result.append(start..<(close - 1))
        return result
    }
}

@inline(__always)
func isIdentifierByte(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
        || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
}

/// Collapses runs of whitespace (and line-continuation backslashes) to single spaces.
func collapseWhitespace(_ s: String) -> String {
    var out = ""
    var pendingSpace = false
    for ch in s {
        if ch == " " || ch == "\n" || ch == "\t" || ch == "\r" || ch == "\\" {
            pendingSpace = !out.isEmpty
        } else {
            if pendingSpace { out.append(" ") }
            pendingSpace = false
            out.append(ch)
        }
    }
    return out
}

/// Removes `//` and `/* */` comments (outside string literals) from a short piece of code.
func stripComments(_ s: String) -> String {
    let bytes = Array(s.utf8)
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
        let b = bytes[i]
        if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
            let end = SourceText(bytes: bytes).skipLiteral(from: i)
            out.append(contentsOf: bytes[i..<end])
            i = end
            continue
        }
        if b == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") {
            while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
            out.append(UInt8(ascii: " "))
            continue
        }
        if b == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") {
            i += 2
            while i + 1 < bytes.count, !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) { i += 1 }
            i += 2
            out.append(UInt8(ascii: " "))
            continue
        }
        out.append(b)
        i += 1
    }
    return String(decoding: out, as: UTF8.self)
}

/// The value of a run of adjacent C string literals as written (`"a(" "b) -> ()"` gives
/// `a(b) -> ()`), with the common escapes decoded; nil when the text is not only string literals.
func stringLiteralValue(_ text: String) -> String? {
    let bytes = Array(stripComments(text).utf8)
    var out: [UInt8] = []
    var i = 0
    var sawLiteral = false
    while i < bytes.count {
        let b = bytes[i]
        if b == UInt8(ascii: " ") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r")
            || b == UInt8(ascii: "\\")
        {
            i += 1
            continue
        }
        // Encoding prefixes (u8"", L"") are accepted; raw strings are not expected in schemas.
        if b == UInt8(ascii: "u") || b == UInt8(ascii: "U") || b == UInt8(ascii: "L") || b == UInt8(ascii: "8") {
            i += 1
            continue
        }
        guard b == UInt8(ascii: "\"") else { return nil }
        sawLiteral = true
        i += 1
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count {
                let e = bytes[i + 1]
                switch e {
                case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): out.append(UInt8(ascii: "\t"))
                default: out.append(e)
                }
                i += 2
                continue
            }
            out.append(bytes[i])
            i += 1
        }
        i += 1
    }
    return sawLiteral ? String(decoding: out, as: UTF8.self) : nil
}

/// For each line of a file, the preprocessor conditions it sits under, as text joined by ` && `
/// (`defined(USE_ROCM)`, `!defined(USE_ROCM)`, `!(A) && B` for an `#elif B` after `#if A`, `!(A)` for
/// an `#else`). A leading include guard (`#ifndef X` / `#define X` ... `#endif`) is not a condition.
func preprocessorConditions(_ text: SourceText) -> [String] {
    struct Frame {
        /// The conditions of the branches seen so far (negated in later branches).
        var previous: [String]
        /// This branch's condition as text.
        var current: String
    }
    var stack: [Frame] = []
    var result = [String](repeating: "", count: text.lineStarts.count + 1)
    var guardMacro: String?
    var sawDirective = false
    var line = 1
    let lineCount = text.lineStarts.count
    func conditionText() -> String {
        stack.map(\.current).filter { !$0.isEmpty }.joined(separator: " && ")
    }
    while line <= lineCount {
        // Join continuation lines.
        var startLine = line
        var content = ""
        repeat {
            let s = text.lineStarts[line - 1]
            let e = line < lineCount ? text.lineStarts[line] : text.bytes.count
            var piece = text.slice(s, e)
            if piece.hasSuffix("\n") { piece.removeLast() }
            if piece.hasSuffix("\r") { piece.removeLast() }
            line += 1
            if piece.hasSuffix("\\") {
                piece.removeLast()
                content += piece + " "
                continue
            }
            content += piece
            break
        } while line <= lineCount
        let cond = conditionText()
        while startLine < line {
            result[startLine] = cond
            startLine += 1
        }
        let trimmed = content.drop { $0 == " " || $0 == "\t" }
        guard trimmed.hasPrefix("#") else { continue }
        let directiveBody = trimmed.dropFirst().drop { $0 == " " || $0 == "\t" }
        let word = String(directiveBody.prefix { $0.isLetter })
        let rest = collapseWhitespace(stripComments(String(directiveBody.dropFirst(word.count))))
        defer { if word != "" { sawDirective = true } }
        switch word {
        case "ifdef":
            stack.append(Frame(previous: ["defined(\(rest))"], current: "defined(\(rest))"))
        case "ifndef":
            if !sawDirective, guardMacro == nil {
                guardMacro = rest
                stack.append(Frame(previous: ["!defined(\(rest))"], current: "!defined(\(rest))"))
                // Decided when the next directive is read: a `#define` of the same name makes it a guard.
            } else {
                stack.append(Frame(previous: ["!defined(\(rest))"], current: "!defined(\(rest))"))
            }
        case "define":
            if let g = guardMacro, stack.count == 1, stack[0].current == "!defined(\(g))",
                rest.split(separator: " ").first.map(String.init) == g
            {
                stack[0].current = ""
                stack[0].previous = [""]
            }
            guardMacro = guardMacro.map { _ in "" }
        case "if":
            stack.append(Frame(previous: [rest], current: rest))
        case "elif", "elifdef", "elifndef":
            guard !stack.isEmpty else { break }
            var frame = stack.removeLast()
            let expr = word == "elif" ? rest : (word == "elifdef" ? "defined(\(rest))" : "!defined(\(rest))")
            frame.current = (frame.previous.map { "!(\($0))" } + [expr]).joined(separator: " && ")
            frame.previous.append(expr)
            stack.append(frame)
        case "else":
            guard !stack.isEmpty else { break }
            var frame = stack.removeLast()
            frame.current = frame.previous.filter { !$0.isEmpty }.map { "!(\($0))" }.joined(separator: " && ")
            stack.append(frame)
        case "endif":
            if !stack.isEmpty { stack.removeLast() }
        default:
            break
        }
        if word != "define", word != "ifndef" { guardMacro = guardMacro.map { _ in "" } }
    }
    return result
}

/// Where a file's text is too deeply nested for libclang: the longest run of operator and bracket
/// bytes (`+ - * / % ^ & | ! ~ < > = ? : . ( ) [ ]`) not interrupted by `;`, `{`, `}` or `,`, outside
/// comments and literals. clang parses one nesting level per operator of such a run (`1+1+...+1`,
/// `!!!...1`, `a=b=...`, casts) with recursion that costs up to about 2 KB of stack each (measured,
/// LLVM 14), and a stack overflow inside libclang kills the process rather than failing the unit.
struct NestingScan {
    /// Runs longer than this are refused: 10,000 levels stay under 32 MB of clang stack, far inside
    /// the indexer's worker stacks (`Session.workerStackSize`), and no hand-written or generated
    /// vLLM statement comes near it (the longest run in 0.6.2 is 120, in
    /// csrc/quantization/gguf/dequantize.cuh; `testNoVLLMFileIsRefused`).
    static let maxOperatorRun = 10_000

    /// The longest run and the 1-based line where it starts.
    var longestRun = 0
    var line = 1

    init(_ text: SourceText) {
        let bytes = text.bytes
        var run = 0, runStart = 0, longestStart = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                i = text.skipLiteral(from: i)
                continue
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/"):
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                i += 2
                while i + 1 < bytes.count, !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) { i += 1 }
                i += 2
                continue
            case UInt8(ascii: ";"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","):
                run = 0
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "%"),
                UInt8(ascii: "^"), UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "!"), UInt8(ascii: "~"),
                UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: ":"),
                UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"):
                if run == 0 { runStart = i }
                run += 1
                if run > longestRun {
                    longestRun = run
                    longestStart = runStart
                }
            default:
                break
            }
            i += 1
        }
        line = text.line(ofOffset: longestStart)
    }

    /// Whether libclang may be handed this file.
    var isSafe: Bool { longestRun <= Self.maxOperatorRun }
}
