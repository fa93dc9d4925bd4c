import Foundation
import GRDB

/// The live database as an attempt source.
struct DatabaseSource: AttemptSource {
    let store: MeterbookStore

    var name: String { "the database \(store.path)" }

    func coveredDays() throws -> ClosedRange<UTCDay>? {
        try store.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT min(started_at) AS first, max(started_at) AS last FROM requests"),
                  let first = row["first"] as Int64?, let last = row["last"] as Int64? else { return nil }
            return UTCDay(containing: first)...UTCDay(containing: last)
        }
    }

    func distinctValues(of grouping: Grouping, range: Range<Int64>, limit: Int) throws -> [String] {
        try store.read { db in
            try String.fetchAll(db, sql: """
                SELECT DISTINCT \(grouping.columnSQL) AS value FROM requests
                WHERE started_at >= ? AND started_at < ? AND value IS NOT NULL ORDER BY value LIMIT ?
                """, arguments: [range.lowerBound, range.upperBound, limit])
        }
    }

    /// The WHERE clause of a range and filter, and its arguments.
    static func scope(_ range: Range<Int64>, _ filter: AttemptFilter) -> (sql: String, arguments: StatementArguments) {
        let filterSQL = filter.sql
        let conditions = ["started_at >= ?", "started_at < ?"] + filterSQL.conditions
        return (conditions.joined(separator: " AND "), StatementArguments([range.lowerBound, range.upperBound] + filterSQL.arguments))
    }
}

extension MeterbookStore {
    /// The live database and its archives, in that order.
    func sources(archiveDirectory: String?) -> [any AttemptSource] {
        [DatabaseSource(store: self), ArchiveSource(store: self, directory: archiveDirectory ?? ArchiveRotation.defaultDirectory(forDatabase: path))]
    }
}
