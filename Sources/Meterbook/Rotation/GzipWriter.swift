import CZlib
import Foundation

/// Writes one gzip file through zlib, counting and hashing the compressed bytes as they reach the disk.
/// The file is created exclusively (never over an existing one) and made durable by `finish()`.
package final class GzipWriter {
    let path: String
    private var stream = z_stream()
    private var descriptor: Int32
    private let output: UnsafeMutablePointer<UInt8>
    private let outputCapacity = 1 << 18
    private var hasher = SHA256()
    private var finished = false
    /// Compressed bytes written so far.
    package private(set) var compressedBytes = 0
    /// Uncompressed bytes taken so far.
    package private(set) var rawBytes = 0

    /// zlib's deflate strategies that suit text (levels 1–3 ignore the strategy).
    package enum Strategy: Sendable {
        /// `Z_DEFAULT_STRATEGY`.
        case standard
        /// `Z_FILTERED`: no matches shorter than 6 bytes (more literals, fewer short copies).
        case filtered

        var zlibValue: Int32 { self == .filtered ? Z_FILTERED : Z_DEFAULT_STRATEGY }
    }

    package init(path: String, level: Int32 = 6, strategy: Strategy = .standard) throws {
        self.path = path
        descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ArchiveError(.cannotWrite, "Could not create \(path): \(String(cString: strerror(errno))). Make the archive folder writable or pass --archive-dir.")
        }
        output = .allocate(capacity: outputCapacity)
        let code = czlib_deflate_init_gzip(&stream, level, strategy.zlibValue)
        guard code == Z_OK else {
            close(descriptor)
            output.deallocate()
            throw ArchiveError(.cannotWrite, "zlib could not start compressing \(path) (code \(code)).")
        }
    }

    deinit {
        deflateEnd(&stream)
        if descriptor >= 0 { close(descriptor) }
        output.deallocate()
    }

    /// Compresses `bytes` (any size).
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        rawBytes += bytes.count
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(bytes.count)
        while stream.avail_in > 0 {
            try run(flush: Z_NO_FLUSH)
        }
    }

    /// Ends the gzip stream, writes it out, fsyncs the file and closes it. Returns the compressed file's SHA-256.
    package func finish() throws -> String {
        guard !finished else { return "" }
        finished = true
        stream.next_in = nil
        stream.avail_in = 0
        while try run(flush: Z_FINISH) != Z_STREAM_END {}
        guard fsync(descriptor) == 0 else { throw writeError() }
        close(descriptor)
        descriptor = -1
        return hasher.finalizeHex()
    }

    @discardableResult
    private func run(flush: Int32) throws -> Int32 {
        stream.next_out = output
        stream.avail_out = uInt(outputCapacity)
        let code = deflate(&stream, flush)
        guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
            throw ArchiveError(.cannotWrite, "zlib failed while compressing \(path) (code \(code)).")
        }
        let produced = outputCapacity - Int(stream.avail_out)
        let chunk = UnsafeRawBufferPointer(start: output, count: produced)
        hasher.update(chunk)
        var offset = 0
        while offset < produced {
            let written = Foundation.write(descriptor, output + offset, produced - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw writeError()
            }
            offset += written
        }
        compressedBytes += produced
        return code
    }

    private func writeError() -> ArchiveError {
        ArchiveError(.cannotWrite, "Could not write \(path): \(String(cString: strerror(errno))). Free disk space or pass --archive-dir; the rows stay in the database.")
    }
}
