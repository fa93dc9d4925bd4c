import GRDB

extension DatabaseSource {
    /// Tries each correlation column in turn (each has its own index, so every probe is one index lookup); when an
    /// ID names several calls (a reused client request id), the most recent one wins.
    func trace(id: String) throws -> TraceMatch? {
        try store.read { db in
            for column in TraceMatch.searchedColumns {
                guard let callID = try String.fetchOne(db, sql: "SELECT call_id FROM requests WHERE \(column) = ? ORDER BY started_at DESC LIMIT 1",
                                                       arguments: [id]) else { continue }
                let attempts = try Row.fetchAll(db, sql: "SELECT * FROM requests WHERE call_id = ? ORDER BY started_at, attempt, id",
                                                arguments: [callID]).map(AttemptRecord.init(row:))
                return TraceMatch(id: id, matchedColumn: column, callID: callID, attempts: attempts)
            }
            return nil
        }
    }

    func attempts(callID: String, near days: ClosedRange<UTCDay>) throws -> [AttemptRecord] {
        try store.attempts(callID: callID)
    }
}
