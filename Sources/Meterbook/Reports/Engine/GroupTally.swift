/// The running figures of one group while attempts are read, mergeable across scan chunks and sources.
final class GroupTally {
    var requests = 0
    /// Calls of one attempt (attempt 1 that is final): the only row of their call, so counted without a set.
    var singleAttemptCalls = 0
    /// Call ids of the attempts of retried calls, de-duplicated. With the single-attempt calls above this gives
    /// CONTRACT.md's `calls` (distinct call_id) while only retried calls, a few percent of rows, cost a set insert.
    var retriedCallIDs: Set<CallKey> = []
    var succeeded = 0
    var failed = 0
    var throttled = 0
    var serverErrors = 0
    var inputTokens = 0
    var outputTokens = 0
    var cachedInputTokens = 0
    var cacheWriteTokens = 0
    var reasoningTokens = 0
    var cost = CompensatedSum()
    var pricedRequests = 0
    var unpricedRequests = 0
    var latencies: [Double] = []
    var ttfts: [Double] = []
    /// Call keys, latencies and times to first token of closed days, as day summaries keep them (keys distinct
    /// within their day and group; values sorted): merged by reference, counted and ranked together with the
    /// values above only when the row is made.
    var retriedCallRuns: [[CallKey]] = []
    var latencyRuns: [[Double]] = []
    var ttftRuns: [[Double]] = []
    /// Latencies of archived days, from rollups (no raw values kept): when set, percentiles come from the histogram
    /// with the raw values above added in, within its ±1% bound.
    var latencyHistogram: LatencyHistogram?
    var ttftHistogram: LatencyHistogram?

    /// Adds one attempt given as a record (archives, tests); the database scan sets the fields directly.
    func add(_ record: AttemptRecord) {
        requests += 1
        if record.attempt == 1, record.final {
            singleAttemptCalls += 1
        } else {
            retriedCallIDs.insert(CallKey(record.callID))
        }
        if record.final {
            if record.outcome == .ok { succeeded += 1 } else { failed += 1 }
        }
        if record.status == 429 { throttled += 1 }
        if record.status >= 500 { serverErrors += 1 }
        inputTokens += record.inputTokens ?? 0
        outputTokens += record.outputTokens ?? 0
        cachedInputTokens += record.cachedInputTokens ?? 0
        cacheWriteTokens += record.cacheWriteTokens ?? 0
        reasoningTokens += record.reasoningTokens ?? 0
        if let costUSD = record.costUSD {
            cost.add(costUSD)
            pricedRequests += 1
        } else if (record.inputTokens ?? 0) + (record.outputTokens ?? 0) > 0 {
            unpricedRequests += 1
        }
        if let latency = record.latencyMs { latencies.append(latency) }
        if let ttft = record.ttftMs { ttfts.append(ttft) }
    }

    func merge(_ other: GroupTally) {
        requests += other.requests
        singleAttemptCalls += other.singleAttemptCalls
        retriedCallIDs.formUnion(other.retriedCallIDs)
        succeeded += other.succeeded
        failed += other.failed
        throttled += other.throttled
        serverErrors += other.serverErrors
        inputTokens += other.inputTokens
        outputTokens += other.outputTokens
        cachedInputTokens += other.cachedInputTokens
        cacheWriteTokens += other.cacheWriteTokens
        reasoningTokens += other.reasoningTokens
        cost.add(other.cost)
        pricedRequests += other.pricedRequests
        unpricedRequests += other.unpricedRequests
        latencies.append(contentsOf: other.latencies)
        ttfts.append(contentsOf: other.ttfts)
        retriedCallRuns.append(contentsOf: other.retriedCallRuns)
        latencyRuns.append(contentsOf: other.latencyRuns)
        ttftRuns.append(contentsOf: other.ttftRuns)
        latencyHistogram = Self.merged(latencyHistogram, other.latencyHistogram)
        ttftHistogram = Self.merged(ttftHistogram, other.ttftHistogram)
    }

    private static func merged(_ lhs: LatencyHistogram?, _ rhs: LatencyHistogram?) -> LatencyHistogram? {
        guard var result = lhs else { return rhs }
        if let rhs { result.merge(rhs) }
        return result
    }

    private static func percentiles(_ values: inout [Double], runs: [[Double]], histogram: LatencyHistogram?, _ ps: [Double]) -> [Double?] {
        guard var histogram else {
            return runs.isEmpty ? NearestRank.percentiles(&values, ps) : NearestRank.percentiles(runs: runs, unsorted: &values, ps)
        }
        for value in values { histogram.add(value) }
        for run in runs {
            for value in run { histogram.add(value) }
        }
        return histogram.percentiles(ps)
    }

    /// Distinct calls: the single-attempt ones, plus the retried ones de-duplicated across the set and the runs.
    var calls: Int {
        guard !retriedCallRuns.isEmpty else { return singleAttemptCalls + retriedCallIDs.count }
        var all = retriedCallIDs
        all.reserveCapacity(retriedCallIDs.count + retriedCallRuns.reduce(0) { $0 + $1.count })
        for run in retriedCallRuns { all.formUnion(run) }
        return singleAttemptCalls + all.count
    }

    /// A new tally holding all of `tallies`, its arrays and set sized once.
    static func merged(_ tallies: [GroupTally]) -> GroupTally {
        let result = GroupTally()
        result.latencies.reserveCapacity(tallies.reduce(0) { $0 + $1.latencies.count })
        result.ttfts.reserveCapacity(tallies.reduce(0) { $0 + $1.ttfts.count })
        result.retriedCallIDs.reserveCapacity(tallies.reduce(0) { $0 + $1.retriedCallIDs.count })
        for tally in tallies { result.merge(tally) }
        return result
    }

    /// The finished row; percentiles reorder this tally's value arrays.
    func row(keys: [String: String?]) -> UsageRow {
        var row = UsageRow(
            keys: keys, calls: calls, requests: requests, succeeded: succeeded,
            failed: failed, throttled: throttled, serverErrors: serverErrors, inputTokens: inputTokens,
            outputTokens: outputTokens, cachedInputTokens: cachedInputTokens, cacheWriteTokens: cacheWriteTokens,
            reasoningTokens: reasoningTokens, costUSD: pricedRequests > 0 ? cost.value : nil, unpricedRequests: unpricedRequests
        )
        let latency = Self.percentiles(&latencies, runs: latencyRuns, histogram: latencyHistogram, [50, 95, 99])
        row.latencyP50Ms = latency[0]
        row.latencyP95Ms = latency[1]
        row.latencyP99Ms = latency[2]
        row.ttftP50Ms = Self.percentiles(&ttfts, runs: ttftRuns, histogram: ttftHistogram, [50])[0]
        return row
    }
}
