/// What a scan keys its tallies by: the union of the groupings of every grouping set asked for in one pass
/// (the report's `--by`, the totals, and the HTML charts' breakdowns).
package struct UsagePlan: Sendable, Equatable {
    package enum TimeUnit: Sendable, Equatable {
        case day, hour

        var milliseconds: Int64 { self == .day ? UTCDay.milliseconds : 3_600_000 }
    }

    /// The finest time bucket any set needs (hours also give days).
    package var timeUnit: TimeUnit?
    /// Column groupings (deployment, model, endpoint, tags), in first-seen order.
    package var columns: [Grouping]

    /// Tag keys and columns beyond this many make no readable report; the scan packs keys into fixed slots.
    static let maxColumns = 7

    init(groupingSets: [[Grouping]]) throws {
        let all = groupingSets.flatMap { $0 }
        timeUnit = all.contains(.hour) ? .hour : (all.contains(.day) ? .day : nil)
        var columns: [Grouping] = []
        for grouping in all where !grouping.isTime && !columns.contains(grouping) { columns.append(grouping) }
        guard columns.count <= Self.maxColumns else {
            throw ReportInputError("--by takes at most \(Self.maxColumns) of deployment, model, endpoint and tag:KEY (got \(columns.count)).")
        }
        self.columns = columns
    }

    /// The time bucket of an instant (floor division: whole days or hours since 1970).
    func bucket(_ epochMs: Int64) -> Int64 {
        guard let timeUnit else { return 0 }
        let (quotient, remainder) = epochMs.quotientAndRemainder(dividingBy: timeUnit.milliseconds)
        return remainder < 0 ? quotient - 1 : quotient
    }

    /// The key text of a time grouping for a bucket of this plan's unit.
    func timeText(_ grouping: Grouping, bucket: Int64) -> String {
        let hours = timeUnit == .hour ? bucket : bucket * 24
        let day = UTCDay(daysSinceEpoch: hours >= 0 ? hours / 24 : (hours - 23) / 24)
        if grouping == .day { return day.description }
        let hour = hours - day.daysSinceEpoch * 24
        return "\(day)T\(hour < 10 ? "0" : "")\(hour):00Z"
    }
}

/// The key of the finest group a scan tallies: a time bucket and one value per plan column (nil for NULL).
struct TallyKey: Hashable, Sendable {
    var bucket: Int64
    var values: [String?]
}
