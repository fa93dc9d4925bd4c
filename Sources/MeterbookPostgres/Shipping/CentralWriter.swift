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

/// Writes attempts into the central `requests` table as idempotent upserts: COPY into a temporary table, then one
/// INSERT ... ON CONFLICT. Shipping a row twice (a retried batch, two shippers of one file, an archive of rows
/// already shipped live) leaves one row, holding the newest values of what can change after recording
/// (`final` when a retry arrived later, `cost_usd` after a reprice).
public enum CentralWriter {
    /// The central table's columns in COPY order: the source, then the contract's columns.
    static let columns = ["source_id", "id", "source_host", "source_db"] + AttemptRecord.columnNames

    /// Upserts `records` (each with its local `id`) of `source`; returns how many rows were new. Call it inside a
    /// transaction (`CentralDatabase.transaction`) to move a shipped position in the same commit.
    @discardableResult
    public static func upsert(_ records: [AttemptRecord], from source: ShipSource, into database: CentralDatabase) async throws -> Int {
        guard !records.isEmpty else { return 0 }
        // A session-wide staging table, emptied before and after each batch (a batch that failed and is retried on the
        // same connection leaves nothing behind).
        try await database.run("CREATE TEMP TABLE IF NOT EXISTS incoming_requests (LIKE requests INCLUDING DEFAULTS)", "create the staging table")
        try await database.run("TRUNCATE incoming_requests", "empty the staging table")
        let dayStarts = Array(Set(records.map { $0.startedAt - (($0.startedAt % 86_400_000) + 86_400_000) % 86_400_000 })).sorted()
        try await database.run("SELECT meterbook_day_partition(day) FROM unnest(\(dayStarts)::bigint[]) AS day", "create the day partitions")

        do {
            try await database.connection.copyFrom(table: "incoming_requests", columns: columns, logger: database.logger) { writer in
                var buffer = ByteBuffer()
                buffer.reserveCapacity(1 << 20)
                for record in records {
                    CopyText.append(record, source: source, to: &buffer)
                    if buffer.readableBytes >= 1 << 20 {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
            }
        } catch let error as CentralStoreError {
            throw error
        } catch {
            throw CentralStoreError(.server, "PostgreSQL at \(database.settings) failed to take a batch of \(records.count) attempts: \(CentralDatabase.describe(error)).")
        }

        let inserted = try await database.values("""
            WITH inserted AS (
                INSERT INTO requests SELECT * FROM incoming_requests ON CONFLICT (source_id, id, started_at) DO NOTHING RETURNING 1
            )
            SELECT count(*) FROM inserted
            """, as: Int.self, "insert a batch of \(records.count) attempts").first ?? 0
        if inserted < records.count {
            // Some rows were shipped before (a retried batch, an archive of rows shipped live): refresh what can change
            // after recording. Skipped when every row was new, the common case.
            try await database.run("""
                UPDATE requests AS shipped SET final = incoming.final, cost_usd = incoming.cost_usd
                FROM incoming_requests AS incoming
                WHERE shipped.source_id = incoming.source_id AND shipped.id = incoming.id AND shipped.started_at = incoming.started_at
                  AND (shipped.final IS DISTINCT FROM incoming.final OR shipped.cost_usd IS DISTINCT FROM incoming.cost_usd)
                """, "refresh attempts shipped before")
        }

        // A retry recorded in this batch ends the call; its earlier attempts, shipped before it arrived, are not final.
        try await database.run("""
            UPDATE requests AS earlier SET final = 0
            FROM (SELECT call_id, max(attempt) AS attempt FROM incoming_requests WHERE attempt > 1 GROUP BY call_id) AS retried
            WHERE earlier.source_id = \(source.id) AND earlier.call_id = retried.call_id
              AND earlier.attempt < retried.attempt AND earlier.final = 1
            """, "mark retried attempts as not final")
        try await database.run("TRUNCATE incoming_requests", "empty the staging table")
        return inserted
    }
}

/// PostgreSQL's COPY text format: tab-separated, `\N` for NULL, backslash escapes for tab, newline, CR, backslash.
enum CopyText {
    static func append(_ record: AttemptRecord, source: ShipSource, to buffer: inout ByteBuffer) {
        var first = true
        func separator() {
            if first { first = false } else { buffer.writeInteger(UInt8(ascii: "\t")) }
        }
        func text(_ value: String?) {
            separator()
            guard let value else { buffer.writeStaticString("\\N"); return }
            var plain = true
            for byte in value.utf8 where byte == 0x5C || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                plain = false
                break
            }
            if plain {
                buffer.writeString(value)
                return
            }
            for byte in value.utf8 {
                switch byte {
                case 0x5C: buffer.writeStaticString("\\\\")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
        func integer<T: BinaryInteger>(_ value: T?) {
            separator()
            guard let value else { buffer.writeStaticString("\\N"); return }
            buffer.writeString(String(value))
        }
        func real(_ value: Double?) {
            separator()
            guard let value, value.isFinite else { buffer.writeStaticString("\\N"); return }
            // Swift prints the shortest text that reads back as the same double.
            buffer.writeString("\(value)")
        }
        text(source.id.uuidString.lowercased())
        integer(record.id ?? 0)
        text(source.host)
        text(source.database)
        text(record.callID)
        integer(record.attempt)
        integer(record.final ? 1 : 0)
        integer(record.startedAt)
        text(record.provider.rawValue)
        text(record.api.rawValue)
        text(record.endpoint)
        text(record.deployment)
        text(record.model)
        text(record.method)
        text(record.path)
        text(record.apiVersion)
        integer(record.stream ? 1 : 0)
        integer(record.status)
        text(record.outcome.rawValue)
        text(record.errorType)
        text(record.errorCode)
        text(record.errorMessage)
        real(record.latencyMs)
        real(record.ttfbMs)
        real(record.ttftMs)
        real(record.dnsMs)
        real(record.connectMs)
        real(record.tlsMs)
        integer(record.requestBytes)
        integer(record.responseBytes)
        integer(record.inputTokens)
        integer(record.outputTokens)
        integer(record.totalTokens)
        integer(record.cachedInputTokens)
        integer(record.cacheWriteTokens)
        integer(record.reasoningTokens)
        text(record.usageJSON)
        real(record.costUSD)
        text(record.responseID)
        text(record.requestID)
        text(record.apimRequestID)
        text(record.upstreamRequestID)
        text(record.region)
        integer(record.retryAfterMs)
        integer(record.ratelimitRemainingRequests)
        integer(record.ratelimitRemainingTokens)
        text(record.tagsJSON)
        buffer.writeInteger(UInt8(ascii: "\n"))
    }
}
