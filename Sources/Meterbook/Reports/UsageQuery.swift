import Foundation

/// Which attempts to aggregate and how to group them: the engine under `report`, `check` and `demo`.
public struct UsageQuery: Sendable {
    /// Epoch milliseconds, half-open.
    public var range: Range<Int64>
    public var groupings: [Grouping]
    public var filter: AttemptFilter

    public init(range: Range<Int64>, groupings: [Grouping] = [.deployment], filter: AttemptFilter = AttemptFilter()) {
        self.range = range
        self.groupings = groupings
        self.filter = filter
    }

    public init(days: DayRange, groupings: [Grouping] = [.deployment], filter: AttemptFilter = AttemptFilter()) {
        self.init(range: days.bounds, groupings: groupings, filter: filter)
    }

    /// What one pass over the attempts produced.
    public struct Result: Sendable {
        public var rows: [UsageRow]
        public var totals: UsageRow
        /// The rows of each extra grouping set asked for, by that set.
        public var breakdowns: [[Grouping]: [UsageRow]]
    }

    /// Reads the attempts once and returns the rows, the totals and each extra grouping set's rows.
    /// Percentiles and call counts are exact over the attempts in range (not summed from sub-groups).
    /// Archived days are read from their rollups (or their archive files in `archiveDirectory`, default `archive/`
    /// beside the database, when the rollups do not hold a grouping or filter).
    public func run(on store: MeterbookStore, archiveDirectory: String? = nil, breakdowns: [[Grouping]] = []) throws -> Result {
        try run(on: store.sources(archiveDirectory: archiveDirectory), breakdowns: breakdowns)
    }

    package func run(on sources: [any AttemptSource], breakdowns: [[Grouping]] = []) throws -> Result {
        let plan = try UsagePlan(groupingSets: [groupings] + breakdowns)
        let tallies = UsageTallies(plan: plan)
        for source in sources {
            tallies.merge(try source.tally(range: range, filter: filter, plan: plan))
        }
        var extra: [[Grouping]: [UsageRow]] = [:]
        for set in breakdowns { extra[set] = tallies.rows(for: set) }
        return Result(rows: tallies.rows(for: groupings), totals: tallies.rows(for: [])[0], breakdowns: extra)
    }
}
