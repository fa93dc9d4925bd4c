/// The per-row step of a tally scan for a source that decodes its own rows (PostgreSQL): the same interning,
/// group index and counting rules as the SQLite scan, so every store gives the same numbers by construction.
/// Feed a row as `key(...)` for each plan column (in plan order), then `add(...)`; `finish()` returns the tallies.
package struct UsageScanner {
    package let plan: UsagePlan
    private var interners: [KeyInterner]
    private var index: GroupIndex
    private var ids = SIMD8<Int32>()
    private let bucketMs: Int64?

    package init(plan: UsagePlan) {
        self.plan = plan
        interners = [KeyInterner](repeating: KeyInterner(), count: plan.columns.count)
        index = GroupIndex(columns: plan.columns.count)
        bucketMs = plan.timeUnit?.milliseconds
    }

    /// The text of plan column `column` for the current row (nil pointer for NULL).
    @inline(__always)
    package mutating func key(_ column: Int, _ pointer: UnsafePointer<UInt8>?, count: Int) {
        ids[column + 1] = interners[column].intern(pointer, count: count)
    }

    /// Counts one attempt. NULL tokens are 0; a NULL cost, latency or TTFT is nil. `callID` is read only for
    /// attempts that are not the only attempt of their call.
    @inline(__always)
    package mutating func add(startedAt: Int64, final: Bool, attempt: Int64, callID: UnsafeBufferPointer<UInt8>?, status: Int64, ok: Bool,
                              input: Int, output: Int, cached: Int, cacheWrite: Int, reasoning: Int,
                              cost: Double?, latency: Double?, ttft: Double?) throws {
        var bucket: Int64 = 0
        if let bucketMs {
            bucket = startedAt >= 0 ? startedAt / bucketMs : (startedAt - bucketMs + 1) / bucketMs
        }
        let tally = try index.tally(bucket: bucket, ids: ids)
        tally.requests += 1
        if final, attempt == 1 {
            tally.singleAttemptCalls += 1
        } else if let callID {
            tally.retriedCallIDs.insert(CallKey(callID))
        }
        if final {
            if ok { tally.succeeded += 1 } else { tally.failed += 1 }
        }
        if status == 429 { tally.throttled += 1 }
        if status >= 500 { tally.serverErrors += 1 }
        tally.inputTokens += input
        tally.outputTokens += output
        tally.cachedInputTokens += cached
        tally.cacheWriteTokens += cacheWrite
        tally.reasoningTokens += reasoning
        if let cost {
            tally.cost.add(cost)
            tally.pricedRequests += 1
        } else if input + output > 0 {
            tally.unpricedRequests += 1
        }
        if let latency { tally.latencies.append(latency) }
        if let ttft { tally.ttfts.append(ttft) }
    }

    /// The tallies of every row fed, keyed as the plan says (key ids become Strings once per group).
    package func finish() -> UsageTallies {
        let result = UsageTallies(plan: plan)
        for (position, tally) in index.tallies.enumerated() {
            let values = interners.indices.map { interners[$0].value(index.ids[position][$0 + 1]) }
            result.add(tally, for: TallyKey(bucket: index.buckets[position], values: values))
        }
        return result
    }
}
