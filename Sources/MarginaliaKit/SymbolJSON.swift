// JSON shapes of symbols for `--json` and `export symbols` (one object per line, keys sorted).
import Foundation
import IndexModel

public enum SymbolJSON {
    public static func object(_ s: Symbol) -> [String: Any] {
        var o: [String: Any] = [
            "qualified_name": s.qualifiedName, "name": s.name, "kind": s.kind.rawValue,
            "language": s.language.rawValue, "file": s.file.rawValue, "line": s.range.start.line,
            "column": s.range.start.column, "end_line": s.range.end.line, "end_column": s.range.end.column,
            "signature": s.signature, "parent": s.parent,
        ]
        if !s.doc.isEmpty { o["doc"] = s.doc }
        if !s.attributes.isEmpty { o["attributes"] = s.attributes }
        if !s.bases.isEmpty { o["bases"] = s.bases }
        if !s.usr.isEmpty { o["usr"] = s.usr }
        return o
    }

    public static func encode(_ value: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}

extension SymbolJSON {
    /// A Python `@overload` stub: a typed signature with no body of its own.
    public static func isOverloadStub(_ s: Symbol) -> Bool {
        s.attributes.contains { $0 == "overload" || $0.hasSuffix(".overload") }
    }
}
