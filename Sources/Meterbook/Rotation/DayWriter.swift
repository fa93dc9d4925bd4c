import Foundation
import GRDB
import GRDBSQLite

/// Writes one day's attempts as a gzip archive (the export's NDJSON: every contract column, `tags` as an object)
/// and summarises the same rows (rollups, ID filter, id and time bounds) in the same pass over SQLite, in one read
/// transaction, so the file and the summary see exactly the same rows.
enum DayWriter {
    struct Written {
        var rows = 0
        var bytes = 0
        var rawBytes = 0
        var sha256 = ""
        var firstStartedAt = Int64.max
        var lastStartedAt = Int64.min
        var firstID = Int64.max
        var lastID = Int64.min
        var filter: IDFilter
        var rollup: DayRollup
    }

    static func write(day: UTCDay, expectedRows: Int, to path: String, store: MeterbookStore) throws -> Written {
        let writer = try GzipWriter(path: path, level: ArchiveRotation.compressionLevel, strategy: ArchiveRotation.compressionStrategy)
        do {
            var written = try store.read { db -> Written in
                // Up to five IDs per attempt; most have three or four.
                var written = Written(filter: IDFilter(capacity: max(1, expectedRows) * 4), rollup: DayRollup(day: day))
                let range = day.startMs..<day.endMs
                guard let (first, last) = try DatabaseSource.idBounds(db, range) else { return written }
                let sink = ByteSink { chunk in try writer.write(chunk) }
                var encoder = NDJSONRowEncoder()
                let columns = AttemptExport.columns
                try encoder.begin(columns: columns, sink: sink)
                let scope = DatabaseSource.scope(range, AttemptFilter())
                let statement = try DatabaseSource.idScan(db, columns: columns, scopeSQL: scope.sql)
                try statement.setArguments(DatabaseSource.idScanArguments(first...last, scope.arguments))
                let summary = SummaryColumns(columns)
                let rows = try DatabaseSource.writeRows(statement, db: db, columns: columns, encoder: &encoder, sink: sink) { handle in
                    summary.add(handle, to: &written)
                }
                written.rows = rows
                try sink.flush()
                written.rollup.closeCalls()
                return written
            }
            written.sha256 = try writer.finish()
            written.bytes = writer.compressedBytes
            written.rawBytes = writer.rawBytes
            return written
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    /// Where the columns the rollup and ID filter read sit in the archive's column list, read straight from
    /// SQLite's buffers.
    private struct SummaryColumns {
        let id, callID, attempt, final, startedAt, endpoint, deployment, model, status, outcome, latency, ttft: Int32
        let inputTokens, outputTokens, totalTokens, cachedInputTokens, cacheWriteTokens, reasoningTokens, cost: Int32
        /// response_id, request_id, apim_request_id, upstream_request_id.
        let otherIDs: [Int32]

        init(_ columns: [String]) {
            func index(_ name: String) -> Int32 { Int32(columns.firstIndex(of: name)!) }
            id = index("id")
            callID = index("call_id")
            attempt = index("attempt")
            final = index("final")
            startedAt = index("started_at")
            endpoint = index("endpoint")
            deployment = index("deployment")
            model = index("model")
            status = index("status")
            outcome = index("outcome")
            latency = index("latency_ms")
            ttft = index("ttft_ms")
            inputTokens = index("input_tokens")
            outputTokens = index("output_tokens")
            totalTokens = index("total_tokens")
            cachedInputTokens = index("cached_input_tokens")
            cacheWriteTokens = index("cache_write_tokens")
            reasoningTokens = index("reasoning_tokens")
            cost = index("cost_usd")
            otherIDs = ["response_id", "request_id", "apim_request_id", "upstream_request_id"].map(index)
        }

        func add(_ handle: OpaquePointer, to written: inout Written) {
            func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
                guard let text = sqlite3_column_text(handle, column) else { return nil }
                return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column)))
            }
            func text(_ column: Int32) -> String? { bytes(column).map { String(decoding: $0, as: UTF8.self) } }
            func integer(_ column: Int32) -> Int? {
                sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(handle, column))
            }
            func real(_ column: Int32) -> Double? {
                sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_double(handle, column)
            }
            let callIDText = text(callID) ?? ""
            var record = AttemptRecord(callID: callIDText, attempt: integer(attempt) ?? 1, final: (integer(final) ?? 1) != 0,
                                       startedAt: sqlite3_column_int64(handle, startedAt), provider: .other, api: .other,
                                       endpoint: text(endpoint) ?? "", deployment: text(deployment), path: "", status: integer(status) ?? 0,
                                       outcome: text(outcome).flatMap(Outcome.init(rawValue:)) ?? .httpError)
            record.model = text(model)
            record.latencyMs = real(latency)
            record.ttftMs = real(ttft)
            record.inputTokens = integer(inputTokens)
            record.outputTokens = integer(outputTokens)
            record.totalTokens = integer(totalTokens)
            record.cachedInputTokens = integer(cachedInputTokens)
            record.cacheWriteTokens = integer(cacheWriteTokens)
            record.reasoningTokens = integer(reasoningTokens)
            record.costUSD = real(cost)
            written.rollup.add(record)

            let rowID = sqlite3_column_int64(handle, id)
            written.firstID = min(written.firstID, rowID)
            written.lastID = max(written.lastID, rowID)
            written.firstStartedAt = min(written.firstStartedAt, record.startedAt)
            written.lastStartedAt = max(written.lastStartedAt, record.startedAt)
            if !callIDText.isEmpty { written.filter.insert(callIDText) }
            for column in otherIDs {
                if let id = bytes(column), !id.isEmpty { written.filter.insert(id) }
            }
        }
    }
}
