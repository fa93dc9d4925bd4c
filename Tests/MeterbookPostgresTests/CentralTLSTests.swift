import Foundation
import Meterbook
import MeterbookTestSupport
import Testing
@testable import MeterbookPostgres

/// TLS to the central store, each sslmode as libpq reads it, against real clusters with a throwaway CA: one that
/// offers TLS, one that rejects logins without it, one without TLS at all.
@Suite(.serialized)
struct CentralTLSTests {
    static let tlsServer = Result { try PostgresTestServer.start(tls: .on) }
    static let tlsOnlyServer = Result { try PostgresTestServer.start(tls: .onlyTLS) }
    static let plainServer = Result { try PostgresTestServer.start() }

    /// Connects (creating the schema) and asks the server whether this very connection is encrypted.
    static func encrypted(_ settings: PostgresSettings) async throws -> Bool {
        try await CentralDatabase.with(settings, migrate: true) { central in
            try await central.values("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", as: Bool.self, "read pg_stat_ssl").first == true
        }
    }

    /// The error connecting fails with; records an issue when it connects.
    static func failure(_ settings: PostgresSettings) async -> CentralStoreError? {
        do {
            _ = try await encrypted(settings)
            Issue.record("connected to \(settings) with sslmode=\(settings.sslMode.rawValue)")
            return nil
        } catch let error as CentralStoreError {
            return error
        } catch {
            Issue.record("not a CentralStoreError: \(error)")
            return nil
        }
    }

    static func isOneLine(_ message: String) -> Bool { !message.contains("\n") && !message.isEmpty }

    @Test func requireEncryptsAndShips() async throws {
        let server = try Self.tlsServer.get()
        let url = try server.createDatabase()
        let database = String(url.split(separator: "/").last!.split(separator: "?")[0])
        let settings = try PostgresSettings(url: server.url(database: database, parameters: "sslmode=require"), environment: [:])
        #expect(try await Self.encrypted(settings))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try MeterbookStore(path: folder.appendingPathComponent("m.sqlite").path)
        try store.insert(ShipperTests.attempts(250, day: .today()))
        let pass = try await CentralDatabase.with(settings, migrate: true) { try await Shipper(store: store, batchSize: 100).shipOnce(to: $0) }
        #expect(pass.rowsShipped == 250)
        #expect(try server.psql("SELECT count(*) FROM requests", database: database) == [["250"]])
        // disable really means plain text, and prefer takes TLS when offered.
        #expect(try await !Self.encrypted(PostgresSettings(url: server.url(database: database, parameters: "sslmode=disable"), environment: [:])))
        #expect(try await Self.encrypted(PostgresSettings(url: server.url(database: database, parameters: "sslmode=prefer"), environment: [:])))
        #expect(try await Self.encrypted(PostgresSettings(url: server.url(database: database, parameters: ""), environment: [:])))
    }

    @Test func verifyFullAndVerifyCAWithTheRightCA() async throws {
        let server = try Self.tlsServer.get()
        let ca = server.certificateAuthority
        for host in ["127.0.0.1", "localhost"] {
            for mode in ["verify-full", "verify-ca", "require"] {
                let settings = try PostgresSettings(url: server.url(host: host, parameters: "sslmode=\(mode)&sslrootcert=\(ca)"), environment: [:])
                #expect(try await Self.encrypted(settings), "\(mode) at \(host)")
            }
        }
        // 127.0.0.2 is the same server, but its certificate names only localhost and 127.0.0.1: verify-ca checks
        // the chain alone, verify-full the name too.
        #expect(try await Self.encrypted(PostgresSettings(url: server.url(host: "127.0.0.2", parameters: "sslmode=verify-ca&sslrootcert=\(ca)"), environment: [:])))
        let mismatch = try PostgresSettings(url: server.url(host: "127.0.0.2", parameters: "sslmode=verify-full&sslrootcert=\(ca)"), environment: [:])
        let error = try #require(await Self.failure(mismatch))
        #expect(error.kind == .unreachable)
        #expect(Self.isOneLine(error.message), "\(error.message)")
        #expect(error.message.contains("127.0.0.2"), "\(error.message)")
        #expect(error.message.contains("does not name"), "\(error.message)")
        #expect(!error.message.contains(server.password))
    }

    @Test func aWrongCAFailsWithOneClearLine() async throws {
        let server = try Self.tlsServer.get()
        for mode in ["verify-full", "verify-ca", "require"] {
            let settings = try PostgresSettings(url: server.url(parameters: "sslmode=\(mode)&sslrootcert=\(server.unrelatedCertificateAuthority)"), environment: [:])
            let error = try #require(await Self.failure(settings), "\(mode)")
            #expect(error.kind == .unreachable)
            #expect(Self.isOneLine(error.message), "\(error.message)")
            #expect(error.message.contains("postgres://meterbook@127.0.0.1:\(server.port)/meterbook"), "\(error.message)")
            #expect(error.message.contains("certificate"), "\(error.message)")
            #expect(error.message.contains("sslrootcert"), "\(error.message)")
            #expect(!error.message.contains(server.password))
        }
        // A root certificate file that is not there is a setup mistake, named as such.
        let missing = try PostgresSettings(url: server.url(parameters: "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"), environment: [:])
        let error = try #require(await Self.failure(missing))
        #expect(error.message.contains("/nonexistent/ca.pem"), "\(error.message)")
        #expect(Self.isOneLine(error.message), "\(error.message)")
    }

    @Test func disableAgainstAServerThatRequiresTLSSaysSo() async throws {
        let server = try Self.tlsOnlyServer.get()
        let settings = try PostgresSettings(url: server.url(parameters: "sslmode=disable"), environment: [:])
        let error = try #require(await Self.failure(settings))
        #expect(Self.isOneLine(error.message), "\(error.message)")
        #expect(error.message.contains("no encryption"), "\(error.message)")
        #expect(error.message.contains("sslmode"), "\(error.message)")
        #expect(!error.message.contains(server.password))
        // Every mode that tries TLS gets in.
        for mode in ["allow", "prefer", "require"] {
            #expect(try await Self.encrypted(PostgresSettings(url: server.url(parameters: "sslmode=\(mode)"), environment: [:])), "\(mode)")
        }
        #expect(try await Self.encrypted(PostgresSettings(url: server.url(parameters: "sslmode=verify-full&sslrootcert=\(server.certificateAuthority)"), environment: [:])))
    }

    @Test func requireAgainstAServerWithoutTLSSaysSo() async throws {
        let server = try Self.plainServer.get()
        let error = try #require(await Self.failure(PostgresSettings(url: server.url(parameters: "sslmode=require"), environment: [:])))
        #expect(error.message.contains("does not offer TLS, which sslmode=require insists on"), "\(error.message)")
        #expect(!error.message.contains("Check that the server runs"), "\(error.message)")
        #expect(Self.isOneLine(error.message))
        // prefer falls back to plain text, as libpq does.
        #expect(try await !Self.encrypted(PostgresSettings(url: server.url(parameters: "sslmode=prefer"), environment: [:])))
    }

    @Test func pgsslmodeAndPgsslrootcertWorkLikeTheURL() async throws {
        let server = try Self.tlsServer.get()
        let bare = server.url(parameters: "")
        let right = try PostgresSettings(url: bare, environment: ["PGSSLMODE": "verify-full", "PGSSLROOTCERT": server.certificateAuthority])
        #expect(right.sslMode == .verifyFull && right.sslRootCertificate == server.certificateAuthority)
        #expect(try await Self.encrypted(right))
        let wrong = try PostgresSettings(url: bare, environment: ["PGSSLMODE": "verify-full", "PGSSLROOTCERT": server.unrelatedCertificateAuthority])
        let error = try #require(await Self.failure(wrong))
        #expect(error.message.contains("certificate"), "\(error.message)")
        #expect(try await !Self.encrypted(PostgresSettings(url: bare, environment: ["PGSSLMODE": "disable"])))
        // The URL wins over the environment.
        let overridden = try PostgresSettings(url: server.url(parameters: "sslmode=disable"),
                                              environment: ["PGSSLMODE": "verify-full", "PGSSLROOTCERT": server.unrelatedCertificateAuthority])
        #expect(try await !Self.encrypted(overridden))
    }
}
