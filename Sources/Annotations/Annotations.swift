// Annotations: see Sources/Modules.md.
import IndexModel
