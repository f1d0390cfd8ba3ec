// SiteRenderer: see Sources/Modules.md.
import IndexModel
