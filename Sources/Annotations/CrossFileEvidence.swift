// Evidence for code that left its file: where a gone file went (most of its symbols, or a renamed
// file with the same member names), whether the old file names a destination (an import, a base
// class, a member's type), and telling overloads apart. Used by `Reanchorer.locateSymbol`.
import IndexModel

extension Reanchorer {
    /// Evidence that the code of `qn` (anchored in `file`) went to symbol `i` of another file or class:
    /// the old file, still in the new release, names the destination's class (an import, a base
    /// class, a member of that type) or its module. Without it, a look-alike elsewhere is a copy.
    func fileNamesDestination(_ file: RepoPath, _ i: Int) -> Bool {
        guard let t = table(file) else { return false }
        let dest = target.symbols[i]
        var names: [String] = []
        let cls = dest.kind == .class || dest.kind == .struct ? dest.qualifiedName : dest.parent
        if !cls.isEmpty { names.append(Self.lastComponent(cls)) }
        let module = dest.file.fileName.split(separator: ".").first.map(String.init) ?? ""
        if module.count >= 5, module != "__init__", module != "utils", module != "common" { names.append(module) }
        let wanted = names.filter { $0.count >= 5 }
        guard !wanted.isEmpty else { return false }
        for line in t.lines where wanted.contains(where: { line.contains($0) }) { return true }
        return false
    }

    /// True when `qn`'s enclosing class still exists in the new release under its name, so a method
    /// that left it went somewhere only with evidence (see `fileNamesDestination`).
    func parentContinues(_ qn: String, file: RepoPath) -> Bool {
        let parent = qn.range(of: "::", options: .backwards).map { String(qn[..<$0.lowerBound]) }
            ?? qn.lastIndex(of: ".").map { String(qn[..<$0]) } ?? ""
        guard !parent.isEmpty, let hits = byQN[parent] else { return false }
        return hits.contains { target.symbols[$0].kind == .class || target.symbols[$0].kind == .struct }
    }

    /// A candidate in another class or file is admissible for `qn`: not a continuing symbol of its own
    /// (unless the old file names it: a duplicate folded into the survivor), and when `qn`'s class
    /// lives on, only with evidence that the code went there.
    func admissible(_ i: Int, for qn: String, file: RepoPath) -> Bool {
        let s = target.symbols[i]
        if isClaimed(i, by: qn) { return s.file != file && fileNamesDestination(file, i) }
        let parentQN = qn.range(of: "::", options: .backwards).map { String(qn[..<$0.lowerBound]) }
            ?? qn.lastIndex(of: ".").map { String(qn[..<$0]) } ?? ""
        if parentContinues(qn, file: file), s.parent != parentQN, s.file != file || table(file) == nil {
            return fileNamesDestination(file, i)
        }
        return true
    }

    /// Where a file that is gone went: the file holding most of its symbols (found by qualified name,
    /// or by name inside the module), when at least two of them and half of those found went there.
    func destination(of file: RepoPath) -> RepoPath? {
        if let d = destinations[file] { return d }
        var result: RepoPath?
        if table(file) == nil {
            var counts: [RepoPath: Int] = [:]
            for s in previousByFile[file] ?? [] where s.kind != .module && s.kind != .variable {
                if let hits = byQN[s.qualifiedName], hits.count == 1 {
                    counts[target.symbols[hits[0]].file, default: 0] += 1
                } else if let hits = byLocal[Self.localName(s.qualifiedName, file: s.file)], hits.count == 1 {
                    counts[target.symbols[hits[0]].file, default: 0] += 1
                }
            }
            let found = counts.values.reduce(0, +)
            if let top = counts.max(by: { $0.value < $1.value || $0.value == $1.value && $0.key > $1.key }),
               top.value >= 2, Double(top.value) >= 0.5 * Double(found) { result = top.key }
            if result == nil { result = renamedFile(file) }
        }
        destinations[file] = .some(result)
        return result
    }

    /// A gone file renamed together with its classes: the one new file (absent from the previous
    /// release) that defines most of the old file's member names, at least three and half of them.
    func renamedFile(_ file: RepoPath) -> RepoPath? {
        let old = memberNames(file)
        guard old.count >= 3 else { return nil }
        if byLast.isEmpty { for (i, s) in target.symbols.enumerated() { byLast[Self.lastComponent(s.qualifiedName), default: []].append(i) } }
        var score: [RepoPath: Int] = [:]
        for n in old {
            for f in Set((byLast[n] ?? []).map { target.symbols[$0].file }) where previousByFile[f] == nil { score[f, default: 0] += 1 }
        }
        let ranked = score.sorted { $0.value > $1.value || $0.value == $1.value && $0.key < $1.key }
        guard let top = ranked.first, top.value >= 3, Double(top.value) >= 0.5 * Double(old.count),
              ranked.count == 1 || ranked[1].value < top.value else { return nil }
        // Of the gone files beside this one, the new file must share the most names with this one (two
        // old versions of a file do not both become the new one).
        let mine = memberNames(file)
        let theirs = Set((byFile[top.key] ?? []).map { Self.lastComponent(target.symbols[$0].qualifiedName) })
        let overlap = Double(mine.intersection(theirs).count) / Double(max(1, mine.union(theirs).count))
        for sibling in previousByFile.keys where sibling != file && sibling.directory == file.directory && table(sibling) == nil {
            let other = memberNames(sibling)
            if Double(other.intersection(theirs).count) / Double(max(1, other.union(theirs).count)) >= overlap { return nil }
        }
        return top.key
    }

    func memberNames(_ file: RepoPath) -> Set<String> {
        Set((previousByFile[file] ?? []).filter { $0.kind != .module && $0.kind != .variable }
            .map { Self.lastComponent($0.qualifiedName) }.filter { !$0.hasPrefix("__") })
    }

    /// The position (0-based, by first line) of the overload at `lines` among the previous release's
    /// definitions of `qn` in `file`; nil when the previous release is unknown.
    func overloadOrdinal(_ qn: String, _ file: RepoPath, _ lines: LineSpan) -> Int? {
        let defs = (previousByFile[file] ?? []).filter { $0.qualifiedName == qn }.map { $0.range.start.line }.sorted()
        return defs.firstIndex(of: lines.start)
    }

    func previousOverloadCount(_ qn: String, _ file: RepoPath) -> Int {
        (previousByFile[file] ?? []).filter { $0.qualifiedName == qn }.count
    }

}
