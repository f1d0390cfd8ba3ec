// MarginaliaKit: see Sources/Modules.md.
import IndexModel
