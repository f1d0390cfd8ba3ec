// The values the call graph produces: edges between qualified names, the nodes that only exist in the
// graph (external functions, torch ops), and the call sites no rule could resolve.
import IndexModel

/// How a caller reaches a callee.
public struct EdgeKind: RawRepresentable, Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: EdgeKind, b: EdgeKind) -> Bool { a.rawValue < b.rawValue }

    /// An ordinary call.
    public static let call = EdgeKind(rawValue: "call")
    /// A CUDA kernel launch `k<<<...>>>(...)`.
    public static let launch = EdgeKind(rawValue: "launch")
    /// A call written inside a macro body, attributed to the function that invokes the macro.
    public static let macro = EdgeKind(rawValue: "macro")
    /// A function passed on without being called (`&fn`, a callback argument).
    public static let reference = EdgeKind(rawValue: "reference")
    /// A torch op node to the function registered for it (`ops.impl("x", torch::kCUDA, &x)`).
    public static let opBinding = EdgeKind(rawValue: "op-binding")
    /// A registration block (`TORCH_LIBRARY` body, pybind11 module) to the function it registers.
    public static let registration = EdgeKind(rawValue: "registration")
    /// A dispatch hub to one implementation it may run (`torch.nn.Module.__call__` to each checkout
    /// `forward`); located at the implementation's definition.
    public static let dispatch = EdgeKind(rawValue: "dispatch")
    /// Python: reading an attribute that is a `property` or `cached_property` runs its getter (the edge is
    /// located at the read).
    public static let property = EdgeKind(rawValue: "property")
}

/// How sure the resolver is that an edge is real. Ordered from most to least sure.
public enum Confidence: String, Codable, Sendable, CaseIterable, Comparable {
    /// By scope, import, a stated type, a USR, or a registration.
    case exact
    /// Through the class hierarchy, an assignment, or a documented convention (`nn.Module` call -> forward).
    case inferred
    /// One of several run-time choices (overrides of an abstract method, dispatch keys of an op).
    case candidate
    /// Matched by the method name alone; off by default in queries.
    case nameOnly

    private var rank: Int {
        switch self {
        case .exact: return 0
        case .inferred: return 1
        case .candidate: return 2
        case .nameOnly: return 3
        }
    }
    /// `exact < inferred < candidate < nameOnly`: smaller is surer.
    public static func < (a: Confidence, b: Confidence) -> Bool { a.rank < b.rank }
    /// The weaker of two confidences (a chain is as sure as its weakest step).
    public func weakened(by other: Confidence) -> Confidence { max(self, other) }
}

/// One edge of the call graph, anchored at the call site (or registration) that makes it.
public struct Edge: Hashable, Codable, Sendable, Comparable {
    /// Qualified name of the calling symbol (or of a torch op node for `op-binding` edges).
    public var caller: String
    /// Qualified name of the callee: a symbol of the checkout, an external node (`torch.matmul`), or a
    /// torch op node (`torch.ops._C.paged_attention_v1`).
    public var callee: String
    /// How the caller reaches the callee (call, launch, macro, op-binding, ...).
    public var kind: EdgeKind
    /// How sure the resolver is (`nameOnly` edges are left out of queries by default).
    public var confidence: Confidence
    /// Where the edge is made: the call site, the registration, or (dispatch) the implementation.
    public var file: RepoPath
    /// 1-based line of `file`.
    public var line: Int
    /// 1-based UTF-8 column, 0 when unknown.
    public var column: Int
    /// Why the resolver believes the edge: the receiver's type and where it came from, the dispatch key
    /// and `#if` condition of an op implementation, "" when the callee is named directly.
    public var note: String
    /// `op-binding` edges: the dispatch key the function is registered for (`CUDA`, `CPU`), "" when the
    /// registration names none.
    public var dispatchKey: String = ""

    public init(caller: String, callee: String, kind: EdgeKind, confidence: Confidence, file: RepoPath,
                line: Int, column: Int = 0, note: String = "", dispatchKey: String = "")
    {
        self.dispatchKey = dispatchKey
        self.caller = caller
        self.callee = callee
        self.kind = kind
        self.confidence = confidence
        self.file = file
        self.line = line
        self.column = column
        self.note = note
    }

    /// Sorted by caller, file position, callee, kind: the order every export uses.
    public static func < (a: Edge, b: Edge) -> Bool {
        if a.caller != b.caller { return a.caller < b.caller }
        if a.file != b.file { return a.file < b.file }
        if (a.line, a.column) != (b.line, b.column) { return (a.line, a.column) < (b.line, b.column) }
        if a.callee != b.callee { return a.callee < b.callee }
        return (a.kind.rawValue, a.confidence.rawValue, a.note) < (b.kind.rawValue, b.confidence.rawValue, b.note)
    }
}

/// A node that exists only in the graph: something outside the checkout, or a torch op.
public struct GraphNode: Hashable, Codable, Sendable, Comparable {
    /// `torch.matmul`, `builtins.len`, `at::empty`, `torch.ops._C.paged_attention_v1`.
    public var name: String
    /// `.external` or `.torchOp`.
    public var kind: SymbolKind
    /// For op nodes: the schema when a `def` registration gives one.
    public var detail: String
    public init(name: String, kind: SymbolKind, detail: String = "") {
        self.name = name
        self.kind = kind
        self.detail = detail
    }
    public static func < (a: GraphNode, b: GraphNode) -> Bool { a.name < b.name }
}

/// Why a call site got no edge surer than `nameOnly`.
public enum UnresolvedReason: String, Codable, Sendable, CaseIterable, Comparable {
    /// A bare name bound in no scope (local, enclosing, class, module, builtins) nor import.
    case unknownName = "unknown-name"
    /// `x.m()` where nothing states or assigns the type of `x`.
    case unknownReceiverType = "unknown-receiver-type"
    /// The receiver's type is known but neither it, its bases nor its subclasses define the attribute.
    case attributeNotFound = "attribute-not-found"
    /// The callee is the result of a call, a subscript, or another expression with no name (`f()()`, `fns[i]()`).
    case dynamicCallee = "dynamic-callee"
    /// `x(...)` where `x` has a known type that is not callable in the checkout (no `__call__`/`forward`).
    case notCallable = "not-callable"
    /// `torch.ops.NS.OP` with no registration of NS::OP in the checkout.
    case unregisteredOp = "unregistered-op"
    /// `f().m()` where `f` is outside the checkout and says nothing of what it returns
    /// (`torch.arange(n).view(...)`): the call leaves the checkout, to an unknown library method.
    case externalValue = "external-value"
    /// C++: libclang resolved no declaration and the written name matches no symbol.
    case noCppTarget = "no-cpp-target"

    public static func < (a: UnresolvedReason, b: UnresolvedReason) -> Bool { a.rawValue < b.rawValue }
}

/// One call site that stayed unresolved, kept so reports can show examples.
public struct UnresolvedCall: Hashable, Codable, Sendable {
    /// The calling symbol.
    public var caller: String
    /// The callee expression as written.
    public var callee: String
    /// Where the call is.
    public var file: RepoPath
    /// 1-based line of the call.
    public var line: Int
    /// Why no rule resolved it.
    public var reason: UnresolvedReason
    public init(caller: String, callee: String, file: RepoPath, line: Int, reason: UnresolvedReason) {
        self.caller = caller
        self.callee = callee
        self.file = file
        self.line = line
        self.reason = reason
    }
}

/// The resolver's output for a whole checkout.
public struct ResolvedGraph: Codable, Sendable {
    /// All edges, sorted, without duplicates.
    public var edges: [Edge]
    /// External and op nodes that edges point at, sorted by name.
    public var nodes: [GraphNode]
    /// Call sites that got no edge surer than `nameOnly`, sorted by file and line.
    public var unresolved: [UnresolvedCall]
    /// Number of call sites seen, per language family ("python", "cpp").
    public var callSiteCounts: [String: Int]
    /// Direct bases of every Python class of the checkout, resolved (checkout and external classes), for
    /// the profile filter of queries.
    public var classBases: [String: [String]] = [:]

    public init(edges: [Edge], nodes: [GraphNode], unresolved: [UnresolvedCall], callSiteCounts: [String: Int]) {
        self.edges = edges
        self.nodes = nodes
        self.unresolved = unresolved
        self.callSiteCounts = callSiteCounts
    }

    /// Unresolved call sites counted by reason.
    public var unresolvedByReason: [UnresolvedReason: Int] {
        var counts: [UnresolvedReason: Int] = [:]
        for u in unresolved { counts[u.reason, default: 0] += 1 }
        return counts
    }

    /// Edges counted by confidence.
    public var edgesByConfidence: [Confidence: Int] {
        var counts: [Confidence: Int] = [:]
        for e in edges { counts[e.confidence, default: 0] += 1 }
        return counts
    }
}
