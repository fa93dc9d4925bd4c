import Foundation

/// A Bloom filter of every correlation ID in one archive, stored in its manifest row, so `trace` skips archives
/// that cannot hold an ID without decompressing them. About 10 bits per ID and 7 probes: ~1% false positives.
struct IDFilter: Sendable {
    private(set) var bits: [UInt8]
    let probes: Int

    /// Sized for `capacity` IDs.
    init(capacity: Int) {
        let bitCount = max(64, capacity * 10)
        bits = [UInt8](repeating: 0, count: (bitCount + 7) / 8)
        probes = 7
    }

    /// Reads a stored filter: one byte of probe count, then the bit array. Nil when the blob is not one.
    init?(stored: [UInt8]) {
        guard stored.count >= 2, stored[0] > 0 else { return nil }
        probes = Int(stored[0])
        bits = Array(stored[1...])
    }

    var stored: [UInt8] { [UInt8(probes)] + bits }

    mutating func insert(_ id: UnsafeBufferPointer<UInt8>) {
        let (first, second) = Self.hashes(id)
        let bitCount = UInt64(bits.count * 8)
        for probe in 0..<UInt64(probes) {
            let bit = (first &+ probe &* second) % bitCount
            bits[Int(bit / 8)] |= 1 << UInt8(bit % 8)
        }
    }

    mutating func insert(_ id: String) {
        var id = id
        id.withUTF8 { insert($0) }
    }

    /// False: the ID is certainly not in the archive.
    func mayContain(_ id: String) -> Bool {
        var id = id
        return id.withUTF8 { bytes in
            let (first, second) = Self.hashes(bytes)
            let bitCount = UInt64(bits.count * 8)
            for probe in 0..<UInt64(probes) {
                let bit = (first &+ probe &* second) % bitCount
                if bits[Int(bit / 8)] & (1 << UInt8(bit % 8)) == 0 { return false }
            }
            return true
        }
    }

    /// Two FNV-1a variants for double hashing (Kirsch–Mitzenmacher); stable across runs and platforms.
    private static func hashes(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in bytes {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            second = (second &* 0x0000_0100_0000_01b3) ^ UInt64(byte)
        }
        return (first, second | 1)
    }
}
