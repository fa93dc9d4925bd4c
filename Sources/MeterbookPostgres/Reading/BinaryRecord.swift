/// The fields of a record (`ROW(...)`) in PostgreSQL's binary format, read in order straight from its bytes:
/// the field count, then per field its type's oid, its length (-1 for NULL) and its bytes (integers and floats
/// big-endian, text as UTF-8).
struct BinaryRecord {
    private let raw: UnsafeRawBufferPointer
    private var offset = 4

    init(_ raw: UnsafeRawBufferPointer) {
        self.raw = raw
    }

    /// The next field's bytes, nil for NULL (or past the end).
    @inline(__always)
    mutating func next() -> UnsafeBufferPointer<UInt8>? {
        guard offset + 8 <= raw.count else { return nil }
        let length = Int(Int32(bigEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: Int32.self)))
        offset += 8
        guard length >= 0, offset + length <= raw.count else { return nil }
        defer { offset += length }
        return UnsafeBufferPointer(start: raw.baseAddress?.advanced(by: offset).assumingMemoryBound(to: UInt8.self), count: length)
    }

    /// An integer field (int2, int4, int8 or bool).
    @inline(__always)
    mutating func int() -> Int64? {
        next().flatMap { Self.integer(UnsafeRawBufferPointer($0)) }
    }

    /// A float8 (or float4) field.
    @inline(__always)
    mutating func double() -> Double? {
        next().flatMap { Self.real(UnsafeRawBufferPointer($0)) }
    }

    /// A bool field (NULL is false).
    @inline(__always)
    mutating func bool() -> Bool {
        next()?.first == 1
    }

    /// An int2, int4, int8 or bool value in binary format (big-endian).
    @inline(__always)
    static func integer(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        switch bytes.count {
        case 8: return Int64(bigEndian: bytes.loadUnaligned(as: Int64.self))
        case 4: return Int64(Int32(bigEndian: bytes.loadUnaligned(as: Int32.self)))
        case 2: return Int64(Int16(bigEndian: bytes.loadUnaligned(as: Int16.self)))
        case 1: return Int64(bytes[0])
        default: return nil
        }
    }

    /// A float8 or float4 value in binary format (big-endian).
    @inline(__always)
    static func real(_ bytes: UnsafeRawBufferPointer) -> Double? {
        switch bytes.count {
        case 8: return Double(bitPattern: UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)))
        case 4: return Double(Float(bitPattern: UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self))))
        default: return nil
        }
    }
}
