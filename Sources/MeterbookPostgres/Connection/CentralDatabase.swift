import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One connection to the central PostgreSQL store, with its schema checked (and migrated when allowed).
///
/// Commands are short-lived and ship or read in one stream of statements, so one connection serves; a
/// continuous shipper reconnects after a failure instead of keeping a pool.
public final class CentralDatabase: Sendable {
    public let settings: PostgresSettings
    public let connection: PostgresConnection
    let logger: Logger

    private init(settings: PostgresSettings, connection: PostgresConnection, logger: Logger) {
        self.settings = settings
        self.connection = connection
        self.logger = logger
    }

    /// Connects, then refuses a newer schema; with `migrate`, creates or upgrades the schema first (shippers),
    /// without it a database with no Meterbook schema is an error (readers never create tables).
    public static func connect(_ settings: PostgresSettings, migrate: Bool, logger: Logger = Logger(label: "meterbook.postgres")) async throws -> CentralDatabase {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try configuration(for: settings), id: 1, logger: logger)
        } catch let error as CentralStoreError {
            throw error
        } catch {
            throw CentralStoreError(.unreachable, "Could not connect to PostgreSQL at \(settings): \(explainConnectFailure(error, settings))")
        }
        let database = CentralDatabase(settings: settings, connection: connection, logger: logger)
        do {
            if migrate {
                try await CentralSchema.migrate(database)
            } else {
                try await CentralSchema.check(database)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        return database
    }

    /// Connects, runs `body`, and closes the connection whatever happens.
    @discardableResult
    public static func with<T: Sendable>(_ settings: PostgresSettings, migrate: Bool, logger: Logger = Logger(label: "meterbook.postgres"), _ body: (CentralDatabase) async throws -> T) async throws -> T {
        let database = try await connect(settings, migrate: migrate, logger: logger)
        do {
            let result = try await body(database)
            try? await database.close()
            return result
        } catch {
            try? await database.close()
            throw error
        }
    }

    public func close() async throws {
        try await connection.close()
    }

    /// Runs one statement, turning a server error into a `CentralStoreError` that names what was being done.
    public func run(_ query: PostgresQuery, _ what: @autoclosure () -> String) async throws {
        do {
            // Rows are read to the end: an error the server raises while producing them (a function that fails
            // half-way) arrives with the rows, and left unread it would surface only as the next statement's
            // "current transaction is aborted".
            for try await _ in try await connection.query(query, logger: logger) {}
        } catch {
            throw CentralStoreError(.server, "PostgreSQL at \(settings) failed to \(what()): \(Self.describe(error)).")
        }
    }

    /// The first column of every row a query returns.
    public func values<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type, _ what: @autoclosure () -> String) async throws -> [T] {
        let description = what()
        do {
            var values: [T] = []
            for try await value in try await connection.query(query, logger: logger).decode(T.self) {
                values.append(value)
            }
            return values
        } catch {
            throw CentralStoreError(.server, "PostgreSQL at \(settings) failed to \(description): \(Self.describe(error)).")
        }
    }

    /// Runs `body` in one transaction (BEGIN/COMMIT, ROLLBACK when it throws).
    public func transaction<T: Sendable>(_ what: String, _ body: (CentralDatabase) async throws -> T) async throws -> T {
        try await run("BEGIN", "begin a transaction to \(what)")
        do {
            let result = try await body(self)
            try await run("COMMIT", "commit the transaction to \(what)")
            return result
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// What went wrong, from the server's message or the socket error; never the password, never the whole query.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let info = error.serverInfo, let message = info[.message] {
                let state = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + state
            }
            if let underlying = error.underlying {
                return describe(underlying)
            }
            switch error.code {
            case .serverClosedConnection, .uncleanShutdown: return "the server closed the connection"
            case .authMechanismRequiresPassword: return "the server asks for a password: put it in the URL or PGPASSWORD"
            case .sslUnsupported: return "the server does not offer TLS, which sslmode=require or stricter insists on"
            case .queryCancelled: return "the query was cancelled"
            default: return "\(error.code)"
            }
        }
        if let error = error as? IOError { return error.description }
        if let error = error as? NIOSSLError { return "TLS: \(error)" }
        if let error = error as? NIOSSLExtraError { return "TLS: \(error)" }
        if let error = error as? ChannelError, case .connectTimeout = error { return "connection timed out" }
        return String(describing: error)
    }

    /// Why a connection failed and what to do, for the TLS failures in particular (a certificate no trusted CA
    /// signed, a name the certificate lacks, a server that wants TLS when sslmode=disable).
    static func explainConnectFailure(_ error: any Error, _ settings: PostgresSettings) -> String {
        let root = innermost(error)
        if let extra = root as? NIOSSLExtraError, extra == .failedToValidateHostname {
            let host: String
            if case let .tcp(name, _) = settings.endpoint { host = name } else { host = "the host" }
            return "TLS: the server's certificate does not name \(host), which sslmode=verify-full requires; connect by a name the certificate has, or use sslmode=verify-ca."
        }
        if let ssl = root as? NIOSSLError, case let .handshakeFailed(inner) = ssl, "\(inner)".contains("CERTIFICATE_VERIFY_FAILED") {
            let trusted = settings.sslRootCertificate.map { "the CAs in sslrootcert \($0)" } ?? "the system's trusted CAs (no sslrootcert given)"
            return "TLS: the server's certificate is not signed by \(trusted); point sslrootcert / PGSSLROOTCERT at the CA that signed it."
        }
        if root is NIOSSLError || root is NIOSSLExtraError {
            return "TLS handshake failed (\(describe(error))); check sslmode and sslrootcert / PGSSLROOTCERT."
        }
        if let error = root as? PSQLError, error.code == .sslUnsupported {
            return "the server does not offer TLS, which sslmode=\(settings.sslMode.rawValue) insists on: turn on ssl at the server, or use sslmode=prefer."
        }
        let reason = describe(error)
        if settings.sslMode == .disable, reason.contains("no encryption") {
            return "\(reason). The server accepts only TLS connections: use sslmode=require or stricter."
        }
        return "\(reason). Check that the server runs and the URL, PGHOST/PGPORT/PGUSER/PGPASSWORD are right."
    }

    /// The error beneath PostgresNIO's wrapping.
    private static func innermost(_ error: any Error) -> any Error {
        if let error = error as? PSQLError, error.serverInfo == nil, let underlying = error.underlying {
            return innermost(underlying)
        }
        return error
    }

    static func configuration(for settings: PostgresSettings) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        switch settings.endpoint {
        case let .unixSocket(directory, port):
            configuration = .init(unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: settings.username, password: settings.password, database: settings.database)
        case let .tcp(host, port):
            configuration = .init(host: host, port: port, username: settings.username, password: settings.password, database: settings.database, tls: try tls(for: settings))
        }
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    private static func tls(for settings: PostgresSettings) throws -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch settings.sslMode {
        case .disable:
            return .disable
        case .allow, .prefer, .require:
            // libpq encrypts but does not verify the certificate in these modes (unless a root certificate is given).
            tls.certificateVerification = settings.sslRootCertificate == nil ? .none : .noHostnameVerification
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        if let file = settings.sslRootCertificate {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw CentralStoreError(.badURL, "Could not set up TLS for \(settings): sslrootcert \(file) is not a readable file; check sslrootcert / PGSSLROOTCERT.")
            }
            tls.trustRoots = .file(file)
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw CentralStoreError(.badURL, "Could not set up TLS for \(settings): \(error); check sslrootcert / PGSSLROOTCERT.")
        }
        switch settings.sslMode {
        case .allow, .prefer: return .prefer(context)
        default: return .require(context)
        }
    }
}
