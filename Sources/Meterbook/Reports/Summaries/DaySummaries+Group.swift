import Foundation
import GRDB
import GRDBSQLite

extension DaySummaries {
    /// One row of `summary_groups`: a day's tally of one deployment × model × endpoint. Call keys are stored as
    /// 16 bytes each, latencies and times to first token as sorted 8-byte doubles, all little-endian.
    struct Group {
        var key: TallyKey
        var tally: GroupTally

        static let columns = [
            "requests", "single_attempt_calls", "succeeded", "failed", "throttled", "server_errors", "input_tokens", "output_tokens",
            "cached_input_tokens", "cache_write_tokens", "reasoning_tokens", "cost_sum", "cost_compensation", "priced_requests",
            "unpriced_requests", "retried_calls", "latencies", "ttfts",
        ]

        func insert(_ db: Database, day: UTCDay, token: Int64) throws {
            var latencies = tally.latencies
            var ttfts = tally.ttfts
            NearestRank.canonicalizeZeros(&latencies)
            NearestRank.canonicalizeZeros(&ttfts)
            latencies.sort()
            ttfts.sort()
            let names = ["day", "token", "deployment", "model", "endpoint"] + Self.columns
            let values: [(any DatabaseValueConvertible)?] = [
                day.daysSinceEpoch, token, key.values[0], key.values[1], key.values[2],
                tally.requests, tally.singleAttemptCalls, tally.succeeded, tally.failed, tally.throttled, tally.serverErrors,
                tally.inputTokens, tally.outputTokens, tally.cachedInputTokens, tally.cacheWriteTokens, tally.reasoningTokens,
                tally.cost.sum, tally.cost.compensation, tally.pricedRequests, tally.unpricedRequests,
                Self.encode(Array(tally.retriedCallIDs)), Self.encode(latencies), Self.encode(ttfts),
            ]
            try db.execute(sql: "INSERT INTO summary_groups (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                           arguments: StatementArguments(values))
        }

        /// Reads the groups of valid summaries (`summary_groups g` joined to `summary_days d`, narrowed by
        /// `condition`), handing each to `body` with its day and its deployment, model and endpoint.
        static func read(_ db: Database, where condition: String, arguments: StatementArguments,
                         _ body: (UTCDay, [String?], GroupTally) throws -> Void) throws {
            let statement = try db.makeStatement(sql: """
                SELECT g.day, g.deployment, g.model, g.endpoint, \(columns.map { "g." + $0 }.joined(separator: ", "))
                FROM summary_groups g JOIN summary_days d ON d.day = g.day AND d.token = g.token
                WHERE \(condition)
                """)
            try statement.setArguments(arguments)
            let handle = statement.sqliteStatement
            func text(_ column: Int32) -> String? {
                sqlite3_column_text(handle, column).map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
                }
            }
            func integer(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
            func blob(_ column: Int32) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(start: sqlite3_column_blob(handle, column), count: Int(sqlite3_column_bytes(handle, column)))
            }
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
                let day = UTCDay(daysSinceEpoch: sqlite3_column_int64(handle, 0))
                let tally = GroupTally()
                tally.requests = integer(4)
                tally.singleAttemptCalls = integer(5)
                tally.succeeded = integer(6)
                tally.failed = integer(7)
                tally.throttled = integer(8)
                tally.serverErrors = integer(9)
                tally.inputTokens = integer(10)
                tally.outputTokens = integer(11)
                tally.cachedInputTokens = integer(12)
                tally.cacheWriteTokens = integer(13)
                tally.reasoningTokens = integer(14)
                tally.cost = CompensatedSum(sum: sqlite3_column_double(handle, 15), compensation: sqlite3_column_double(handle, 16))
                tally.pricedRequests = integer(17)
                tally.unpricedRequests = integer(18)
                let calls = decodeCallKeys(blob(19))
                if !calls.isEmpty { tally.retriedCallRuns = [calls] }
                let latencies = decodeDoubles(blob(20))
                if !latencies.isEmpty { tally.latencyRuns = [latencies] }
                let ttfts = decodeDoubles(blob(21))
                if !ttfts.isEmpty { tally.ttftRuns = [ttfts] }
                try body(day, [text(1), text(2), text(3)], tally)
            }
        }

        static func encode(_ values: [Double]) -> Data {
            var data = Data(count: values.count * 8)
            data.withUnsafeMutableBytes { raw in
                for (index, value) in values.enumerated() {
                    raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: index * 8, as: UInt64.self)
                }
            }
            return data
        }

        static func encode(_ keys: [CallKey]) -> Data {
            var data = Data(count: keys.count * 16)
            data.withUnsafeMutableBytes { raw in
                for (index, key) in keys.enumerated() {
                    raw.storeBytes(of: key.high.littleEndian, toByteOffset: index * 16, as: UInt64.self)
                    raw.storeBytes(of: key.low.littleEndian, toByteOffset: index * 16 + 8, as: UInt64.self)
                }
            }
            return data
        }

        static func decodeDoubles(_ bytes: UnsafeRawBufferPointer) -> [Double] {
            let count = bytes.count / 8
            return [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count {
                    buffer[index] = Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)))
                }
                initialized = count
            }
        }

        static func decodeCallKeys(_ bytes: UnsafeRawBufferPointer) -> [CallKey] {
            let count = bytes.count / 16
            return [CallKey](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count {
                    buffer[index] = CallKey(high: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 16, as: UInt64.self)),
                                            low: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 16 + 8, as: UInt64.self)))
                }
                initialized = count
            }
        }
    }
}
