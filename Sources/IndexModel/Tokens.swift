/// A lexical class used for syntax highlighting, shared by the Python lexer and libclang's tokens.
public enum TokenClass: String, Codable, Sendable {
    case keyword, identifier, string, number, comment, `operator`, punctuation, decorator, preprocessor, whitespace, other
}

/// One highlighted span of a file, as UTF-8 byte offsets `[start, end)` from the start of the file.
public struct TokenSpan: Hashable, Codable, Sendable {
    public var start: Int
    public var end: Int
    public var tokenClass: TokenClass
    public init(start: Int, end: Int, tokenClass: TokenClass) {
        self.start = start
        self.end = end
        self.tokenClass = tokenClass
    }
}

/// Reports progress of a long stage. Library modules never print: the executable passes a sink.
public protocol ProgressSink: Sendable {
    /// `done` of `total` units of `phase` are finished; `current` names the unit in hand.
    func progress(phase: String, done: Int, total: Int, current: String)
}

/// A sink that drops everything.
public struct SilentProgress: ProgressSink {
    public init() {}
    public func progress(phase: String, done: Int, total: Int, current: String) {}
}
