import CZlib
import Foundation

/// Reads a gzip archive back: inflates it line by line while hashing the compressed bytes, and refuses a
/// stream that is cut short or damaged (zlib checks the CRC-32 and length in the gzip trailer).
package final class GzipReader {
    let path: String
    private var stream = z_stream()
    private var descriptor: Int32
    private let input: UnsafeMutablePointer<UInt8>
    private let output: UnsafeMutablePointer<UInt8>
    private let capacity = 1 << 18
    private var hasher = SHA256()
    /// Part of a line carried over from the previous output chunk.
    private var carry: [UInt8] = []
    private(set) var compressedBytes = 0

    package init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = errno == ENOENT ? "the file is missing" : String(cString: strerror(errno))
            throw ArchiveError(errno == ENOENT ? .missing : .corrupt, "Could not read the archive \(path): \(reason).")
        }
        input = .allocate(capacity: capacity)
        output = .allocate(capacity: capacity)
        let code = czlib_inflate_init_gzip(&stream)
        guard code == Z_OK else {
            close(descriptor)
            input.deallocate()
            output.deallocate()
            throw ArchiveError(.corrupt, "zlib could not start reading \(path) (code \(code)).")
        }
    }

    deinit {
        inflateEnd(&stream)
        close(descriptor)
        input.deallocate()
        output.deallocate()
    }

    /// Calls `body` with each line (without its newline; valid only during the call) and returns the number of
    /// lines and the SHA-256 of the compressed file. `body` returns false to stop early (then the hash is "").
    @discardableResult
    package func forEachLine(_ body: (UnsafeBufferPointer<UInt8>) throws -> Bool) throws -> (lines: Int, sha256: String) {
        var lines = 0
        var ended = false
        while !ended {
            let count = read(descriptor, input, capacity)
            if count < 0 {
                if errno == EINTR { continue }
                throw ArchiveError(.corrupt, "Could not read the archive \(path): \(String(cString: strerror(errno))).")
            }
            if count == 0 {
                throw ArchiveError(.corrupt, "The archive \(path) is truncated (the gzip stream ends early): run meterbook archive verify; restore it from a backup or remove its manifest row.")
            }
            compressedBytes += count
            hasher.update(UnsafeRawBufferPointer(start: input, count: count))
            stream.next_in = input
            stream.avail_in = uInt(count)
            while stream.avail_in > 0 || stream.avail_out == 0 {
                stream.next_out = output
                stream.avail_out = uInt(capacity)
                let code = inflate(&stream, Z_NO_FLUSH)
                guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
                    throw ArchiveError(.corrupt, "The archive \(path) is corrupt (zlib: \(code == Z_DATA_ERROR ? "bad data or checksum" : "code \(code)")): run meterbook archive verify; restore it from a backup.")
                }
                let produced = capacity - Int(stream.avail_out)
                if try !split(UnsafeBufferPointer(start: output, count: produced), lines: &lines, body) { return (lines, "") }
                if code == Z_STREAM_END {
                    ended = true
                    // Anything after the gzip trailer (in this chunk or the file) is damage, not data.
                    if stream.avail_in > 0 || read(descriptor, input, 1) > 0 {
                        throw ArchiveError(.corrupt, "The archive \(path) has bytes after the end of its gzip stream: run meterbook archive verify.")
                    }
                    break
                }
                if code == Z_BUF_ERROR { break }
            }
        }
        if !carry.isEmpty {
            throw ArchiveError(.corrupt, "The archive \(path) ends in the middle of a line: run meterbook archive verify.")
        }
        return (lines, hasher.finalizeHex())
    }

    private func split(_ chunk: UnsafeBufferPointer<UInt8>, lines: inout Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Bool) throws -> Bool {
        guard let base = chunk.baseAddress else { return true }
        var start = 0
        // memchr finds the newlines: a read-back goes through every byte of the archive.
        while start < chunk.count, let found = memchr(base + start, 0x0A, chunk.count - start) {
            let index = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            lines += 1
            if carry.isEmpty {
                if try !body(UnsafeBufferPointer(rebasing: chunk[start..<index])) { return false }
            } else {
                carry.append(contentsOf: chunk[start..<index])
                let line = carry
                carry.removeAll(keepingCapacity: true)
                if try !line.withUnsafeBufferPointer({ try body($0) }) { return false }
            }
            start = index + 1
        }
        if start < chunk.count { carry.append(contentsOf: chunk[start...]) }
        return true
    }
}
