import Foundation
import GRDB

/// The archived days as an attempt source: rollups answer reports whose groupings and filters they hold
/// (day, deployment, model, endpoint, status class); anything finer (hours, tags, one status, outcomes), exports
/// and traces read the archive files themselves.
struct ArchiveSource: AttemptSource {
    let store: MeterbookStore
    let directory: String
    /// Days `trace` looks at (`--since/--until`); nil for all.
    var days: ClosedRange<UTCDay>? = nil

    var name: String { "the archives in \(directory)" }

    func entries() throws -> [ArchiveEntry] {
        try store.read { db in try ArchiveEntry.all(db) }.filter { entry in days.map { $0.contains(entry.day) } ?? true }
    }

    func coveredDays() throws -> ClosedRange<UTCDay>? {
        let all = try entries()
        guard let first = all.first?.day, let last = all.last?.day else { return nil }
        return first...last
    }

    /// Whether the rollups hold what the plan groups by and the filter selects on.
    static func rollupsAnswer(plan: UsagePlan, filter: AttemptFilter) -> Bool {
        plan.timeUnit != .hour
            && plan.columns.allSatisfy { [.deployment, .model, .endpoint].contains($0) }
            && filter.tags.isEmpty && filter.outcomes.isEmpty
            && filter.statuses.allSatisfy { if case .family = $0 { return true } else { return false } }
    }

    func tally(range: Range<Int64>, filter: AttemptFilter, plan: UsagePlan) throws -> UsageTallies {
        if Self.rollupsAnswer(plan: plan, filter: filter) {
            return try tallyRollups(range: range, filter: filter, plan: plan)
        }
        let tallies = UsageTallies(plan: plan)
        try scan(range: range) { record in
            if filter.matches(record) { tallies.add(record) }
        }
        return tallies
    }

    private func tallyRollups(range: Range<Int64>, filter: AttemptFilter, plan: UsagePlan) throws -> UsageTallies {
        let tallies = UsageTallies(plan: plan)
        let first = UTCDay(containing: range.lowerBound)
        let last = UTCDay(containing: range.upperBound - 1)
        var conditions = ["day >= ?", "day <= ?"]
        var arguments: [any DatabaseValueConvertible] = [first.description, last.description]
        func anyOf(_ column: String, _ values: [String]) {
            guard !values.isEmpty else { return }
            conditions.append("\(column) IN (\(values.map { _ in "?" }.joined(separator: ", ")))")
            arguments.append(contentsOf: values)
        }
        anyOf("deployment", filter.deployments)
        anyOf("model", filter.models)
        anyOf("endpoint", filter.endpoints)
        anyOf("status_class", filter.statuses.map(\.description))
        // Read by position: a year of rollups is tens of thousands of rows, and a lookup by name compares names.
        let columns = ["day", "deployment", "model", "endpoint", "requests", "calls", "open_call_ids", "succeeded", "failed", "throttled",
                       "server_errors", "input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens",
                       "cost_usd", "priced_requests", "unpriced_requests", "latency_histogram", "ttft_histogram"]
        let rows = try store.read { db -> [Row] in
            guard try db.tableExists("rollups") else { return [] }
            return try Row.fetchAll(db, sql: "SELECT \(columns.joined(separator: ", ")) FROM rollups WHERE \(conditions.joined(separator: " AND "))",
                                    arguments: StatementArguments(arguments))
        }
        for row in rows {
            guard let day = UTCDay(iso: row[0]) else { continue }
            let values = plan.columns.map { grouping -> String? in
                switch grouping {
                case .deployment: return row[1]
                case .model: return row[2]
                case .endpoint: return row[3]
                default: return nil
                }
            }
            let tally = GroupTally()
            tally.requests = row[4]
            tally.singleAttemptCalls = row[5]
            // `.init`: whatever the tally keys calls by (the id, or a hash of it), built from the id text.
            tally.retriedCallIDs.formUnion(DayRollup.decodeIDs(row[6] ?? "").map { .init($0) })
            tally.succeeded = row[7]
            tally.failed = row[8]
            tally.throttled = row[9]
            tally.serverErrors = row[10]
            tally.inputTokens = row[11]
            tally.outputTokens = row[12]
            tally.cachedInputTokens = row[13]
            tally.cacheWriteTokens = row[14]
            tally.reasoningTokens = row[15]
            tally.cost.add(row[16] ?? 0)
            tally.pricedRequests = row[17]
            tally.unpricedRequests = row[18]
            tally.latencyHistogram = LatencyHistogram(encoded: row[19] ?? "")
            tally.ttftHistogram = LatencyHistogram(encoded: row[20] ?? "")
            let bucket = plan.timeUnit == .day ? day.daysSinceEpoch : 0
            tallies.add(tally, for: TallyKey(bucket: bucket, values: values))
        }
        return tallies
    }

    /// Reads every archive that may hold attempts in `range`, oldest first, and hands over those in range.
    func scan(range: Range<Int64>, _ body: (AttemptRecord) throws -> Void) throws {
        for entry in try entries() where entry.lastStartedAt >= range.lowerBound && entry.firstStartedAt < range.upperBound {
            try lines(of: entry) { line in
                if range.contains(line.startedAt) { try body(line.record) }
                return true
            }
        }
    }

    func path(of entry: ArchiveEntry) -> String {
        (directory as NSString).appendingPathComponent(entry.path)
    }

    /// Parses each line of one archive; `body` returns false to stop.
    func lines(of entry: ArchiveEntry, _ body: (ArchiveLine) throws -> Bool) throws {
        let path = path(of: entry)
        try rawLines(of: entry) { bytes in try body(try ArchiveLine(bytes, path: path)) }
    }

    /// Each line of one archive as bytes; `body` returns false to stop.
    func rawLines(of entry: ArchiveEntry, _ body: (UnsafeBufferPointer<UInt8>) throws -> Bool) throws {
        let reader = try GzipReader(path: path(of: entry))
        try reader.forEachLine(body)
    }

    func export(range: Range<Int64>, filter: AttemptFilter, columns: [String], encoder: inout any RowEncoder, sink: ByteSink) throws -> Int {
        var rows = 0
        for entry in try entries() where entry.lastStartedAt >= range.lowerBound && entry.firstStartedAt < range.upperBound {
            try lines(of: entry) { line in
                guard range.contains(line.startedAt), filter.isEmpty || filter.matches(line.record) else { return true }
                try encoder.beginRow(sink: sink)
                for column in columns {
                    switch line.values[column]?.storage ?? .null {
                    case .null: try encoder.cell(.null, sink: sink)
                    case .int64(let value): try encoder.cell(.integer(value), sink: sink)
                    case .double(let value): try encoder.cell(.real(value), sink: sink)
                    case .string(let text): try encoder.cell(text: text, sink: sink)
                    case .blob: try encoder.cell(.null, sink: sink)
                    }
                }
                try encoder.endRow(sink: sink)
                rows += 1
                return true
            }
        }
        return rows
    }

    /// Newest archive first; archives whose ID filter rules the ID out are never opened.
    func trace(id: String) throws -> TraceMatch? {
        let needle = Array(id.utf8)
        let value = id.databaseValue
        for entry in try entries().reversed() where entry.idFilter?.mayContain(id) ?? true {
            var match: (column: String, callID: String)?
            let path = path(of: entry)
            try rawLines(of: entry) { bytes in
                // Only lines holding the ID's bytes are parsed.
                guard Self.contains(bytes, needle) else { return true }
                let line = try ArchiveLine(bytes, path: path)
                for column in TraceMatch.searchedColumns where line.values[column] == value {
                    match = (column, String.fromDatabaseValue(line.values["call_id"] ?? .null) ?? id)
                    return false
                }
                return true
            }
            if let match {
                let attempts = try attempts(callID: match.callID, near: entry.day.adding(days: -1)...entry.day.adding(days: 1))
                return TraceMatch(id: id, matchedColumn: match.column, callID: match.callID, attempts: attempts)
            }
        }
        return nil
    }

    /// The archived attempts of a call, from the archives of `days` whose ID filter may hold it.
    func attempts(callID: String, near days: ClosedRange<UTCDay>) throws -> [AttemptRecord] {
        let needle = Array(callID.utf8)
        let value = callID.databaseValue
        var attempts: [AttemptRecord] = []
        for entry in try entries() where days.contains(entry.day) && (entry.idFilter?.mayContain(callID) ?? true) {
            let path = path(of: entry)
            try rawLines(of: entry) { bytes in
                guard Self.contains(bytes, needle) else { return true }
                let line = try ArchiveLine(bytes, path: path)
                if line.values["call_id"] == value { attempts.append(line.record) }
                return true
            }
        }
        return attempts
    }

    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return needle.isEmpty }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = 1
                while matched < needle.count, haystack[index + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
            }
            index += 1
        }
        return false
    }

    func distinctValues(of grouping: Grouping, range: Range<Int64>, limit: Int) throws -> [String] {
        var values = Set<String>()
        switch grouping {
        case .deployment, .model, .endpoint:
            let column = grouping.columnSQL
            let rows = try store.read { db -> [String] in
                guard try db.tableExists("rollups") else { return [] }
                return try String.fetchAll(db, sql: "SELECT DISTINCT \(column) FROM rollups WHERE day >= ? AND day <= ? AND \(column) IS NOT NULL ORDER BY 1 LIMIT ?",
                                           arguments: [UTCDay(containing: range.lowerBound).description, UTCDay(containing: range.upperBound - 1).description, limit])
            }
            values.formUnion(rows)
        default:
            return []
        }
        return values.sorted()
    }
}
