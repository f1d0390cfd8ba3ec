/// The outcome of re-anchoring one note anchor in a new release. Shared vocabulary: the notes module
/// decides it, the site shows it.
public enum AnchorStatus: String, Codable, Sendable, CaseIterable, Comparable {
    /// Same text, same place.
    case exact
    /// Same text; lines shifted or another file.
    case moved
    /// Same logical code (same qualified name or same place), text changed.
    case edited
    /// The symbol has another name now; its body is similar.
    case renamed
    /// A file whose code now lives in several files.
    case split
    /// A file whose code now lives in a file that also took another file's code.
    case merged
    /// Several candidates; none picked.
    case ambiguous
    /// The code is gone; the anchor keeps its last known location.
    case orphaned

    /// True when the anchor was attached to code in the new release.
    public var isAttached: Bool { self != .ambiguous && self != .orphaned }

    public static func < (a: AnchorStatus, b: AnchorStatus) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

