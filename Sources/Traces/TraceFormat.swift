// Text and JSON forms of the trace reports. Deterministic: everything is sorted before it is written.
import CallGraph
import Foundation
import IndexModel

/// Renders trace reports; returns strings (the executable prints them).
public enum TraceFormat {
    static func label(_ c: ClassifiedCall) -> String {
        if let m = c.match {
            switch m.route {
            case .direct: return m.confidence.rawValue
            case .op, .dispatch: return "\(m.confidence.rawValue) via \(m.edge.callee)"
            case .constructor: return "\(m.confidence.rawValue) via class \(m.edge.callee)"
            }
        }
        return "MISSING: \(c.miss?.explanation ?? "?")" + (c.calleeHint.isEmpty ? "" : " (\(c.calleeHint))")
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

    /// `trace show`: one block per op, the hops from the entry point.
    public static func chainsText(_ chains: [ObservedChain], run: TraceRun, name: String) -> String {
        var out = "trace \(name): \(run.package) \(run.packageVersion), python \(run.python), \(run.mechanism)\n"
        if chains.isEmpty { return out + "no torch op was called under the entry point\n" }
        for ch in chains {
            out += "\n\(ch.entry) -> \(ch.target) (\(ch.hops.count) hops)\n"
            for h in ch.hops {
                let o = h.call.observed
                let site = "\(o.file):\(o.line)"
                out += "  \(o.caller) -> \(o.callee)\n      \(site)  x\(o.count)  [\(label(h.call))]\n"
            }
        }
        return out
    }

    /// `trace diff`: the figures, then every miss and every wrong label with its site.
    public static func diffText(_ d: TraceDiff, run: TraceRun, under: String? = nil) -> String {
        var out = "trace \(d.trace): \(run.package) \(run.packageVersion), python \(run.python), \(run.mechanism); index of \(d.release)\n"
        if let under {
            out += under == run.within ? "only calls made while \(under) ran (marked by the recorder)\n"
                : "only calls under \(under) (reached from it through observed calls: an over-approximation)\n"
        }
        out += "\nobserved \(run.package) -> \(run.package) calls (distinct caller, callee, call site): \(d.calls.count)\n"
        out += "  static edges, any confidence:  \(d.staticEdges.text)\n"
        out += "  exact or inferred:             \(d.exactOrInferred.text)\n"
        let confs = Confidence.allCases.map { "\($0.rawValue) \(d.byConfidence[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        out += "  matched, by surest route:      \(confs)\n"
        let routes = [MatchRoute.direct, .op, .dispatch, .constructor].map { "\($0.rawValue) \(d.byRoute[$0.rawValue] ?? 0)" }
        out += "  matched, by route:             \(routes.joined(separator: ", "))\n"
        out += "  misses by cause:\n"
        for cause in MissCause.allCases {
            out += "    \(pad(cause.rawValue, 22)) \(pad(String(d.missesByCause[cause.rawValue] ?? 0), 5)) \(cause.explanation)\n"
        }
        if !d.missesByHint.isEmpty {
            out += "  no-static-edge and implicit-call misses, by what ran:\n"
            for (k, v) in d.missesByHint.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
                out += "    \(pad(String(v), 5)) \(k)\n"
            }
        }
        out += "\ntorch op calls (distinct caller, op, call site): \(d.ops.count)\n"
        out += "  static edges, any confidence:  \(d.opStaticEdges.text)\n"
        out += "  exact or inferred:             \(d.opExactOrInferred.text)\n"
        for (k, v) in d.opMissesByCause.sorted(by: { $0.key < $1.key }) { out += "  miss \(k): \(v)\n" }
        out += "\nlabels at call sites that executed (static callee ran there):\n"
        for conf in Confidence.allCases {
            out += "  \(pad(conf.rawValue, 10)) \(d.labels[conf.rawValue]?.text ?? "-")\n"
        }
        out += "  (\(d.unverifiable) edges to classes whose construction runs no code the recorder sees: not checked)\n"
        let wrong = d.checks.filter { !$0.ran && $0.edge.confidence <= .inferred }
        out += "\nwrong labels: exact and inferred callees that did not run at an executed site (\(wrong.count)):\n"
        for w in wrong {
            let e = w.edge
            out += "  \(e.file):\(e.line)  \(e.caller) -> \(e.callee)  [\(e.confidence.rawValue)]\n"
            out += "      ran there: \(w.ranInstead.joined(separator: ", "))\n"
            if !e.note.isEmpty { out += "      evidence: \(e.note)\n" }
        }
        let misses = (d.calls + d.ops).filter { $0.match == nil }
        out += "\nobserved calls the static graph lacks (\(misses.count)):\n"
        for m in misses.sorted(by: { ($0.miss!, $0.observed) < ($1.miss!, $1.observed) }) {
            let o = m.observed
            out += "  \(pad(m.miss!.rawValue, 20)) \(o.file):\(o.line)  \(o.caller) -> \(o.callee)  x\(o.count)"
            out += m.calleeHint.isEmpty ? "\n" : "  (\(m.calleeHint))\n"
        }
        out += "\ndispatch sites that executed (several static callees; what ran) (\(d.dispatchSites.count)):\n"
        for s in d.dispatchSites {
            out += "  \(s.file):\(s.line)  \(s.caller)\n      ran: \(s.ran.joined(separator: ", "))\n"
            out += "      static: " + s.candidates.map { "\($0.callee) (\($0.confidence.rawValue))" }.joined(separator: ", ") + "\n"
        }
        return out
    }

    /// Any report value as pretty, key-sorted JSON.
    public static func json<T: Encodable>(_ value: T) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? enc.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    /// The diff's JSON: figures first (`summary`), then the lists.
    public static func diffJSON(_ d: TraceDiff, run: TraceRun, under: String? = nil) -> String {
        struct Summary: Encodable {
            var trace: String
            var under: String?
            var run: TraceRun
            var indexRelease: String
            var distinctCalls: Int
            var staticEdges: Share
            var exactOrInferred: Share
            var matchedByConfidence: [String: Int]
            var matchedByRoute: [String: Int]
            var missesByCause: [String: Int]
            var missesByHint: [String: Int]
            var distinctOpCalls: Int
            var opStaticEdges: Share
            var opExactOrInferred: Share
            var opMissesByCause: [String: Int]
            var labelsAtExecutedSites: [String: Share]
            var uncheckedClassEdges: Int
        }
        struct WrongLabel: Encodable {
            var caller, callee, confidence, file, evidence: String
            var line: Int
            var ranThere: [String]
        }
        struct Miss: Encodable {
            var kind, caller, callee, file, cause, calleeHint: String
            var line, count: Int
            var sites: [SitePosition]
        }
        struct Doc: Encodable {
            var summary: Summary
            var wrongLabels: [WrongLabel]
            var misses: [Miss]
            var dispatchSites: [DispatchSite]
            var calls: [ClassifiedCall]
            var ops: [ClassifiedCall]
        }
        let s = Summary(trace: d.trace, under: under, run: run, indexRelease: d.release, distinctCalls: d.calls.count,
                        staticEdges: d.staticEdges, exactOrInferred: d.exactOrInferred,
                        matchedByConfidence: d.byConfidence, matchedByRoute: d.byRoute, missesByCause: d.missesByCause,
                        missesByHint: d.missesByHint, distinctOpCalls: d.ops.count, opStaticEdges: d.opStaticEdges,
                        opExactOrInferred: d.opExactOrInferred, opMissesByCause: d.opMissesByCause,
                        labelsAtExecutedSites: d.labels, uncheckedClassEdges: d.unverifiable)
        let wrong = d.checks.filter { !$0.ran && $0.edge.confidence <= .inferred }.map {
            WrongLabel(caller: $0.edge.caller, callee: $0.edge.callee, confidence: $0.edge.confidence.rawValue,
                       file: $0.edge.file.rawValue, evidence: $0.edge.note, line: $0.edge.line, ranThere: $0.ranInstead)
        }
        let misses = (d.calls + d.ops).filter { $0.match == nil }.map {
            Miss(kind: $0.observed.kind.rawValue, caller: $0.observed.caller, callee: $0.observed.callee,
                 file: $0.observed.file.rawValue, cause: $0.miss!.rawValue, calleeHint: $0.calleeHint,
                 line: $0.observed.line, count: $0.observed.count, sites: $0.sites)
        }
        return json(Doc(summary: s, wrongLabels: wrong, misses: misses, dispatchSites: d.dispatchSites, calls: d.calls,
                        ops: d.ops))
    }
}
