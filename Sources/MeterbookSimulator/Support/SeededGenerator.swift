/// SplitMix64: a small, fast, seedable generator.
///
/// Every random choice the simulator makes comes from one of these, derived from the configured
/// seed and the attempt number, so the same seed and the same request order give the same bytes.
/// The benchmarks' and tests' generated data use it too.
package struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) {
        self.state = seed
    }

    /// A generator for one stream of decisions, e.g. (seed, attempt 7, "content").
    init(seed: UInt64, _ parts: UInt64...) {
        var state = SeededGenerator.mix(seed)
        for part in parts {
            state = SeededGenerator.mix(state ^ SeededGenerator.mix(part &+ 0x9E37_79B9_7F4A_7C15))
        }
        self.state = state
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SeededGenerator.mix(state)
    }

    /// The SplitMix64 finalizer: a good 64-bit bit mixer.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a over UTF-8, so names (deployments, inputs) can seed stable per-name choices.
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    mutating func int(in range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &self)
    }

    /// A uniform draw in [0, 1).
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    mutating func pick<T>(_ items: [T]) -> T {
        items[int(in: 0...(items.count - 1))]
    }
}
