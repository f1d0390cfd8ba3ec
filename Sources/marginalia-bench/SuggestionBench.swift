// marginalia-bench suggest --db DB [--runs N] NAME...: the time "did you mean" takes for unknown names,
// the full-scan look-up the CLI used before (every qualified name and graph node into a SymbolLookup)
// against the ranked name-index look-up it uses now (NameRanking). Prints medians and spread.
import CallGraph
import Foundation
import IndexDatabase
import MarginaliaKit

func runSuggestionBench(arguments: [String]) {
    var db: String?
    var runs = 5
    var names: [String] = []
    var i = 0
    while i < arguments.count {
        switch arguments[i] {
        case "--db": i += 1; db = arguments[i]
        case "--runs": i += 1; runs = Int(arguments[i]) ?? runs
        default: names.append(arguments[i])
        }
        i += 1
    }
    guard let db, let store = try? IndexStore(path: db, readOnly: true) else {
        print("usage: marginalia-bench suggest --db DB [--runs N] NAME...")
        return
    }
    if names.isEmpty { names = ["LLM.genrate", "paged_atention_v1_kernel", "reshape_and_cach"] }
    func time(_ body: () throws -> [String]) -> (Double, [String]) {
        let t0 = DispatchTime.now()
        let r = (try? body()) ?? []
        return (Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6, r)
    }
    func report(_ label: String, _ ms: [Double]) {
        let s = ms.sorted()
        print(String(format: "  %@: median %.1f ms (min %.1f, max %.1f, %d runs)", label, s[s.count / 2], s.first!, s.last!, s.count))
    }
    for name in names {
        var before: [Double] = [], after: [Double] = []
        var old: [String] = [], new: [String] = []
        for _ in 0..<runs {
            let (b, o) = time {
                let lookup = SymbolLookup(names: try store.allQualifiedNames() + (try store.edgeNodeNames()))
                if case .notFound(let s) = lookup.find(name) { return s }
                return []
            }
            before.append(b); old = o
            let (a, n) = time { try store.suggestions(for: name) }
            after.append(a); new = n
        }
        print("\(name):")
        report("before (full scan)", before)
        report("after (name index)", after)
        print("  before suggested: \(old.joined(separator: ", "))")
        print("  after suggested:  \(new.joined(separator: ", "))")
    }
}
