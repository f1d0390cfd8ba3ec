// IndexDatabase: see Sources/Modules.md.
import IndexModel
