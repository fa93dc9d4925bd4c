import Foundation
import GRDB
import GRDBSQLite

extension DatabaseSource {
    /// Scans the range in time slices on parallel read connections (WAL readers do not block each other), each
    /// over the `requests_report` covering index, then merges the slices' tallies.
    func tally(range: Range<Int64>, filter: AttemptFilter, plan: UsagePlan) throws -> UsageTallies {
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

    // Column positions in the scan's SELECT.
    private enum Column {
        static let startedAt: Int32 = 0, attempt: Int32 = 1, final: Int32 = 2, ok: Int32 = 3, status: Int32 = 4
        static let input: Int32 = 5, output: Int32 = 6, cached: Int32 = 7, cacheWrite: Int32 = 8, reasoning: Int32 = 9
        static let cost: Int32 = 10, latency: Int32 = 11, ttft: Int32 = 12, callID: Int32 = 13, firstKey: Int32 = 14
    }

    /// Every column here is in the `requests_report` index, so SQLite never reads the table rows.
    static func scanSQL(where condition: String, plan: UsagePlan) -> String {
        let keyColumns = plan.columns.map { ", " + $0.columnSQL }.joined()
        return """
            SELECT started_at, attempt, final, outcome = 'ok', status, input_tokens, output_tokens, cached_input_tokens,
                   cache_write_tokens, reasoning_tokens, cost_usd, latency_ms, ttft_ms, call_id\(keyColumns)
            FROM requests WHERE \(condition)
            """
    }

    static func scan(_ db: Database, range: Range<Int64>, filter: AttemptFilter, plan: UsagePlan) throws -> UsageTallies {
        let scope = scope(range, filter)
        let statement = try db.makeStatement(sql: scanSQL(where: scope.sql, plan: plan))
        try statement.setArguments(scope.arguments)
        let handle = statement.sqliteStatement

        let result = UsageTallies(plan: plan)
        var interners = [KeyInterner](repeating: KeyInterner(), count: plan.columns.count)
        // Finest groups by their packed key ids; turned into TallyKeys (with Strings) once, at the end.
        var byIDs: [SIMD8<Int32>: GroupTally] = [:]
        var buckets: [SIMD8<Int32>: Int64] = [:]
        let usesTime = plan.timeUnit != nil
        let bucketMs = plan.timeUnit?.milliseconds ?? 1

        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            var ids = SIMD8<Int32>()
            var bucket: Int64 = 0
            if usesTime {
                let startedAt = sqlite3_column_int64(handle, Column.startedAt)
                bucket = startedAt >= 0 ? startedAt / bucketMs : (startedAt - bucketMs + 1) / bucketMs
                ids[0] = Int32(truncatingIfNeeded: bucket)
            }
            for index in 0..<interners.count {
                let column = Column.firstKey + Int32(index)
                let text = sqlite3_column_text(handle, column)
                ids[index + 1] = interners[index].intern(text, count: Int(sqlite3_column_bytes(handle, column)))
            }
            let tally: GroupTally
            if let existing = byIDs[ids] {
                tally = existing
            } else {
                tally = GroupTally()
                byIDs[ids] = tally
                buckets[ids] = bucket
            }

            tally.requests += 1
            let attempt = sqlite3_column_int64(handle, Column.attempt)
            let final = sqlite3_column_int64(handle, Column.final) != 0
            if attempt == 1, final {
                tally.singleAttemptCalls += 1
            } else if let text = sqlite3_column_text(handle, Column.callID) {
                let count = Int(sqlite3_column_bytes(handle, Column.callID))
                tally.retriedCallIDs.insert(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
            }
            if final {
                if sqlite3_column_int64(handle, Column.ok) != 0 { tally.succeeded += 1 } else { tally.failed += 1 }
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

        for (ids, tally) in byIDs {
            let values = interners.indices.map { interners[$0].value(ids[$0 + 1]) }
            result.add(tally, for: TallyKey(bucket: buckets[ids] ?? 0, values: values))
        }
        return result
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
