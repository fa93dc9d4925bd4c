import Foundation

/// Small integer ids for the text values of one key column, read straight from SQLite's buffer: a scan of
/// millions of rows sees a few dozen deployments, so hashing the bytes beats building a String per row.
struct KeyInterner {
    /// Id 0 is NULL; value `i` has id `i + 1`.
    private(set) var values: [String] = []
    private var bytes: [[UInt8]] = []
    private var byHash: [UInt64: Int32] = [:]
    /// Values whose hash collided with another value's (practically never).
    private var collided: [[UInt8]: Int32] = [:]

    mutating func intern(_ pointer: UnsafePointer<UInt8>?, count: Int) -> Int32 {
        guard let pointer else { return 0 }
        let buffer = UnsafeBufferPointer(start: pointer, count: count)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in buffer {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        if let id = byHash[hash] {
            let matches = bytes[Int(id) - 1].withUnsafeBufferPointer { stored in
                stored.count == count && (count == 0 || memcmp(stored.baseAddress!, pointer, count) == 0)
            }
            if matches { return id }
            let key = Array(buffer)
            if let id = collided[key] { return id }
            let newID = add(key)
            collided[key] = newID
            return newID
        }
        let id = add(Array(buffer))
        byHash[hash] = id
        return id
    }

    private mutating func add(_ key: [UInt8]) -> Int32 {
        bytes.append(key)
        values.append(String(decoding: key, as: UTF8.self))
        return Int32(bytes.count)
    }

    func value(_ id: Int32) -> String? {
        id == 0 ? nil : values[Int(id) - 1]
    }
}
