import CallGraph
import Foundation
import IndexModel
import XCTest

/// Run-time profiles on a miniature engine (Fixtures/python/profile): the resolver takes the model's
/// classes from a profile binding and the layers' class from `make_layers(n, lambda: Block(...))`; the
/// profile filter keeps the executor and model the profile selects, drops warm-up code, and reports a
/// target the profile cannot reach.
final class ProfileTests: XCTestCase {
    let profile = RunProfile(
        name: "mini", release: "0", summary: "fixture",
        choices: [
            .init(key: "executor", value: "GPUExecutor", among: ["eng.executors.ExecutorBase"], options: [
                .init(value: "GPUExecutor", selects: ["eng.executors.GPUExecutor"], source: "eng/executors.py:11", why: "a GPU"),
                .init(value: "OtherExecutor", selects: ["eng.executors.OtherExecutor"], source: "eng/executors.py:23", why: "no GPU"),
            ]),
            .init(key: "model", value: "Tiny", options: [
                .init(value: "Tiny", selects: ["eng.models.Tiny"], source: "eng/models.py:33", why: "architectures Tiny"),
                .init(value: "Big", selects: ["eng.models.Big"], source: "eng/models.py:41", why: "architectures Big"),
            ], bind: [.init(scope: "eng.executors.Runner", target: "self.model")]),
        ],
        warmup: ["_warm", "dummy_run"])

    func graph() throws -> ResolvedGraph {
        try check("profile", bindings: profile.typeBindings)
    }

    func testBindingsAndContainerElementsResolve() throws {
        let g = try graph()
        XCTAssertEqual(profile.problems(), [])
        XCTAssertEqual(g.classBases["eng.executors.GPUExecutor"], ["eng.executors.ExecutorBase"])
        XCTAssertTrue(g.classBases["eng.models.Block"]?.contains("torch.nn.Module") ?? false, "\(g.classBases)")
        // Without the binding the model's call is the nn.Module hub.
        let unbound = try check("profile", bindings: [])
        XCTAssertTrue(unbound.edges.contains { $0.caller == "eng.executors.Runner.run" && $0.callee == "torch.nn.Module.__call__" })
        XCTAssertFalse(g.edges.contains { $0.caller == "eng.executors.Runner.run" && $0.callee == "torch.nn.Module.__call__" })
        // With it, each class the choice can select is a candidate.
        let bound = g.edges.filter { $0.caller == "eng.executors.Runner.run" }.map { "\($0.callee) \($0.confidence.rawValue)" }
        XCTAssertEqual(Set(bound), ["eng.models.Tiny.forward candidate", "eng.models.Big.forward candidate"])
    }

    func testTheProfileKeepsTheRouteThatRuns() throws {
        let g = try graph()
        let store = InMemoryEdgeStore(edges: g.edges)
        let h = ClassHierarchy(bases: g.classBases)
        XCTAssertEqual(h.descendants("eng.executors.ExecutorBase"), ["eng.executors.GPUExecutor", "eng.executors.OtherExecutor"])
        let view = ProfiledEdgeStore(base: store, filter: ProfileFilter(profile: profile, hierarchy: h))
        let r = paths(from: "eng.executors.Engine.step", to: "eng.models.Block.forward", in: view, maxPaths: 5)
        XCTAssertEqual(r.paths.count, 1, "\(r.paths.map { $0.hops.map(\.callee) })")
        XCTAssertEqual(r.paths.first?.hops.map(\.callee), ["eng.executors.GPUExecutor.execute_model", "eng.executors.Runner.run",
                                                           "eng.models.Tiny.forward", "eng.models.Stack.forward",
                                                           "eng.models.Block.forward"])
        // The candidates the profile picked say so.
        let picked = try XCTUnwrap(r.paths.first?.hops.first)
        XCTAssertTrue(picked.note.contains("profile: executor=GPUExecutor"), picked.note)
        // Excluded alternatives are gone, in both directions.
        XCTAssertFalse(view.outgoing("eng.executors.Engine.step").contains { $0.callee.contains("OtherExecutor") })
        XCTAssertTrue(view.incoming("eng.executors.OtherExecutor.execute_model").isEmpty)
        // Warm-up code is left out.
        XCTAssertFalse(store.incoming("eng.executors.Runner.dummy_run").isEmpty)
        XCTAssertTrue(view.incoming("eng.executors.Runner.dummy_run").isEmpty)
        XCTAssertTrue(view.outgoing("eng.executors.Runner.dummy_run").isEmpty)
        var withWarmup = ProfileFilter(profile: profile, hierarchy: h, includeWarmup: true)
        withWarmup.kept = []
        XCTAssertFalse(ProfiledEdgeStore(base: store, filter: withWarmup).incoming("eng.executors.Runner.dummy_run").isEmpty)
        // Without a profile both executors and both models are followed.
        let none = ProfiledEdgeStore(base: store, filter: ProfileFilter(profile: nil, hierarchy: h))
        XCTAssertEqual(paths(from: "eng.executors.Engine.step", to: "eng.models.Big.forward", in: none).paths.count, 1)
    }

    func testAssumptionsChangeTheRouteAndBadOnesAreRejected() throws {
        let g = try graph()
        let store = InMemoryEdgeStore(edges: g.edges)
        let h = ClassHierarchy(bases: g.classBases)
        let asked = ProfiledEdgeStore(base: store, filter: ProfileFilter(profile: profile, hierarchy: h))
        XCTAssertTrue(paths(from: "eng.executors.Engine.step", to: "eng.models.Big.forward", in: asked).paths.isEmpty,
                      "Big is not the profile's model")
        let big = try profile.assuming([("model", "Big")])
        let view = ProfiledEdgeStore(base: store, filter: ProfileFilter(profile: big, hierarchy: h))
        XCTAssertEqual(paths(from: "eng.executors.Engine.step", to: "eng.models.Big.forward", in: view).paths.first?.hops.count, 3)
        XCTAssertTrue(paths(from: "eng.executors.Engine.step", to: "eng.models.Block.forward", in: view).paths.isEmpty)
        XCTAssertThrowsError(try profile.assuming([("model", "Huge")])) { e in
            XCTAssertEqual(e as? ProfileError, .unknownValue(key: "model", value: "Huge", known: ["Tiny", "Big"]))
        }
        XCTAssertThrowsError(try profile.assuming([("engine", "V1")])) { e in
            XCTAssertEqual(e as? ProfileError, .unknownChoice("engine", known: ["executor", "model"]))
        }
        var bad = profile
        bad.choices[0].value = "TPUExecutor"
        XCTAssertEqual(bad.problems().count, 1)
    }

    func testWildcardHubIsNotFollowedWhenAsked() throws {
        let unbound = try check("profile", bindings: [])
        let store = InMemoryEdgeStore(edges: unbound.edges)
        let h = ClassHierarchy(bases: unbound.classBases)
        let strict = ProfiledEdgeStore(base: store, filter: ProfileFilter(profile: nil, hierarchy: h, followsWildcard: false))
        XCTAssertTrue(paths(from: "eng.executors.Runner.run", to: "eng.models.Block.forward", in: strict).paths.isEmpty)
        let loose = ProfiledEdgeStore(base: store, filter: ProfileFilter(profile: nil, hierarchy: h))
        let p = try XCTUnwrap(paths(from: "eng.executors.Runner.run", to: "eng.models.Block.forward", in: loose).paths.first)
        XCTAssertEqual(p.hops.map(\.callee), ["torch.nn.Module.__call__", "eng.models.Block.forward"])
    }
}
