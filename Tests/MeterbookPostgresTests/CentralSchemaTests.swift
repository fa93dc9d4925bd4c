import Foundation
import Meterbook
import MeterbookTestSupport
import PostgresNIO
import Testing
@testable import MeterbookPostgres

/// The connection settings and the central schema, against a real PostgreSQL cluster.
@Suite(.serialized)
struct CentralSchemaTests {
    static let server = Result { try PostgresTestServer.start() }

    @Test func urlAndEnvironmentCompleteEachOther() throws {
        let settings = try PostgresSettings(url: "postgres://alice@db.example:6543/usage?sslmode=require",
                                            environment: ["PGPASSWORD": "s3cret", "PGUSER": "bob", "PGHOST": "other", "PGDATABASE": "x"])
        #expect(settings.endpoint == .tcp(host: "db.example", port: 6543))
        #expect(settings.username == "alice")
        #expect(settings.password == "s3cret")
        #expect(settings.database == "usage")
        #expect(settings.sslMode == .require)
        #expect(settings.description == "postgres://alice@db.example:6543/usage")

        let fromEnvironment = try PostgresSettings(url: "postgres://", environment: ["PGHOST": "/run/pg", "PGPORT": "5433", "PGUSER": "carol", "PGSSLMODE": "disable"])
        #expect(fromEnvironment.endpoint == .unixSocket(directory: "/run/pg", port: 5433))
        #expect(fromEnvironment.username == "carol")
        #expect(fromEnvironment.database == "carol")
        #expect(fromEnvironment.sslMode == .disable)

        let socketInHost = try PostgresSettings(url: "postgresql://dave@%2Ftmp%2Fsock/db", environment: [:])
        #expect(socketInHost.endpoint == .unixSocket(directory: "/tmp/sock", port: 5432))
    }

    @Test func passwordsNeverAppearInMessages() throws {
        let url = "postgres://alice:hunter2@db.example:5432/usage?sslmode=bogus"
        #expect(PostgresSettings.redact(url) == "postgres://alice:***@db.example:5432/usage?sslmode=bogus")
        #expect(PostgresSettings.redact("postgres://h/db?password=hunter2&sslmode=disable") == "postgres://h/db?password=***&sslmode=disable")
        do {
            _ = try PostgresSettings(url: url, environment: [:])
            Issue.record("a bad sslmode was accepted")
        } catch let error as CentralStoreError {
            #expect(!error.message.contains("hunter2"))
            #expect(error.message.contains("sslmode \"bogus\""))
        }
        let settings = try PostgresSettings(url: "postgres://alice:hunter2@db.example/usage", environment: [:])
        #expect(!"\(settings)".contains("hunter2"))
    }

    @Test func migratesOnceAndRefusesNewerSchemas() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let settings = try PostgresSettings(url: url, environment: [:])
        // Several shippers connecting to a new database at once apply the schema exactly once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { try await CentralDatabase.with(settings, migrate: true) { _ in } }
            }
            try await group.waitForAll()
        }
        let database = url.split(separator: "/").last!.split(separator: "?").first.map(String.init)!
        #expect(try server.psql("SELECT count(*) FROM meterbook_schema", database: database) == [["\(CentralSchema.latestVersion)"]])
        // Partitions are made per UTC day on demand.
        #expect(try server.psql("SELECT meterbook_day_partition(1763683200000 + 5), meterbook_day_partition(1763683200000 - 1)", database: database)
            == [["requests_20251121", "requests_20251120"]])

        try server.psql("INSERT INTO meterbook_schema (version, name) VALUES (99, 'future')", database: database)
        do {
            try await CentralDatabase.with(settings, migrate: true) { _ in }
            Issue.record("a newer schema was accepted")
        } catch let error as CentralStoreError {
            #expect(error.kind == .newerSchema)
            #expect(error.message.contains("schema 99, newer than this meterbook understands"))
        }
    }

    @Test func readersNeverCreateTablesAndBadLoginsSayWhatToDo() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        do {
            try await CentralDatabase.with(try PostgresSettings(url: url, environment: [:]), migrate: false) { _ in }
            Issue.record("an empty database was read")
        } catch let error as CentralStoreError {
            #expect(error.kind == .notMeterbook)
        }
        let wrong = url.replacingOccurrences(of: server.password, with: "wrong-password")
        do {
            try await CentralDatabase.with(try PostgresSettings(url: wrong, environment: [:]), migrate: true) { _ in }
            Issue.record("a wrong password was accepted")
        } catch let error as CentralStoreError {
            #expect(error.kind == .unreachable)
            #expect(error.message.contains("password authentication failed"))
            #expect(!error.message.contains("wrong-password"))
        }
        // The password may come from PGPASSWORD alone.
        let settings = try PostgresSettings(url: server.urlWithoutPassword(database: String(url.split(separator: "/").last!.split(separator: "?")[0])), environment: ["PGPASSWORD": server.password])
        try await CentralDatabase.with(settings, migrate: true) { database in
            let one = try await database.values("SELECT 1", as: Int.self, "select one")
            #expect(one == [1])
        }
    }

    @Test func serverDownIsAClearError() async throws {
        let settings = try PostgresSettings(url: "postgres://u:p@127.0.0.1:1/db?sslmode=disable", environment: [:])
        do {
            try await CentralDatabase.with(settings, migrate: true) { _ in }
            Issue.record("connected to nothing")
        } catch let error as CentralStoreError {
            #expect(error.kind == .unreachable)
            #expect(error.message.hasPrefix("Could not connect to PostgreSQL at postgres://u@127.0.0.1:1/db:"))
        }
    }
}
