// PythonIndexer: see Sources/Modules.md.
import IndexModel
