import Foundation

/// A finished usage report: what every renderer (table, JSON, CSV, Markdown, HTML) draws, so all formats carry
/// the same numbers.
public struct UsageReport: Sendable {
    public var days: DayRange
    public var groupings: [Grouping]
    public var filter: AttemptFilter
    public var generatedAt: Date
    public var rows: [UsageRow]
    public var totals: UsageRow
    /// The HTML charts' data, when asked for.
    public var charts: Charts?
    /// Why a report is empty, in a sentence or two (shown by the table, Markdown and HTML; stderr otherwise).
    public var notes: [String] = []

    /// The breakdowns the HTML charts draw, computed in the same pass as the rows.
    public struct Charts: Sendable {
        /// `day`, or `hour` for ranges of two days or less.
        public var timeGrouping: Grouping
        public var byTimeAndDeployment: [UsageRow]
        public var byTime: [UsageRow]
        public var byDeployment: [UsageRow]
    }

    public init(days: DayRange, groupings: [Grouping], filter: AttemptFilter, generatedAt: Date, rows: [UsageRow],
                totals: UsageRow, charts: Charts? = nil, notes: [String] = []) {
        self.days = days
        self.groupings = groupings
        self.filter = filter
        self.generatedAt = generatedAt
        self.rows = rows
        self.totals = totals
        self.charts = charts
        self.notes = notes
    }

    /// Builds the report over whole UTC days from the database and its archives (rollups; the archive files in
    /// `archiveDirectory`, default `archive/` beside the database, when the rollups do not hold a grouping or filter).
    public static func build(store: MeterbookStore, archiveDirectory: String? = nil, days: DayRange, groupings: [Grouping] = [.deployment],
                             filter: AttemptFilter = AttemptFilter(), charts: Bool = false, now: Date = Date()) throws -> UsageReport {
        try build(sources: store.sources(archiveDirectory: archiveDirectory), days: days, groupings: groupings, filter: filter, charts: charts, now: now)
    }

    package static func build(sources: [any AttemptSource], days: DayRange, groupings: [Grouping], filter: AttemptFilter,
                      charts wantsCharts: Bool, now: Date) throws -> UsageReport {
        let query = UsageQuery(days: days, groupings: groupings, filter: filter)
        let timeGrouping: Grouping = days.dayCount <= 2 ? .hour : .day
        let chartSets: [[Grouping]] = wantsCharts ? [[timeGrouping, .deployment], [timeGrouping], [.deployment]] : []
        let result = try query.run(on: sources, breakdowns: chartSets)
        var report = UsageReport(days: days, groupings: groupings, filter: filter, generatedAt: now, rows: result.rows, totals: result.totals)
        if wantsCharts {
            report.charts = Charts(timeGrouping: timeGrouping, byTimeAndDeployment: result.breakdowns[chartSets[0]] ?? [],
                                   byTime: result.breakdowns[chartSets[1]] ?? [], byDeployment: result.breakdowns[chartSets[2]] ?? [])
        }
        if result.totals.requests == 0 {
            report.notes = try emptyNotes(sources: sources, days: days, filter: filter)
        }
        return report
    }

    /// Says why nothing matched: which filtered values do exist in the range, or which days hold attempts at all.
    static func emptyNotes(sources: [any AttemptSource], days: DayRange, filter: AttemptFilter) throws -> [String] {
        func seen(_ grouping: Grouping) throws -> [String] {
            Array(Set(try sources.flatMap { try $0.distinctValues(of: grouping, range: days.bounds, limit: 20) })).sorted()
        }
        func list(_ values: [String]) -> String {
            values.isEmpty ? "none" : values.prefix(20).joined(separator: ", ")
        }
        guard !filter.isEmpty else {
            let covered = try sources.compactMap { try $0.coveredDays() }
            guard let first = covered.map(\.lowerBound).min(), let last = covered.map(\.upperBound).max() else {
                return ["No attempts recorded yet: the database is empty."]
            }
            return ["No attempts from \(days.description) (UTC); attempts exist from \(first) to \(last): pass --from/--to."]
        }
        var notes = ["No attempts match \(filter.summary) from \(days.description) (UTC)."]
        if !filter.deployments.isEmpty { notes.append("Deployments with attempts then: \(list(try seen(.deployment))).") }
        if !filter.models.isEmpty { notes.append("Models with attempts then: \(list(try seen(.model))).") }
        if !filter.endpoints.isEmpty { notes.append("Endpoints with attempts then: \(list(try seen(.endpoint))).") }
        for key in filter.tags.keys.sorted() {
            notes.append("Values of tag \(key) then: \(list(try seen(.tag(key)))).")
        }
        return notes
    }
}
