// An index must answer from a folder its reader cannot write (a shared or packaged index). SQLite reads
// a WAL-mode file only where it can create the `-shm` file beside it, so a writer hands the file back
// in rollback-journal mode when it is done; the next writer turns WAL on again.
import Foundation
import GRDB

extension IndexStore {
    /// Leaves WAL mode (checkpointing the log into the file). Best effort: a reader holding the index
    /// open keeps it in WAL mode, and the index is as correct either way.
    public func settleForReaders() {
        try? dbQueue.writeWithoutTransaction { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
        }
    }
}
