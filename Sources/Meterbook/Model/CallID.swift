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
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
