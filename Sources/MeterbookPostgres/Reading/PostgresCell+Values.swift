import Foundation
import GRDB
import Meterbook
import NIOCore
import PostgresNIO

/// Reads cells straight from the row's buffer (binary format; text format parsed as a fallback), without the
/// generic decoding machinery: a report reads a dozen cells per row over millions of rows.
extension PostgresCell {
    var int: Int64? {
        guard let bytes else { return nil }
        guard format == .binary else { return Int64(String(buffer: bytes)) }
        return bytes.withUnsafeReadableBytes(BinaryRecord.integer)
    }

    var double: Double? {
        guard let bytes else { return nil }
        guard format == .binary else { return Double(String(buffer: bytes)) }
        return bytes.withUnsafeReadableBytes(BinaryRecord.real)
    }

    var bool: Bool {
        guard let bytes else { return false }
        guard format == .binary else { return String(buffer: bytes) == "t" }
        return bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) == 1
    }

    var string: String? {
        bytes.map { String(buffer: $0) }
    }

    /// A `numeric` (what PostgreSQL's round() and sum() of integers return) as SQLite's real.
    var numeric: Double? {
        guard bytes != nil else { return nil }
        guard format == .binary else { return string.flatMap(Double.init) }
        return (try? decode(Decimal.self, context: .default)).map { NSDecimalNumber(decimal: $0).doubleValue }
    }

    /// The cell's bytes as text (nil for NULL), valid during `body`.
    @inline(__always)
    func withText<R>(_ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        guard let bytes else { return try body(nil) }
        return try bytes.withUnsafeReadableBytes { raw in
            try body(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count))
        }
    }

    /// Whether the column holds text (or JSON) rather than a number.
    var isText: Bool {
        switch dataType {
        case .int2, .int4, .int8, .float4, .float8, .bool, .numeric: return false
        default: return true
        }
    }

    /// The cell as a Swift value of SQLite's kinds (integers, reals, text), for building records.
    var databaseValue: (any DatabaseValueConvertible)? {
        guard bytes != nil else { return nil }
        switch dataType {
        case .int2, .int4, .int8: return int
        case .float4, .float8: return double
        case .bool: return bool ? 1 : 0
        case .numeric: return numeric
        default: return string
        }
    }
}

extension RowEncoder {
    /// Hands one PostgreSQL cell to the encoder as the SQLite export would: integers, reals, text.
    @inline(__always)
    mutating func cell(_ cell: PostgresCell, sink: ByteSink) throws {
        guard cell.bytes != nil else { return try self.cell(.null, sink: sink) }
        switch cell.dataType {
        case .int2, .int4, .int8:
            try self.cell(.integer(cell.int ?? 0), sink: sink)
        case .float4, .float8:
            try self.cell(.real(cell.double ?? 0), sink: sink)
        case .bool:
            try self.cell(.integer(cell.bool ? 1 : 0), sink: sink)
        case .numeric:
            try self.cell(.real(cell.numeric ?? 0), sink: sink)
        default:
            try cell.withText { try self.cell(.text($0!), sink: sink) }
        }
    }
}
