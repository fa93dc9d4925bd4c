/// Why an archive could not be written, read or verified. Messages name the file and what to do.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The archive folder or file could not be created or written (permissions, disk full).
        case cannotWrite
        /// A manifest row names a file that is not there.
        case missing
        /// The file is not a complete gzip stream (cut short, or bytes changed).
        case corrupt
        /// The file's checksum, row count or size differs from the manifest.
        case mismatch
        /// Another rotation holds the archive folder's lock, or bad input (a day with no archive).
        case unavailable
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
