// One notes directory for several vLLM releases: each note and tour says which release it was written
// against (`release:`), and the commands pick the set that serves the checkout at hand.
import IndexModel

/// A vLLM version as the selection orders it: the leading dotted numbers (`0.6.3.post1` -> 0, 6, 3),
/// then pre-releases (`dev`, `rc`) before the plain release before `post` releases.
public struct ReleaseVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let numbers: [Int]
    /// -1 for dev/rc/a/b, 0 for none, 1 for post (and local `+...` builds of a release).
    public let suffixRank: Int
    public let text: String

    /// Nil when the text does not start with a number (`main`, "").
    public init?(_ text: String) {
        var numbers: [Int] = []
        var rest = Substring(text.hasPrefix("v") ? String(text.dropFirst()) : text)
        while let first = rest.first, first.isASCII, first.isNumber {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            numbers.append(Int(digits) ?? 0)
            rest = rest.dropFirst(digits.count)
            guard rest.first == ".", let next = rest.dropFirst().first, next.isASCII, next.isNumber else { break }
            rest = rest.dropFirst()
        }
        guard !numbers.isEmpty else { return nil }
        while numbers.count > 1, numbers.last == 0 { numbers.removeLast() }
        let tail = rest.drop { $0 == "." || $0 == "-" }.lowercased()
        if tail.isEmpty { suffixRank = 0 }
        else if tail.hasPrefix("post") || tail.hasPrefix("+") { suffixRank = 1 }
        else { suffixRank = -1 }
        self.numbers = numbers
        self.text = text
    }

    public var description: String { text }

    public static func < (a: ReleaseVersion, b: ReleaseVersion) -> Bool {
        for i in 0..<max(a.numbers.count, b.numbers.count) {
            let x = i < a.numbers.count ? a.numbers[i] : 0, y = i < b.numbers.count ? b.numbers[i] : 0
            if x != y { return x < y }
        }
        return a.suffixRank < b.suffixRank
    }

    public static func == (a: ReleaseVersion, b: ReleaseVersion) -> Bool { !(a < b) && !(b < a) }
    public func hash(into h: inout Hasher) { h.combine(numbers); h.combine(suffixRank) }
}

/// Which notes serve which checkout.
///
/// The rule (documented in Annotations/README.md): notes and tours whose `release` equals the checkout's
/// release; when no set was written for that release, the newest set written for an earlier release (the
/// one a `notes migrate` would carry forward); when every set is newer, the oldest. A checkout whose
/// release is unknown gets the newest set. Notes and tours without a `release` belong to every set.
/// A directory with a single release is always selected whole, so single-release directories behave as
/// they always did.
public enum NoteReleases {
    /// The distinct non-empty releases of the notes and tours, oldest first.
    public static func releases(in set: NoteSet) -> [String] {
        let all = Set(set.notes.map(\.release) + set.tours.map(\.release)).filter { !$0.isEmpty }
        return all.sorted { a, b in
            switch (ReleaseVersion(a), ReleaseVersion(b)) {
            case let (x?, y?): return x == y ? a < b : x < y
            case (nil, .some): return true
            case (.some, nil): return false
            case (nil, nil): return a < b
            }
        }
    }

    /// The note release that serves a checkout of `target` (nil when the set names no release).
    public static func release(for target: String, among releases: [String]) -> String? {
        if releases.contains(target) { return target }
        guard let t = ReleaseVersion(target) else { return releases.last }
        let versioned = releases.filter { ReleaseVersion($0) != nil }
        if let same = versioned.first(where: { ReleaseVersion($0)! == t }) { return same }
        return versioned.last { ReleaseVersion($0)! < t } ?? versioned.first ?? releases.last
    }

    /// The release of the notes that serve a checkout of `target` in `set`.
    public static func chosen(for target: String, in set: NoteSet) -> String? {
        release(for: target, among: releases(in: set))
    }

    /// The notes and tours that serve `target`; the directory's other notes go to `otherReleases` (a tour or a
    /// `[[note:...]]` link may name a note of another release, as a tour comparing two releases does).
    /// Passing a release the notes name (`--release 0.6.2`) selects exactly that set.
    public static func select(_ set: NoteSet, for target: String) -> NoteSet {
        let all = releases(in: set)
        guard all.count > 1, let chosen = release(for: target, among: all) else { return set }
        func keep(_ r: String) -> Bool { r.isEmpty || r == chosen }
        var out = NoteSet(notes: set.notes.filter { keep($0.release) }, tours: set.tours.filter { keep($0.release) },
                          diagnostics: set.diagnostics)
        out.otherReleases = set.notes.filter { !keep($0.release) }
        return out
    }

    /// The notes of other releases that the selected tours' steps or the selected notes' `[[note:...]]` links
    /// name, in directory order: a site shows them as pages beside its own notes.
    public static func companions(of set: NoteSet) -> [Note] {
        var named = Set<NoteID>()
        for t in set.tours { for case let .note(id) in t.steps { named.insert(id) } }
        for n in set.notes { named.formUnion(noteLinks(in: n.body)) }
        return set.otherReleases.filter { named.contains($0.id) }
    }

    /// The ids of `[[note:ID]]` links in a Markdown body.
    static func noteLinks(in body: String) -> [NoteID] {
        var out: [NoteID] = []
        var rest = Substring(body)
        while let r = rest.range(of: "[[note:") {
            rest = rest[r.upperBound...]
            guard let end = rest.range(of: "]]") else { break }
            out.append(NoteID(String(rest[..<end.lowerBound]).trimmingCharacters(in: " ")))
            rest = rest[end.upperBound...]
        }
        return out
    }

    /// Notes written for releases older than the one `select` chose for `target`, grouped by release, oldest
    /// first: what a site of `target` shows on its drift page beside its own notes. Newer releases' notes are
    /// left out (re-anchoring backwards says nothing a reader of `target` needs).
    public static func olderSets(_ set: NoteSet, for target: String) -> [(release: String, notes: [Note])] {
        let all = releases(in: set)
        guard all.count > 1, let chosen = release(for: target, among: all), let c = ReleaseVersion(chosen) else { return [] }
        return all.compactMap { r in
            guard r != chosen, let v = ReleaseVersion(r), v < c else { return nil }
            let notes = set.notes.filter { $0.release == r }
            return notes.isEmpty ? nil : (r, notes)
        }
    }
}
