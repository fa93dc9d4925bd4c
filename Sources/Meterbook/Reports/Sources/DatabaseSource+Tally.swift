import Foundation
import GRDB
import GRDBSQLite

extension DatabaseSource {
    /// Takes the whole days of the range that have a valid day summary from it (when the plan and filter allow),
    /// and scans the rest; the parts merge as parallel slices do.
    func tally(range: Range<Int64>, filter: AttemptFilter, plan: UsagePlan) throws -> UsageTallies {
        guard DaySummaries.answers(plan: plan, filter: filter) else { return try scan(range: range, filter: filter, plan: plan) }
        let summarized = try store.read { db in try DaySummaries.read(db, range: range, filter: filter, plan: plan) }
        let tallies = summarized.tallies
        for piece in DaySummaries.uncovered(range, by: summarized.days) {
            tallies.merge(try scan(range: piece, filter: filter, plan: plan))
        }
        return tallies
    }

    /// Scans the range in time slices on parallel read connections (WAL readers do not block each other), each
    /// over the `requests_report` covering index, then merges the slices' tallies.
    func scan(range: Range<Int64>, filter: AttemptFilter, plan: UsagePlan) throws -> UsageTallies {
        let slices = Self.slices(of: range)
        let results = SliceResults(count: slices.count)
        DispatchQueue.concurrentPerform(iterations: slices.count) { index in
            do {
                let tallies = try store.read { db in try Self.scan(db, range: slices[index], filter: filter, plan: plan) }
                results.set(index, .success(tallies))
            } catch {
                results.set(index, .failure(error))
            }
        }
        let merged = UsageTallies(plan: plan)
        for result in results.all {
            merged.merge(try result.get())
        }
        return merged
    }

    /// One slice per core for ranges over a day; a day or less is read in one go (threads cost more than they save).
    static func slices(of range: Range<Int64>) -> [Range<Int64>] {
        let cores = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let length = range.upperBound - range.lowerBound
        guard cores > 1, length > UTCDay.milliseconds else { return [range] }
        let step = (length + Int64(cores) - 1) / Int64(cores)
        return stride(from: range.lowerBound, to: range.upperBound, by: Int(step)).map { start in
            start..<min(start + step, range.upperBound)
        }
    }

    // Column positions in the scan's SELECT; the time column and key columns follow only when the plan needs them.
    private enum Column {
        static let final: Int32 = 0, callID: Int32 = 1, input: Int32 = 2, output: Int32 = 3, cached: Int32 = 4
        static let cacheWrite: Int32 = 5, reasoning: Int32 = 6, cost: Int32 = 7, latency: Int32 = 8, ttft: Int32 = 9
        static let attempt: Int32 = 10, status: Int32 = 11, outcome: Int32 = 12
        static let afterFixed: Int32 = 13
    }

    /// Every column here is in the `requests_report` index, so SQLite never reads the table rows. Plain columns,
    /// tested in Swift: an SQL expression per row (`outcome = 'ok'`, ...) costs SQLite more than the API calls.
    static func scanSQL(where condition: String, plan: UsagePlan) -> String {
        let time = plan.timeUnit == nil ? "" : ", started_at"
        let keyColumns = plan.columns.map { ", " + $0.columnSQL }.joined()
        return """
            SELECT final, call_id, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
                   cost_usd, latency_ms, ttft_ms, attempt, status, outcome\(time)\(keyColumns)
            FROM requests WHERE \(condition)
            """
    }

    static func scan(_ db: Database, range: Range<Int64>, filter: AttemptFilter, plan: UsagePlan) throws -> UsageTallies {
        let scope = scope(range, filter)
        let statement = try db.makeStatement(sql: scanSQL(where: scope.sql, plan: plan))
        try statement.setArguments(scope.arguments)
        let handle = statement.sqliteStatement

        var interners = [KeyInterner](repeating: KeyInterner(), count: plan.columns.count)
        var index = GroupIndex(columns: plan.columns.count)
        let usesTime = plan.timeUnit != nil
        let bucketMs = plan.timeUnit?.milliseconds ?? 1
        let firstKey = Column.afterFixed + (usesTime ? 1 : 0)

        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            var bucket: Int64 = 0
            if usesTime {
                let startedAt = sqlite3_column_int64(handle, Column.afterFixed)
                bucket = startedAt >= 0 ? startedAt / bucketMs : (startedAt - bucketMs + 1) / bucketMs
            }
            var ids = SIMD8<Int32>()
            for key in 0..<interners.count {
                let column = firstKey + Int32(key)
                ids[key + 1] = interners[key].intern(sqlite3_column_text(handle, column), count: Int(sqlite3_column_bytes(handle, column)))
            }
            let tally = try index.tally(bucket: bucket, ids: ids)

            tally.requests += 1
            let final = sqlite3_column_int64(handle, Column.final) != 0
            if final, sqlite3_column_int64(handle, Column.attempt) == 1 {
                // The only attempt of its call: counted without a set.
                tally.singleAttemptCalls += 1
            } else if let text = sqlite3_column_text(handle, Column.callID) {
                let count = Int(sqlite3_column_bytes(handle, Column.callID))
                tally.retriedCallIDs.insert(CallKey(UnsafeBufferPointer(start: text, count: count)))
            }
            if final {
                if Self.isOK(handle, Column.outcome) { tally.succeeded += 1 } else { tally.failed += 1 }
            }
            let status = sqlite3_column_int64(handle, Column.status)
            if status == 429 { tally.throttled += 1 }
            if status >= 500 { tally.serverErrors += 1 }
            // NULL reads as 0, which is what a sum wants.
            let input = Int(sqlite3_column_int64(handle, Column.input))
            let output = Int(sqlite3_column_int64(handle, Column.output))
            tally.inputTokens += input
            tally.outputTokens += output
            tally.cachedInputTokens += Int(sqlite3_column_int64(handle, Column.cached))
            tally.cacheWriteTokens += Int(sqlite3_column_int64(handle, Column.cacheWrite))
            tally.reasoningTokens += Int(sqlite3_column_int64(handle, Column.reasoning))
            if sqlite3_column_type(handle, Column.cost) != SQLITE_NULL {
                tally.cost.add(sqlite3_column_double(handle, Column.cost))
                tally.pricedRequests += 1
            } else if input + output > 0 {
                tally.unpricedRequests += 1
            }
            if sqlite3_column_type(handle, Column.latency) != SQLITE_NULL {
                tally.latencies.append(sqlite3_column_double(handle, Column.latency))
            }
            if sqlite3_column_type(handle, Column.ttft) != SQLITE_NULL {
                tally.ttfts.append(sqlite3_column_double(handle, Column.ttft))
            }
        }

        // Key ids become Strings once per group, not per row.
        let result = UsageTallies(plan: plan)
        for (position, tally) in index.tallies.enumerated() {
            let values = interners.indices.map { interners[$0].value(index.ids[position][$0 + 1]) }
            result.add(tally, for: TallyKey(bucket: index.buckets[position], values: values))
        }
        return result
    }
}

extension DatabaseSource {
    /// Whether a text column holds `ok`, compared in SQLite's buffer.
    @inline(__always)
    static func isOK(_ handle: OpaquePointer, _ column: Int32) -> Bool {
        guard sqlite3_column_bytes(handle, column) == 2, let text = sqlite3_column_text(handle, column) else { return false }
        return text[0] == UInt8(ascii: "o") && text[1] == UInt8(ascii: "k")
    }
}

/// Results written by concurrent slice scans; each index is written once, by one thread, under the lock.
private final class SliceResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<UsageTallies, Error>]

    init(count: Int) {
        results = Array(repeating: .failure(CancellationError()), count: count)
    }

    func set(_ index: Int, _ result: Result<UsageTallies, Error>) {
        lock.withLock { results[index] = result }
    }

    var all: [Result<UsageTallies, Error>] { lock.withLock { results } }
}
