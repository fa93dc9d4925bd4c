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

extension NearestRank {
    /// Percentiles over the union of sorted runs (day summaries keep each day's values sorted) and unsorted
    /// values (sorted here, in place): the same order statistics as `percentiles(_:_:)` over all the values
    /// together, found by bisecting the values' bit patterns and counting with a binary search in each run, so no
    /// run is copied or merged.
    static func percentiles(runs: [[Double]], unsorted values: inout [Double], _ ps: [Double]) -> [Double?] {
        canonicalizeZeros(&values)
        values.sort()
        let all = values.isEmpty ? runs : runs + [values]
        let count = all.reduce(0) { $0 + $1.count }
        guard count > 0 else { return ps.map { _ in nil } }
        return ps.map { p in smallest(atLeast: rank(p, count: count), in: all) }
    }

    /// The smallest value with at least `rank` values (counted over every run) at or below it.
    static func smallest(atLeast rank: Int, in runs: [[Double]]) -> Double {
        var low: UInt64 = 0
        var high: UInt64 = .max
        while low < high {
            let middle = low + (high - low) / 2
            var seen = 0
            for run in runs { seen += countAtOrBelow(middle, in: run) }
            if seen >= rank { high = middle } else { low = middle + 1 }
        }
        return value(ofKey: low)
    }

    /// How many values of a sorted run have an order key at or below `key`.
    @inline(__always)
    static func countAtOrBelow(_ key: UInt64, in run: [Double]) -> Int {
        run.withUnsafeBufferPointer { buffer in
            var low = 0
            var high = buffer.count
            while low < high {
                let middle = (low + high) / 2
                if orderKey(buffer[middle]) <= key { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    /// Turns -0.0 into 0.0: the two are equal to `<` but not in `orderKey`, so a sorted run must hold one of them.
    /// (SQLite stores both as 0; only values parsed from elsewhere can be -0.0.)
    static func canonicalizeZeros(_ values: inout [Double]) {
        for index in values.indices where values[index] == 0 { values[index] = 0 }
    }

    /// A key whose unsigned order is the values' numeric order (negative values reversed below the positive ones).
    @inline(__always)
    static func orderKey(_ value: Double) -> UInt64 {
        let bits = value.bitPattern
        return bits & (1 << 63) == 0 ? bits | (1 << 63) : ~bits
    }

    static func value(ofKey key: UInt64) -> Double {
        Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
    }
}
