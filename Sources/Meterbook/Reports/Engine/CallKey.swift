/// A call id reduced to 128 bits, for counting distinct calls: two independent 64-bit hashes of its bytes. Sets
/// of these cost no allocation per row and compare in two instructions, where a set of the 36-byte id Strings was
/// a sixth of a 30-day report's time; two ids collide with odds far below 1 in 10^20 at a billion calls.
struct CallKey: Hashable, Sendable {
    var high: UInt64
    var low: UInt64

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        // FNV-1a for one half; a multiply-rotate mix over 8-byte words (as in MurmurHash3) for the other.
        var fnv: UInt64 = 0xcbf2_9ce4_8422_2325
        var mix: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var word: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            fnv = (fnv ^ UInt64(byte)) &* 0x100_0000_01b3
            word |= UInt64(byte) << (UInt64(index & 7) * 8)
            if index & 7 == 7 {
                mix = Self.absorb(mix, word)
                word = 0
            }
        }
        if bytes.count & 7 != 0 { mix = Self.absorb(mix, word) }
        high = fnv
        low = Self.finalize(mix)
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    init(_ text: String) {
        var text = text
        self = text.withUTF8 { CallKey($0) }
    }

    @inline(__always)
    private static func absorb(_ state: UInt64, _ word: UInt64) -> UInt64 {
        var k = word &* 0x87c3_7b91_1142_53d5
        k = (k << 31) | (k >> 33)
        k = k &* 0x4cf5_ad43_2745_937f
        var h = state ^ k
        h = (h << 27) | (h >> 37)
        return h &* 5 &+ 0x52dc_e729
    }

    @inline(__always)
    private static func finalize(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        return h ^ (h >> 33)
    }
}
