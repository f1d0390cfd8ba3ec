// PagedAttention: see Sources/Modules.md.

