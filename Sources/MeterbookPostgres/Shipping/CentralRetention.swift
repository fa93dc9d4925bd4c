import Foundation
import Meterbook
import PostgresNIO

/// Central retention: whole day partitions of `requests` are dropped (no row-by-row DELETE, no bloat, no vacuum).
///
/// `shipped_archives` and `sources.shipped_id` are kept, so shippers do not send the dropped days again; a local
/// archive of a dropped day that was never shipped would be shipped (and its day partition made again).
public enum CentralRetention {
    /// Drops the partitions of days before `day` (UTC); returns their names, oldest first.
    @discardableResult
    public static func dropDays(before day: UTCDay, in database: CentralDatabase) async throws -> [String] {
        try await database.transaction("drop day partitions before \(day)") { database in
            try await database.run("SELECT pg_advisory_xact_lock(hashtext('meterbook partitions'))", "lock the partitions")
            let names = try await database.values("""
                SELECT child.relname::text FROM pg_inherits
                JOIN pg_class AS child ON child.oid = pg_inherits.inhrelid
                JOIN pg_class AS parent ON parent.oid = pg_inherits.inhparent
                JOIN pg_namespace AS namespace ON namespace.oid = parent.relnamespace
                WHERE parent.relname = 'requests' AND namespace.nspname = current_schema()
                  AND child.relname ~ '^requests_[0-9]{8}$'
                ORDER BY child.relname
                """, as: String.self, "list the day partitions")
            let cutoff = "requests_" + day.description.replacingOccurrences(of: "-", with: "")
            let old = names.filter { $0 < cutoff }
            for name in old {
                // Names come from the catalogue and match ^requests_[0-9]{8}$: safe to splice.
                try await database.run(PostgresQuery(unsafeSQL: "DROP TABLE \(name)"), "drop the partition \(name)")
            }
            return old
        }
    }
}
