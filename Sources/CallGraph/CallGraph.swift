// CallGraph: see Sources/Modules.md.
import IndexModel
