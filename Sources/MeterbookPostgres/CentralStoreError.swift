/// A failure of the central PostgreSQL store, with a one-line message that says what to do. Messages name the
/// server without its password.
public struct CentralStoreError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// The URL or environment does not say where or how to connect.
        case badURL
        /// The server could not be reached or refused the login.
        case unreachable
        /// The server's Meterbook schema is newer than this meterbook.
        case newerSchema
        /// The database holds tables that are not Meterbook's.
        case notMeterbook
        /// A statement failed on the server.
        case server
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
