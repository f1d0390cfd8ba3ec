// Temporary: the C++ phase and resolution are wired when ClangIndexer and CallGraph land.
import Foundation
import IndexDatabase
import IndexModel


enum Resolution {
    static let version = "0"
    struct Result { var edges: [EdgeRecord] = []; var unresolved: [String: Int] = [:] }
    static func resolve(_ input: GraphInputs, root: URL) -> Result { Result() }
}
