import Foundation

/// A mergeable log-scale histogram of latencies (milliseconds), kept in rollups so percentiles over archived days
/// need no raw values. Bucket i holds values in (γ^(i-1), γ^i] with γ = 1.02 and answers with 2γ^i/(γ+1), so a
/// percentile read from it is within ±1% (relative) of a value at the exact nearest rank.
struct LatencyHistogram: Sendable, Equatable {
    static let gamma = 1.02
    private static let logGamma = log(gamma)

    /// Count per bucket index; index `Int.min` holds zero and negative values (answered as 0).
    private(set) var counts: [Int: Int] = [:]
    private(set) var total = 0

    init() {}

    static func index(_ value: Double) -> Int {
        guard value > 0 else { return Int.min }
        return Int((log(value) / logGamma).rounded(.up))
    }

    static func representative(_ index: Int) -> Double {
        index == Int.min ? 0 : 2 * pow(gamma, Double(index)) / (gamma + 1)
    }

    mutating func add(_ value: Double, count: Int = 1) {
        counts[Self.index(value), default: 0] += count
        total += count
    }

    mutating func merge(_ other: LatencyHistogram) {
        for (index, count) in other.counts { counts[index, default: 0] += count }
        total += other.total
    }

    /// Nearest-rank percentiles, as `NearestRank` computes them over raw values, to within the bucket error.
    func percentiles(_ ps: [Double]) -> [Double?] {
        guard total > 0 else { return ps.map { _ in nil } }
        let ordered = counts.sorted { $0.key < $1.key }
        return ps.map { p in
            let rank = NearestRank.rank(p, count: total)
            var seen = 0
            for (index, count) in ordered {
                seen += count
                if seen >= rank { return Self.representative(index) }
            }
            return Self.representative(ordered.last!.key)
        }
    }

    /// `index:count` pairs joined by commas, ascending (`z` for the zero bucket): what the rollups table stores.
    var encoded: String {
        counts.sorted { $0.key < $1.key }.map { ($0.key == Int.min ? "z" : String($0.key)) + ":" + String($0.value) }.joined(separator: ",")
    }

    /// Parses `encoded`, skipping any pair that is not `index:count`. Byte by byte: a report over a year of rollups
    /// reads tens of thousands of these.
    init(encoded text: String) {
        var text = text
        var counts: [Int: Int] = [:]
        var total = 0
        text.withUTF8 { bytes in
            var position = 0
            /// A decimal integer at `position` (optionally signed); nil when there are no digits.
            func number(signed: Bool) -> Int? {
                var negative = false
                if signed, position < bytes.count, bytes[position] == UInt8(ascii: "-") {
                    negative = true
                    position += 1
                }
                var value = 0
                var digits = 0
                while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9"), digits < 18 {
                    value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                    position += 1
                    digits += 1
                }
                return digits == 0 ? nil : (negative ? -value : value)
            }
            while position < bytes.count {
                var index: Int?
                if bytes[position] == UInt8(ascii: "z") {
                    index = Int.min
                    position += 1
                } else {
                    index = number(signed: true)
                }
                var count: Int?
                if position < bytes.count, bytes[position] == UInt8(ascii: ":") {
                    position += 1
                    count = number(signed: false)
                }
                if position < bytes.count, bytes[position] != UInt8(ascii: ",") {
                    // Not a pair: skip to the next one.
                    index = nil
                    while position < bytes.count, bytes[position] != UInt8(ascii: ",") { position += 1 }
                }
                position += 1
                if let index, let count {
                    counts[index, default: 0] += count
                    total += count
                }
            }
        }
        self.counts = counts
        self.total = total
    }
}
