/// Tallies per finest group: what a source's scan returns. Grouping sets are projections of these, so one pass
/// over the attempts serves the rows, the totals and every chart of a report.
package final class UsageTallies {
    let plan: UsagePlan
    private(set) var groups: [TallyKey: GroupTally] = [:]

    package init(plan: UsagePlan) {
        self.plan = plan
    }

    func tally(for key: TallyKey) -> GroupTally {
        if let existing = groups[key] { return existing }
        let tally = GroupTally()
        groups[key] = tally
        return tally
    }

    /// Adds one attempt given as a record (a source that parses rows itself); the filter is the caller's job.
    func add(_ record: AttemptRecord) {
        let values = plan.columns.map { grouping -> String? in
            switch grouping {
            case .deployment: return record.deployment
            case .model: return record.model
            case .endpoint: return record.endpoint
            case .tag(let key): return record.tags[key]
            case .day, .hour: return nil
            }
        }
        tally(for: TallyKey(bucket: plan.bucket(record.startedAt), values: values)).add(record)
    }

    /// Takes `tally` as the group's, or merges it into the group's existing one.
    func add(_ tally: GroupTally, for key: TallyKey) {
        if let existing = groups[key] { existing.merge(tally) } else { groups[key] = tally }
    }

    package func merge(_ other: UsageTallies) {
        for (key, tally) in other.groups { add(tally, for: key) }
    }

    var isEmpty: Bool { groups.isEmpty }

    /// The rows of one grouping set (the keys of each row named as `--by` names them), sorted: by time when
    /// grouped by time, then most expensive first, then by key. An empty set gives one totals row.
    func rows(for groupings: [Grouping]) -> [UsageRow] {
        var members: [[String?]: [GroupTally]] = [:]
        for (key, tally) in groups {
            let values = groupings.map { grouping -> String? in
                if grouping.isTime { return plan.timeText(grouping, bucket: key.bucket) }
                return plan.columns.firstIndex(of: grouping).flatMap { key.values[$0] }
            }
            members[values, default: []].append(tally)
        }
        if groupings.isEmpty, members.isEmpty { members[[]] = [GroupTally()] }
        // A group made of one finest tally is read in place (percentiles only reorder its values); several are
        // merged into a new tally, so no finest tally is changed for the next projection.
        let projected = members.mapValues { $0.count == 1 ? $0[0] : GroupTally.merged($0) }
        let rows = projected.map { values, tally in
            var keys: [String: String?] = [:]
            for (grouping, value) in zip(groupings, values) { keys.updateValue(value, forKey: grouping.name) }
            return (values, tally.row(keys: keys))
        }
        let timeIndex = groupings.firstIndex(where: \.isTime)
        return rows.sorted { lhs, rhs in
            if let timeIndex, lhs.0[timeIndex] != rhs.0[timeIndex] {
                return (lhs.0[timeIndex] ?? "") < (rhs.0[timeIndex] ?? "")
            }
            let leftCost = lhs.1.costUSD ?? -1
            let rightCost = rhs.1.costUSD ?? -1
            if leftCost != rightCost { return leftCost > rightCost }
            for (left, right) in zip(lhs.0, rhs.0) where left != right {
                guard let left else { return false }
                guard let right else { return true }
                return left < right
            }
            return false
        }.map(\.1)
    }
}
