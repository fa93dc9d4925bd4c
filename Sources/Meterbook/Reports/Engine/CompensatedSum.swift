/// Neumaier's compensated summation: a sum of millions of small costs that does not depend on the order the
/// attempts were read in (scan chunks run in parallel), to well below a nano-dollar.
struct CompensatedSum: Sendable {
    private(set) var sum = 0.0
    private(set) var compensation = 0.0

    init() {}

    /// A sum as stored (day summaries keep both parts, so merging a stored sum loses nothing).
    init(sum: Double, compensation: Double) {
        self.sum = sum
        self.compensation = compensation
    }

    mutating func add(_ value: Double) {
        let total = sum + value
        if abs(sum) >= abs(value) {
            compensation += (sum - total) + value
        } else {
            compensation += (value - total) + sum
        }
        sum = total
    }

    mutating func add(_ other: CompensatedSum) {
        add(other.sum)
        add(other.compensation)
    }

    var value: Double { sum + compensation }
}
