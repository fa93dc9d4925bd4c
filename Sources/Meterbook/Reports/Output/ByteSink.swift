import Foundation

/// A buffered byte writer over a file descriptor: exports write millions of small cells, so they go into one
/// 256 KiB buffer and reach the kernel in large writes. Not thread-safe: one writer per sink.
public final class ByteSink {
    /// nil: collect in memory (`text`).
    private let descriptor: Int32?
    private let closesDescriptor: Bool
    private var collected: [UInt8] = []
    /// Set: every flushed chunk goes here instead (a gzip archive's compressor).
    private let consumer: ((UnsafeRawBufferPointer) throws -> Void)?
    private let capacity = 1 << 18
    private let buffer: UnsafeMutablePointer<UInt8>
    private var count = 0
    /// Bytes handed to the kernel so far.
    public private(set) var bytesWritten = 0

    /// Writes to an open descriptor (1 for stdout); `closesDescriptor` closes it in `close()`.
    public init(descriptor: Int32, closesDescriptor: Bool = false) {
        self.descriptor = descriptor
        self.closesDescriptor = closesDescriptor
        consumer = nil
        buffer = .allocate(capacity: capacity)
    }

    /// Collects the output in memory instead (renderers that return a String).
    public init() {
        descriptor = nil
        closesDescriptor = false
        consumer = nil
        buffer = .allocate(capacity: capacity)
    }

    /// Hands every flushed chunk (up to 256 KiB) to `consumer`, valid only during the call.
    public init(consumer: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        descriptor = nil
        closesDescriptor = false
        self.consumer = consumer
        buffer = .allocate(capacity: capacity)
    }

    /// What was written so far, for a memory sink.
    public var text: String {
        try? flush()
        return String(decoding: collected, as: UTF8.self)
    }

    /// Hands over what a memory sink holds and starts it empty again (an export's block, encoded off the
    /// writing thread).
    func takeCollected() throws -> [UInt8] {
        try flush()
        let bytes = collected
        // The next block is likely as large: grown once, not by doubling.
        collected = []
        collected.reserveCapacity(bytes.count)
        return bytes
    }

    deinit {
        buffer.deallocate()
    }

    @inline(__always)
    public func append(_ byte: UInt8) throws {
        if count == capacity { try flush() }
        buffer[count] = byte
        count += 1
    }

    public func append(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        if bytes.count > capacity - count { try flush() }
        if bytes.count > capacity {
            try writeAll(UnsafeRawBufferPointer(bytes))
            return
        }
        (buffer + count).update(from: base, count: bytes.count)
        count += bytes.count
    }

    public func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { try append($0) }
    }

    public func append(_ text: String) throws {
        var text = text
        try text.withUTF8 { try append($0) }
    }

    /// Room for `count` bytes written straight into the buffer: `body` writes at most `count` bytes at the pointer
    /// and returns how many it wrote. Nil when `count` is larger than the whole buffer (use `append`).
    @inline(__always)
    public func write(upTo count: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) throws -> Bool {
        guard count <= capacity else { return false }
        if count > capacity - self.count { try flush() }
        self.count += body(buffer + self.count)
        return true
    }

    /// Hands the buffer to the kernel.
    public func flush() throws {
        guard count > 0 else { return }
        try writeAll(UnsafeRawBufferPointer(start: buffer, count: count))
        count = 0
    }

    /// Flushes, then closes the descriptor when this sink owns it.
    public func close() throws {
        try flush()
        if closesDescriptor, let descriptor { Foundation.close(descriptor) }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        if let consumer {
            try consumer(bytes)
            bytesWritten += bytes.count
            return
        }
        guard let descriptor else {
            collected.append(contentsOf: bytes)
            bytesWritten += bytes.count
            return
        }
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw OutputError("Could not write the output: \(String(cString: strerror(errno))).")
            }
            offset += written
        }
        bytesWritten += bytes.count
    }
}

/// Output that could not be written (disk full, closed pipe, unwritable folder).
public struct OutputError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
