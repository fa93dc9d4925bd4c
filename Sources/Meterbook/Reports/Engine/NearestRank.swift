/// Exact nearest-rank percentiles: the smallest value with at least p% of the values at or below it.
enum NearestRank {
    /// The 1-based rank of percentile `p` among `count` values.
    static func rank(_ p: Double, count: Int) -> Int {
        min(max(Int((p / 100 * Double(count)).rounded(.up)), 1), count)
    }

    /// Percentiles of `values` (reordered in place), by selection rather than a full sort: a 30-day report
    /// over millions of attempts only needs three order statistics per group.
    static func percentiles(_ values: inout [Double], _ ps: [Double]) -> [Double?] {
        guard !values.isEmpty else { return ps.map { _ in nil } }
        let ranks = ps.map { rank($0, count: values.count) - 1 }
        var results = [Double?](repeating: nil, count: ps.count)
        // Ascending ranks: once the k-th is in place, everything after it is >= it, so the next search starts there.
        var lower = 0
        for index in ranks.indices.sorted(by: { ranks[$0] < ranks[$1] }) {
            let k = ranks[index]
            select(&values, k, from: lower)
            results[index] = values[k]
            lower = k
        }
        return results
    }

    /// Puts the k-th smallest value of `values[lower...]` at index k (Hoare's quickselect, median-of-three pivot).
    static func select(_ values: inout [Double], _ k: Int, from lower: Int) {
        var low = lower
        var high = values.count - 1
        values.withUnsafeMutableBufferPointer { buffer in
            while high > low {
                let middle = low + (high - low) / 2
                if buffer[middle] < buffer[low] { buffer.swapAt(middle, low) }
                if buffer[high] < buffer[low] { buffer.swapAt(high, low) }
                if buffer[high] < buffer[middle] { buffer.swapAt(high, middle) }
                let pivot = buffer[middle]
                var i = low
                var j = high
                while i <= j {
                    while buffer[i] < pivot { i += 1 }
                    while buffer[j] > pivot { j -= 1 }
                    if i <= j {
                        buffer.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if k <= j {
                    high = j
                } else if k >= i {
                    low = i
                } else {
                    return
                }
            }
        }
    }
}
