import Foundation

/// Where the central PostgreSQL store is and how to log in: a `postgres://` URL completed by the usual libpq
/// environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGSSLROOTCERT), as psql would.
///
/// What the URL says wins over the environment. The password is kept only to log in: `description` and every
/// message name the server as `postgres://user@host:port/db` without it.
public struct PostgresSettings: Sendable, Equatable, CustomStringConvertible {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// The socket file itself (`DIR/.s.PGSQL.PORT`).
        case unixSocket(directory: String, port: Int)
    }

    /// libpq's `sslmode` values.
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var endpoint: Endpoint
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// `sslrootcert`: a PEM file of the CAs that verify-ca / verify-full trust (default: the system's).
    public var sslRootCertificate: String?

    /// Whether a `--db` / `--to` value names a PostgreSQL server rather than a SQLite file.
    public static func isURL(_ value: String) -> Bool {
        value.hasPrefix("postgres://") || value.hasPrefix("postgresql://")
    }

    /// Parses `postgres://[user[:password]@][host][:port][/database][?sslmode=...&host=...]`. A host that is a
    /// folder (`%2Frun%2Fpostgresql`, or `?host=/run/postgresql`) means a Unix socket.
    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard Self.isURL(url), let components = URLComponents(string: url) else {
            throw CentralStoreError(.badURL, "\(Self.redact(url)) is not a PostgreSQL URL: write postgres://USER@HOST:PORT/DATABASE (the password may come from PGPASSWORD).")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let known: Set<String> = ["sslmode", "host", "port", "user", "password", "dbname", "sslrootcert", "application_name", "connect_timeout"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw CentralStoreError(.badURL, "\(Self.redact(url)): unknown parameter \"\(unknown)\"; accepted: \(known.sorted().joined(separator: ", ")).")
        }
        func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }

        let host = nonEmpty(query["host"]) ?? nonEmpty(components.host) ?? nonEmpty(environment["PGHOST"])
        let portText = nonEmpty(query["port"]) ?? components.port.map(String.init) ?? nonEmpty(environment["PGPORT"])
        let port: Int
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw CentralStoreError(.badURL, "\(Self.redact(url)): port \"\(portText)\" is not a TCP port (1-65535).")
            }
            port = value
        } else {
            port = 5432
        }
        if let host, host.hasPrefix("/") {
            endpoint = .unixSocket(directory: host, port: port)
        } else if let host {
            endpoint = .tcp(host: host, port: port)
        } else if FileManager.default.fileExists(atPath: "/var/run/postgresql/.s.PGSQL.\(port)") {
            // libpq's default on Debian: the local server's socket.
            endpoint = .unixSocket(directory: "/var/run/postgresql", port: port)
        } else {
            endpoint = .tcp(host: "localhost", port: port)
        }

        let user = nonEmpty(query["user"]) ?? nonEmpty(components.user) ?? nonEmpty(environment["PGUSER"]) ?? Self.currentUserName()
        username = user
        password = nonEmpty(query["password"]) ?? nonEmpty(components.password) ?? nonEmpty(environment["PGPASSWORD"])
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = nonEmpty(query["dbname"]) ?? nonEmpty(path) ?? nonEmpty(environment["PGDATABASE"]) ?? user

        let modeText = nonEmpty(query["sslmode"]) ?? nonEmpty(environment["PGSSLMODE"]) ?? SSLMode.prefer.rawValue
        guard let mode = SSLMode(rawValue: modeText) else {
            throw CentralStoreError(.badURL, "sslmode \"\(modeText)\" is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        sslMode = mode
        sslRootCertificate = nonEmpty(query["sslrootcert"]) ?? nonEmpty(environment["PGSSLROOTCERT"])
    }

    /// `postgres://user@host:port/database`, never with the password.
    public var description: String {
        switch endpoint {
        case let .tcp(host, port):
            let shown = host.contains(":") ? "[\(host)]" : host
            return "postgres://\(username)@\(shown):\(port)/\(database)"
        case let .unixSocket(directory, port):
            return "postgres://\(username)@/\(database)?host=\(directory)&port=\(port)"
        }
    }

    /// The URL as given, with any password replaced by `***` (for messages about a URL that did not parse).
    public static func redact(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
            authority.replaceSubrange(authority.index(after: colon)..<at, with: "***")
        }
        var tail = String(rest[authorityEnd...])
        if let range = tail.range(of: #"password=[^&]*"#, options: .regularExpression) {
            tail.replaceSubrange(range, with: "password=***")
        }
        return url[..<scheme.upperBound] + authority + tail
    }

    private static func currentUserName() -> String {
        if let name = ProcessInfo.processInfo.environment["USER"], !name.isEmpty { return name }
        return NSUserName()
    }
}
