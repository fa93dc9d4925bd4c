import Foundation
import Meterbook
import NIOCore
import PostgresNIO

/// The SQLite file rows come from: its identity (`meta.source_id`) and where it lives.
public struct ShipSource: Sendable, Equatable {
    public var id: UUID
    public var host: String
    public var database: String

    public init(id: UUID, host: String, database: String) {
        self.id = id
        self.host = host
        self.database = database
    }
}

/// Writes attempts into the central `requests` table as idempotent upserts. Shipping a row twice (a retried batch,
/// two shippers of one file, an archive of rows already shipped live) leaves one row, holding the newest values of
/// what can change after recording (`final` when a retry arrived later, `cost_usd` after a reprice).
///
/// A batch of new rows, the usual case, is copied straight into `requests`. When the store already has one of them
/// that COPY fails on the primary key; the batch is then rolled back to a savepoint and copied into a staging table,
/// from which one `INSERT ... ON CONFLICT DO NOTHING` and an `UPDATE` of the rows it had take it.
public enum CentralWriter {
    /// The central table's columns in COPY order: the source, then the contract's columns.
    static let columns = ["source_id", "id", "source_host", "source_db"] + AttemptRecord.columnNames
    /// How long before a retry its call's earlier attempts are looked for. Attempts of one call come minutes apart
    /// (SDK back-off, the proxy's 10-minute retry window); the bound lets the lookup skip older days' partitions.
    static let retryLookBack: Int64 = 86_400_000

    /// Upserts `records` (each with its local `id`) of `source` in one transaction; returns how many rows were new.
    @discardableResult
    public static func upsert(_ records: [AttemptRecord], from source: ShipSource, into database: CentralDatabase) async throws -> Int {
        guard !records.isEmpty else { return 0 }
        let batch = try CopyBatch(records, from: source)
        return try await database.transaction("ship \(records.count) attempts") { try await write(batch, from: source, into: $0) }
    }

    /// Upserts a batch already in COPY form; returns how many rows were new. Must run inside a transaction (the
    /// shipper's, which moves the shipped position in the same commit).
    static func write(_ batch: CopyBatch, from source: ShipSource, into database: CentralDatabase) async throws -> Int {
        guard batch.count > 0 else { return 0 }
        try await database.run("SELECT meterbook_day_partition(day) FROM unnest(\(batch.dayStarts.sorted())::bigint[]) AS day", "create the day partitions")

        try await database.run("SAVEPOINT ship_batch", "start a batch of \(batch.count) attempts")
        let inserted: Int
        if try await copy(batch, into: "requests", database) {
            try await database.run("RELEASE SAVEPOINT ship_batch", "finish a batch of \(batch.count) attempts")
            inserted = batch.count
        } else {
            try await database.run("ROLLBACK TO SAVEPOINT ship_batch", "go back to the start of a batch of \(batch.count) attempts")
            inserted = try await upsertThroughStaging(batch, database)
        }

        // A retry recorded in this batch ends the call; its earlier attempts, shipped before it arrived, are not final.
        if !batch.retriedCalls.isEmpty {
            let calls = Array(batch.retriedCalls.keys)
            let attempts = calls.map { batch.retriedCalls[$0] ?? 0 }
            try await database.run("""
                UPDATE requests AS earlier SET final = 0
                FROM unnest(\(calls)::text[], \(attempts)::bigint[]) AS retried(call_id, attempt)
                WHERE earlier.source_id = \(source.id) AND earlier.call_id = retried.call_id
                  AND earlier.attempt < retried.attempt AND earlier.final = 1
                  AND earlier.started_at BETWEEN \(batch.earliestRetry - retryLookBack) AND \(batch.latestRetry)
                """, "mark retried attempts as not final")
        }
        return inserted
    }

    /// Upserts archived rows of one UTC `day`, most of which the store usually has already (they were shipped live
    /// before rotation moved them): it is asked which ids it holds, and only the others are copied; rows it holds
    /// get the `final` and `cost_usd` they have now where those differ. Inside a transaction, as `write`.
    static func writeArchived(_ records: [AttemptRecord], day: UTCDay, from source: ShipSource, into database: CentralDatabase) async throws -> Int {
        guard !records.isEmpty else { return 0 }
        let ids = records.map { $0.id ?? 0 }
        var held: [Int64: (final: Int, cost: Double?)] = [:]
        held.reserveCapacity(records.count)
        do {
            // The primary key (source_id, id, started_at), within the day's partition.
            let rows = try await database.connection.query("""
                SELECT id, final, cost_usd FROM requests
                WHERE source_id = \(source.id) AND id = ANY(\(ids)) AND started_at >= \(day.startMs) AND started_at < \(day.adding(days: 1).startMs)
                """, logger: database.logger)
            for try await (id, final, cost) in rows.decode((Int64, Int, Double?).self) {
                held[id] = (final, cost)
            }
        } catch {
            throw CentralStoreError(.server, "PostgreSQL at \(database.settings) failed to look up the archived attempts of \(day): \(CentralDatabase.describe(error)).")
        }
        let missing = records.filter { held[$0.id ?? 0] == nil }
        let changed = records.filter { record in
            guard let shipped = held[record.id ?? 0] else { return false }
            return shipped.final != (record.final ? 1 : 0) || shipped.cost != record.costUSD
        }
        if !changed.isEmpty {
            try await database.run("""
                UPDATE requests AS shipped SET final = now.final, cost_usd = NULLIF(now.cost_usd, '')::double precision
                FROM unnest(\(changed.map { $0.id ?? 0 }), \(changed.map { $0.final ? 1 : 0 }), \(changed.map { $0.costUSD.map { "\($0)" } ?? "" }))
                     AS now(id, final, cost_usd)
                WHERE shipped.source_id = \(source.id) AND shipped.id = now.id
                  AND shipped.started_at >= \(day.startMs) AND shipped.started_at < \(day.adding(days: 1).startMs)
                """, "refresh attempts shipped before")
        }
        return try await write(try CopyBatch(missing, from: source), from: source, into: database)
    }

    /// COPYs the batch into `table`; false when a row's primary key is there already (the transaction is then in
    /// error until rolled back to a savepoint).
    private static func copy(_ batch: CopyBatch, into table: String, _ database: CentralDatabase) async throws -> Bool {
        do {
            try await database.connection.copyFrom(table: table, columns: columns, logger: database.logger) { writer in
                // The whole batch as one CopyData message, handed to the socket at once (NIO buffers what the kernel
                // does not take yet). Several messages back to back made postgres-nio wait for the socket to drain
                // between them, and it sometimes missed the moment it did: the COPY then hung, both sides waiting.
                try await writer.write(batch.data)
            }
            return true
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            return false
        } catch {
            throw CentralStoreError(.server, "PostgreSQL at \(database.settings) failed to take a batch of \(batch.count) attempts: \(CentralDatabase.describe(error)).")
        }
    }

    /// The batch through a session-wide staging table: new rows inserted, rows shipped before refreshed.
    private static func upsertThroughStaging(_ batch: CopyBatch, _ database: CentralDatabase) async throws -> Int {
        // Emptied before and after: a batch that failed and is retried on the same connection leaves nothing behind.
        try await database.run("CREATE TEMP TABLE IF NOT EXISTS incoming_requests (LIKE requests INCLUDING DEFAULTS)", "create the staging table")
        try await database.run("TRUNCATE incoming_requests", "empty the staging table")
        guard try await copy(batch, into: "incoming_requests", database) else {
            throw CentralStoreError(.server, "PostgreSQL at \(database.settings) refused a batch of \(batch.count) attempts into its staging table.")
        }
        let inserted = try await database.values("""
            WITH inserted AS (
                INSERT INTO requests SELECT * FROM incoming_requests ON CONFLICT (source_id, id, started_at) DO NOTHING RETURNING 1
            )
            SELECT count(*) FROM inserted
            """, as: Int.self, "insert a batch of \(batch.count) attempts").first ?? 0
        if inserted < batch.count {
            try await database.run("""
                UPDATE requests AS shipped SET final = incoming.final, cost_usd = incoming.cost_usd
                FROM incoming_requests AS incoming
                WHERE shipped.source_id = incoming.source_id AND shipped.id = incoming.id AND shipped.started_at = incoming.started_at
                  AND (shipped.final IS DISTINCT FROM incoming.final OR shipped.cost_usd IS DISTINCT FROM incoming.cost_usd)
                """, "refresh attempts shipped before")
        }
        try await database.run("TRUNCATE incoming_requests", "empty the staging table")
        return inserted
    }
}
