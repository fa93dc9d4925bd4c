import Foundation
import Testing
@testable import Meterbook

/// The export's cell writers (vector scans, digits straight into the buffer) against plain byte-by-byte
/// references, on edge cases and random text: every length around the 16-byte scan width, every special byte at
/// every position, and cells larger than the sink's buffer.
@Suite struct CellEncodingTests {
    static func written(_ body: (ByteSink) throws -> Void) rethrows -> [UInt8] {
        let sink = ByteSink()
        try body(sink)
        return Array(sink.text.utf8)
    }

    static func referenceCSV(_ bytes: [UInt8]) -> [UInt8] {
        guard let first = bytes.first else { return [] }
        let neutralise = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D].contains(first)
        let quoted = bytes.contains { [0x2C, 0x22, 0x0A, 0x0D].contains($0) }
        var out: [UInt8] = []
        if quoted { out.append(0x22) }
        if neutralise { out.append(0x27) }
        for byte in bytes {
            out.append(byte)
            if quoted, byte == 0x22 { out.append(0x22) }
        }
        if quoted { out.append(0x22) }
        return out
    }

    static func referenceJSON(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for byte in bytes {
            switch byte {
            case 0x22: out += Array("\\\"".utf8)
            case 0x5C: out += Array("\\\\".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case ..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
            default: out.append(byte)
            }
        }
        return out + [0x22]
    }

    /// Text that survives the sink's UTF-8 round trip: ASCII, with the specials, and one multi-byte character.
    static func samples() -> [[UInt8]] {
        var samples: [[UInt8]] = [[], Array("a".utf8), Array("=1+2".utf8), Array("-5".utf8), Array("héllo, \"wörld\"".utf8)]
        let specials: [UInt8] = [0x2C, 0x22, 0x0A, 0x0D, 0x09, 0x5C, 0x01, 0x1F, 0x3D, 0x2D, 0x40]
        for length in [1, 2, 15, 16, 17, 31, 32, 33, 47, 64] {
            for special in specials {
                for position in Set([0, length / 2, length - 1]) {
                    var bytes = Array(repeating: UInt8(ascii: "x"), count: length)
                    bytes[position] = special
                    samples.append(bytes)
                }
            }
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abc,\"\n\r\t\\ {}:=-@0123456789".utf8) + [0x01]
        for _ in 0..<500 {
            samples.append((0..<Int.random(in: 0...80, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
        }
        // Larger than the 256 KiB buffer: the run-by-run paths.
        samples.append(Array(repeating: UInt8(ascii: "\""), count: 200_000) + Array("tail,".utf8))
        samples.append(Array(repeating: UInt8(ascii: "q"), count: 300_000) + [0x22, 0x0A])
        return samples
    }

    @Test func csvTextMatchesTheReference() throws {
        for bytes in Self.samples() {
            let out = try Self.written { sink in try bytes.withUnsafeBufferPointer { try CSVRowEncoder.writeText($0, to: sink) } }
            #expect(out == Self.referenceCSV(bytes), "\(String(decoding: bytes.prefix(80), as: UTF8.self))")
        }
    }

    @Test func jsonStringsMatchTheReference() throws {
        for bytes in Self.samples() {
            let out = try Self.written { sink in try bytes.withUnsafeBufferPointer { try sink.append(jsonString: $0) } }
            #expect(out == Self.referenceJSON(bytes), "\(String(decoding: bytes.prefix(80), as: UTF8.self))")
        }
    }

    @Test func numbersAreWrittenAsSwiftPrintsThem() throws {
        var generator = SystemRandomNumberGenerator()
        var integers: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
        integers += (0..<2000).map { _ in Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0...63, using: &generator) }
        for value in integers {
            #expect(try Self.written { try $0.append(integer: value) } == Array(String(value).utf8))
        }
        var reals: [Double] = [0, 0.1, 1e-05, 812.5, 30000, -2.5, 0.012345678901234567, 1e300, -1e-300, .leastNonzeroMagnitude,
                               .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNormalMagnitude, -2.2250738585072014e-308]
        reals += (0..<2000).map { _ in Double(bitPattern: UInt64.random(in: .min ... .max, using: &generator)) }.filter(\.isFinite)
        for value in reals {
            #expect(try Self.written { try $0.append(real: value) } == Array(value.description.utf8))
        }
        #expect(try Self.written { try $0.append(real: .nan) } == Array("null".utf8))
        #expect(try Self.written { try $0.append(real: .infinity) } == Array("null".utf8))
    }
}
