import Foundation
import GRDB
import Meterbook
import NIOCore
import PostgresNIO

/// The central PostgreSQL store as an attempt source: `report`, `export`, `trace`, `check` over it run the very
/// engine they run over SQLite (same scanner, same grouping and counting), only the rows come from PostgreSQL.
/// Archives do not exist centrally: this is the only source.
///
/// The source protocol is synchronous, postgres-nio is not. Each operation sends its query and waits on the
/// returned `EventLoopFuture`; rows are handed to a callback on the connection's event loop as they arrive
/// (binary format, only the columns needed, never collected). Waiting blocks the calling thread, so callers run
/// these on a thread of their own, never on Swift's cooperative pool (see `CentralReader.run`).
package struct PostgresSource: AttemptSource {
    package let database: CentralDatabase
    /// A second connection for reads that split their range in two (tallies); nil: one connection only.
    let spare: SpareConnection?

    package init(database: CentralDatabase, spare: SpareConnection? = nil) {
        self.database = database
        self.spare = spare
    }

    package var name: String { "the central store \(database.settings)" }

    package func coveredDays() throws -> ClosedRange<UTCDay>? {
        var first: Int64?, last: Int64?
        try stream("SELECT min(started_at), max(started_at) FROM requests", [], "read the range of days held") { row in
            var cells = row.makeIterator()
            first = cells.next()?.int
            last = cells.next()?.int
        }
        guard let first, let last else { return nil }
        return UTCDay(containing: first)...UTCDay(containing: last)
    }

    package func distinctValues(of grouping: Grouping, range: Range<Int64>, limit: Int) throws -> [String] {
        let column = grouping.columnSQL(.postgres)
        var values: [String] = []
        try stream("""
            SELECT value FROM (SELECT DISTINCT \(column) AS value FROM requests WHERE started_at >= $1 AND started_at < $2) AS seen
            WHERE value IS NOT NULL ORDER BY value COLLATE "C" LIMIT $3
            """, [range.lowerBound, range.upperBound, Int64(limit)], "list the values of \(grouping.name)") { row in
            if let text = row.first?.string { values.append(text) }
        }
        return values
    }

    /// The WHERE clause of a range and filter, placeholders numbered from $1, and its binds.
    static func scope(_ range: Range<Int64>, _ filter: AttemptFilter) -> (sql: String, binds: [any DatabaseValueConvertible]) {
        let filterSQL = filter.sql(.postgres, firstPlaceholder: 3)
        return ((["started_at >= $1", "started_at < $2"] + filterSQL.conditions).joined(separator: " AND "),
                [range.lowerBound, range.upperBound] + filterSQL.arguments)
    }

    // MARK: Tally

    /// Only what the scanner reads: `ok` computed by the server (one byte instead of a text), the call id only for
    /// attempts that are not their call's only attempt (most rows then carry no 36-byte id). Each row comes as one
    /// record (`ROW(...)`), read field by field from its bytes: postgres-nio builds a `PostgresCell` per cell,
    /// and for fifteen cells per attempt that was most of a report's time.
    package func tally(range: Range<Int64>, filter: AttemptFilter, plan: UsagePlan) throws -> UsageTallies {
        // Two halves of the range at once, over two connections: PostgreSQL's work for a report (scanning,
        // building and sending a record per attempt) is most of its time, and one connection uses one core.
        // The halves' tallies merge as two sources' do (a call may straddle the middle).
        let width = range.upperBound - range.lowerBound
        guard width >= 2 * 3_600_000, let second = spare?.database() else { return try tallyOnce(range: range, filter: filter, plan: plan) }
        let middle = range.lowerBound + width / 2
        let halves = try CentralReader.alongside {
            try PostgresSource(database: second).tallyOnce(range: middle..<range.upperBound, filter: filter, plan: plan)
        } while: {
            try tallyOnce(range: range.lowerBound..<middle, filter: filter, plan: plan)
        }
        halves.first.merge(halves.second)
        return halves.first
    }

    private func tallyOnce(range: Range<Int64>, filter: AttemptFilter, plan: UsagePlan) throws -> UsageTallies {
        let scope = Self.scope(range, filter)
        let keys = plan.columns.map { ", (" + $0.columnSQL(.postgres) + ")::text" }.joined()
        let sql = """
            SELECT ROW(final, CASE WHEN final = 1 AND attempt = 1 THEN NULL ELSE call_id END, input_tokens, output_tokens,
                   cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_usd, latency_ms, ttft_ms, attempt, status,
                   outcome = 'ok', started_at\(keys))
            FROM requests WHERE \(scope.sql)
            """
        let scanner = Box(UsageScanner(plan: plan))
        let keyCount = plan.columns.count
        try stream(sql, scope.binds, "tally the attempts") { row in
            var cells = row.makeIterator()
            guard let record = cells.next()?.bytes else { return }
            try record.withUnsafeReadableBytes { raw in
                var fields = BinaryRecord(raw)
                let final = fields.int() ?? 0
                let callID = fields.next()
                let input = Int(fields.int() ?? 0), output = Int(fields.int() ?? 0)
                let cached = Int(fields.int() ?? 0), cacheWrite = Int(fields.int() ?? 0), reasoning = Int(fields.int() ?? 0)
                let cost = fields.double(), latency = fields.double(), ttft = fields.double()
                let attempt = fields.int() ?? 0, status = fields.int() ?? 0
                let ok = fields.bool()
                let startedAt = fields.int() ?? 0
                for column in 0..<keyCount {
                    let text = fields.next()
                    scanner.value.key(column, text?.baseAddress, count: text?.count ?? 0)
                }
                try scanner.value.add(startedAt: startedAt, final: final != 0, attempt: attempt, callID: callID, status: status, ok: ok,
                                      input: input, output: output, cached: cached, cacheWrite: cacheWrite, reasoning: reasoning,
                                      cost: cost, latency: latency, ttft: ttft)
            }
        }
        return scanner.value.finish()
    }

    // MARK: Export

    /// Rows in time order (then by source and recording order), each cell handed to the encoder as it arrives.
    package func export(range: Range<Int64>, filter: AttemptFilter, columns: [String], encoder: inout any RowEncoder, sink: ByteSink) throws -> Int {
        let scope = Self.scope(range, filter)
        let state = Box((encoder: encoder, rows: 0))
        defer { encoder = state.value.encoder }
        try stream("SELECT \(columns.joined(separator: ", ")) FROM requests WHERE \(scope.sql) ORDER BY started_at, source_id, id",
                   scope.binds, "export the attempts") { row in
            try state.value.encoder.beginRow(sink: sink)
            for cell in row {
                try state.value.encoder.cell(cell, sink: sink)
            }
            try state.value.encoder.endRow(sink: sink)
            state.value.rows += 1
        }
        return state.value.rows
    }

    // MARK: Trace

    package func trace(id: String) throws -> TraceMatch? {
        for column in TraceMatch.searchedColumns {
            var callID: String?
            try stream("SELECT call_id FROM requests WHERE \(column) = $1 ORDER BY started_at DESC LIMIT 1", [id], "look up \(column)") { row in
                callID = row.first?.string
            }
            guard let callID else { continue }
            return TraceMatch(id: id, matchedColumn: column, callID: callID, attempts: try attempts(callID: callID))
        }
        return nil
    }

    package func attempts(callID: String, near days: ClosedRange<UTCDay>) throws -> [AttemptRecord] {
        try attempts(callID: callID)
    }

    func attempts(callID: String) throws -> [AttemptRecord] {
        let columns = ["id"] + AttemptRecord.columnNames
        var records: [AttemptRecord] = []
        try stream("SELECT \(columns.joined(separator: ", ")) FROM requests WHERE call_id = $1 ORDER BY started_at, attempt, id",
                   [callID], "read the attempts of call \(callID)") { row in
            var values: [String: (any DatabaseValueConvertible)?] = [:]
            for (name, cell) in zip(columns, row) {
                values[name] = cell.databaseValue
            }
            records.append(AttemptRecord(row: Row(values)))
        }
        return records
    }

    // MARK: Running statements

    /// Sends one statement and calls `onRow` for each row on the event loop, blocking this thread until the last.
    /// `onRow` runs on one thread at a time and strictly before this returns, so the state it touches needs no lock.
    func stream(_ sql: String, _ binds: [any DatabaseValueConvertible], _ what: String, onRow: @escaping (PostgresRow) throws -> Void) throws {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind.databaseValue.storage {
            case .null: bindings.appendNull()
            case .int64(let value): bindings.append(value)
            case .double(let value): bindings.append(value)
            case .string(let value): bindings.append(value)
            case .blob(let value): bindings.append(ByteBuffer(bytes: value))
            }
        }
        let callback = UncheckedCallback(onRow)
        do {
            _ = try database.connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: database.logger) { row in
                try callback.body(row)
            }.wait()
        } catch let error as PSQLError {
            throw CentralStoreError(.server, "PostgreSQL at \(database.settings) failed to \(what): \(CentralDatabase.describe(error)).")
        }
    }
}

/// A value touched by a row callback on the event loop while the calling thread waits, then read by that thread
/// after the wait: never concurrently, hence unchecked.
final class Box<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// A row callback that captures non-Sendable state; it runs only while its caller waits (see `Box`).
private struct UncheckedCallback: @unchecked Sendable {
    let body: (PostgresRow) throws -> Void
    init(_ body: @escaping (PostgresRow) throws -> Void) { self.body = body }
}
