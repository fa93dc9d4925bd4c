/// Finds the tally of a scanned row's group. Up to two key columns (the common reports) pack with the time
/// bucket into one 64-bit key looked up in a small open-addressing table, a few nanoseconds per row; more
/// columns use a dictionary of all key slots.
struct GroupIndex {
    private(set) var tallies: [GroupTally] = []
    /// Per tally: its time bucket and key ids (slot 0 unused).
    private(set) var buckets: [Int64] = []
    private(set) var ids: [SIMD8<Int32>] = []

    private let packs: Bool
    private var slots: [Int64]
    private var slotTallies: [Int32]
    private var wide: [SIMD8<Int32>: Int32] = [:]
    private static let empty = Int64.min
    /// Ids above this do not fit the packed key (20 bits each).
    static let maxPackedID: Int32 = (1 << 20) - 1

    init(columns: Int) {
        packs = columns <= 2
        slots = Array(repeating: Self.empty, count: 64)
        slotTallies = Array(repeating: -1, count: 64)
    }

    /// The tally for a bucket and key ids (ids[1...] hold the columns' ids).
    @inline(__always)
    mutating func tally(bucket: Int64, ids keyIDs: SIMD8<Int32>) throws -> GroupTally {
        guard packs else {
            var key = keyIDs
            key[0] = Int32(truncatingIfNeeded: bucket)
            if let index = wide[key], buckets[Int(index)] == bucket { return tallies[Int(index)] }
            let index = add(bucket: bucket, ids: keyIDs)
            wide[key] = index
            return tallies[Int(index)]
        }
        guard keyIDs[1] <= Self.maxPackedID, keyIDs[2] <= Self.maxPackedID else {
            throw ReportInputError("A --by key has more than \(Self.maxPackedID) distinct values in the range: group by fewer or coarser keys.")
        }
        let packed = (bucket & 0xFF_FFFF) << 40 | Int64(keyIDs[1]) << 20 | Int64(keyIDs[2])
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: UInt64(bitPattern: packed) &* 0x9E37_79B9_7F4A_7C15 >> 40) & mask
        while true {
            let stored = slots[slot]
            if stored == packed {
                let index = Int(slotTallies[slot])
                if buckets[index] == bucket { return tallies[index] }
            } else if stored == Self.empty {
                break
            }
            slot = (slot + 1) & mask
        }
        let index = add(bucket: bucket, ids: keyIDs)
        slots[slot] = packed
        slotTallies[slot] = index
        if tallies.count * 2 > slots.count { grow() }
        return tallies[Int(index)]
    }

    private mutating func add(bucket: Int64, ids keyIDs: SIMD8<Int32>) -> Int32 {
        tallies.append(GroupTally())
        buckets.append(bucket)
        ids.append(keyIDs)
        return Int32(tallies.count - 1)
    }

    private mutating func grow() {
        let old = zip(slots, slotTallies).filter { $0.0 != Self.empty }
        slots = Array(repeating: Self.empty, count: slots.count * 2)
        slotTallies = Array(repeating: -1, count: slots.count)
        let mask = slots.count - 1
        for (packed, index) in old {
            var slot = Int(truncatingIfNeeded: UInt64(bitPattern: packed) &* 0x9E37_79B9_7F4A_7C15 >> 40) & mask
            while slots[slot] != Self.empty { slot = (slot + 1) & mask }
            slots[slot] = packed
            slotTallies[slot] = index
        }
    }
}
