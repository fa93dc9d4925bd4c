import Foundation
import GRDB

/// Exact report figures of closed UTC days still in the database, so a report over them need not read their
/// attempts: per day × deployment × model × endpoint, every count and sum of a `GroupTally`, the keys of the
/// retried calls, and the latencies and times to first token, sorted. A summary is what a scan of that day would
/// tally, stored; a report merges it with the scanned rest of its range exactly as it merges parallel scan slices,
/// so calls stay distinct across days and groups and percentiles stay exact nearest-rank values.
///
/// Writers (`meterbook rotate`, automatic rotation) build them; reports only read them. A summary is used only
/// while its day's row in `summary_days` is there and complete, and every Meterbook write to `requests` (the
/// recorder's inserts, a retry clearing `final`, `reprice`, rotation, restore) deletes the rows of the days it
/// touches in its own transaction (`forget`). A build claims its days before reading them, so a write that lands
/// while it reads removes the claim and that day's summary is not stored.
public enum DaySummaries {
    /// What summaries hold and how they are encoded; summaries of another format are ignored and rebuilt.
    static let format = 1

    /// How long after its end a day is summarized: attempts of calls running at midnight are stored when they end.
    /// (A row that arrives later still only costs a rebuild: the write forgets the day's summary.)
    public static let settleMilliseconds: Int64 = 15 * 60_000

    /// The finest groups a summary keeps; a report whose groupings and filters are made of these can use it.
    static let plan = try! UsagePlan(groupingSets: [[.day, .deployment, .model, .endpoint]])

    /// Whether summaries can answer a report: grouped by day or not by time, by deployment, model and endpoint
    /// only, and filtered on those only (a status, outcome or tag filter needs the attempts themselves).
    static func answers(plan: UsagePlan, filter: AttemptFilter) -> Bool {
        plan.timeUnit != .hour
            && plan.columns.allSatisfy { [.deployment, .model, .endpoint].contains($0) }
            && filter.tags.isEmpty && filter.statuses.isEmpty && filter.outcomes.isEmpty
    }

    // MARK: Building

    /// Summarizes every day from `first` (default: the first day with attempts) through the last closed one that
    /// has live attempts and no valid summary; returns the days summarized. Reads one day at a time.
    @discardableResult
    public static func build(store: MeterbookStore, from first: UTCDay? = nil, now: Date = Date()) throws -> [UTCDay] {
        try build(store: store, from: first, now: now, afterReading: { _ in })
    }

    /// `afterReading` runs between reading a day and storing its summary (tests write there).
    static func build(store: MeterbookStore, from first: UTCDay?, now: Date, afterReading: (UTCDay) throws -> Void) throws -> [UTCDay] {
        let nowMs = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        let lastClosed = UTCDay(containing: nowMs - settleMilliseconds).adding(days: -1)
        let token = Int64.random(in: 1...Int64.max)
        // Looked up outside a write transaction, so a run with nothing to do never waits for the write lock.
        let due: [UTCDay] = try store.read { db in
            let valid = Set(try Int64.fetchAll(db, sql: "SELECT day FROM summary_days WHERE complete = 1 AND format = ?", arguments: [format]))
            var days: [UTCDay] = []
            var from = first?.startMs ?? Int64.min
            // Each lookup finds the next day with attempts: one index seek per day.
            while let next = try Int64.fetchOne(db, sql: "SELECT min(started_at) FROM requests WHERE started_at >= ?", arguments: [from]) {
                let day = UTCDay(containing: next)
                guard day <= lastClosed else { break }
                if !valid.contains(day.daysSinceEpoch) { days.append(day) }
                from = day.endMs
            }
            return days
        }
        guard !due.isEmpty else { return [] }
        // Claim first: from this commit on, a write to a claimed day deletes its claim.
        try store.write { db in
            for day in due {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO summary_days (day, token, format, complete, rows, built_at) VALUES (?, ?, ?, 0, 0, ?)
                    """, arguments: [day.daysSinceEpoch, token, format, nowMs])
            }
        }
        var built: [UTCDay] = []
        for day in due {
            let tallies = try store.read { db in try DatabaseSource.scan(db, range: day.startMs..<day.endMs, filter: AttemptFilter(), plan: plan) }
            let groups = tallies.groups.map { key, tally in Group(key: key, tally: tally) }
            try afterReading(day)
            let stored = try store.write { db -> Bool in
                // Still claimed by this build: no write has touched the day since the claim.
                guard let claim = try Row.fetchOne(db, sql: "SELECT token, complete FROM summary_days WHERE day = ?", arguments: [day.daysSinceEpoch]),
                      claim["token"] == token, claim["complete"] == 0 else { return false }
                try db.execute(sql: "DELETE FROM summary_groups WHERE day = ?", arguments: [day.daysSinceEpoch])
                for group in groups { try group.insert(db, day: day, token: token) }
                try db.execute(sql: "UPDATE summary_days SET complete = 1, rows = ? WHERE day = ?",
                               arguments: [groups.reduce(0) { $0 + $1.tally.requests }, day.daysSinceEpoch])
                return true
            }
            if stored { built.append(day) }
        }
        return built
    }

    // MARK: Reading

    /// The valid summaries of the whole days inside `range`, tallied as `plan` keys them and narrowed by `filter`
    /// (which `answers` must accept), and the days they cover. No days for a database without summaries (an older
    /// schema read as it is).
    static func read(_ db: Database, range: Range<Int64>, filter: AttemptFilter, plan: UsagePlan) throws -> (days: [UTCDay], tallies: UsageTallies) {
        let tallies = UsageTallies(plan: plan)
        var first = UTCDay(containing: range.lowerBound)
        if first.startMs < range.lowerBound { first = first.adding(days: 1) }
        let last = UTCDay(containing: range.upperBound).adding(days: -1)
        guard first <= last, try db.tableExists("summary_days") else { return ([], tallies) }
        let days = try Int64.fetchAll(db, sql: """
            SELECT day FROM summary_days WHERE complete = 1 AND format = ? AND day >= ? AND day <= ? ORDER BY day
            """, arguments: [format, first.daysSinceEpoch, last.daysSinceEpoch]).map(UTCDay.init(daysSinceEpoch:))
        guard !days.isEmpty else { return ([], tallies) }
        var conditions = ["d.complete = 1", "d.format = ?", "d.day >= ?", "d.day <= ?"]
        var arguments: [any DatabaseValueConvertible] = [format, first.daysSinceEpoch, last.daysSinceEpoch]
        for (column, values) in [("deployment", filter.deployments), ("model", filter.models), ("endpoint", filter.endpoints)] where !values.isEmpty {
            conditions.append("g.\(column) IN (\(values.map { _ in "?" }.joined(separator: ", ")))")
            arguments.append(contentsOf: values)
        }
        try Group.read(db, where: conditions.joined(separator: " AND "), arguments: StatementArguments(arguments)) { day, values, tally in
            let keyValues = plan.columns.map { grouping -> String? in
                switch grouping {
                case .deployment: return values[0]
                case .model: return values[1]
                case .endpoint: return values[2]
                default: return nil
                }
            }
            tallies.add(tally, for: TallyKey(bucket: plan.timeUnit == .day ? day.daysSinceEpoch : 0, values: keyValues))
        }
        return (days, tallies)
    }

    /// The parts of `range` outside `days` (sorted, each inside the range), in order.
    static func uncovered(_ range: Range<Int64>, by days: [UTCDay]) -> [Range<Int64>] {
        var pieces: [Range<Int64>] = []
        var start = range.lowerBound
        for day in days {
            if day.startMs > start { pieces.append(start..<day.startMs) }
            start = max(start, day.endMs)
        }
        if start < range.upperBound { pieces.append(start..<range.upperBound) }
        return pieces
    }

    // MARK: Forgetting

    /// Deletes every summary: reports read the attempts again until the next build.
    public static func forgetAll(store: MeterbookStore) throws {
        try store.write { db in
            try db.execute(sql: "DELETE FROM summary_days")
            try db.execute(sql: "DELETE FROM summary_groups")
        }
    }

    /// Deletes the summaries of `days`: rows of theirs were written, changed or removed. Call inside the writing
    /// transaction.
    static func forget(_ db: Database, days: some Sequence<UTCDay>) throws {
        for day in Set(days) {
            try db.execute(sql: "DELETE FROM summary_days WHERE day = ?", arguments: [day.daysSinceEpoch])
            try db.execute(sql: "DELETE FROM summary_groups WHERE day = ?", arguments: [day.daysSinceEpoch])
        }
    }

    /// Deletes the summaries of the days holding these `started_at` values (rows just inserted or updated). Rows of
    /// days after the last summarized one, what recording writes, cost one lookup.
    static func forget<Times: Collection<Int64>>(_ db: Database, rowsStartedAt times: Times) throws {
        guard let earliest = times.min(),
              let latest = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(day) FROM summary_days")),
              UTCDay(containing: earliest).daysSinceEpoch <= latest else { return }
        try forget(db, days: times.map(UTCDay.init(containing:)).filter { $0.daysSinceEpoch <= latest })
    }
}
