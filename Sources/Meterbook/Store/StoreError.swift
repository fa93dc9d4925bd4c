/// Why the database could not be opened, read or written. Messages name the path and what to do.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A read command found no database file.
        case missing
        /// The file exists but is not a Meterbook database.
        case notMeterbook
        /// The database was written by a newer Meterbook.
        case newerSchema
        /// The folder or file could not be created.
        case cannotCreate
        /// SQLite reported an error.
        case sqlite
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
