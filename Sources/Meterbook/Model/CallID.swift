import Foundation

/// Makes call ids: UUID version 7 (RFC 9562), a millisecond timestamp followed by random bits.
///
/// A time-ordered id is still a valid `x-ms-client-request-id`, and it lands at the end of the `call_id` index
/// instead of at a random page, which keeps the recorder's inserts cheap on a large database.
public enum CallID {
    public static func make(now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(milliseconds: UInt64(max(0, now.timeIntervalSince1970 * 1000)), using: &generator)
    }

    static func make<Generator: RandomNumberGenerator>(milliseconds: UInt64, using generator: inout Generator) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8((milliseconds >> (8 * (5 - UInt64(index)))) & 0xFF) }
        let random = (generator.next() as UInt64, generator.next() as UInt64)
        for index in 6..<16 {
            let source = index < 14 ? random.0 : random.1
            bytes[index] = UInt8((source >> (8 * UInt64(index % 8))) & 0xFF)
        }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // variant 10
        // Formatted by hand: String(format:) per byte cost a proxied call about 3% of its CPU.
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
