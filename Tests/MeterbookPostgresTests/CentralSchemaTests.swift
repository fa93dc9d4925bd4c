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

    /// A database made by schema 1 (B-tree indexes) takes schema 2 (hash indexes) with its rows in place, and
    /// traces still find every kind of id.
    @Test func schemaOneUpgradesToHashIndexesKeepingRows() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let database = url.split(separator: "/").last!.split(separator: "?").first.map(String.init)!
        let settings = try PostgresSettings(url: url, environment: [:])
        let seed = try SeededDatabase()
        let records = try seed.store.allAttempts()
        let source = ShipSource(id: UUID(), host: "h", database: seed.path)
        // Schema 1 as an older meterbook left it, with rows.
        let schemaOne = try #require(CentralSchema.migrations.first { $0.version == 1 })
        try server.psql("CREATE TABLE meterbook_schema (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                        database: database)
        for statement in schemaOne.statements { try server.psql(statement, database: database) }
        try server.psql("INSERT INTO meterbook_schema (version, name) VALUES (1, 'schema one')", database: database)
        try server.psql("SELECT meterbook_day_partition(\(records[0].startedAt))", database: database)
        try server.psql("INSERT INTO requests (source_id, id, source_host, source_db, call_id, attempt, final, started_at, provider, api, endpoint, method, path, stream, status, outcome) VALUES ('\(source.id)', 1, 'h', 'd', 'old-call', 1, 1, \(records[0].startedAt), 'azure-openai', 'responses', 'e', 'POST', '/p', 0, 200, 'ok')", database: database)

        // A shipper upgrades it, then ships into the hash-indexed table.
        try await CentralDatabase.with(settings, migrate: true) { central in
            try await CentralWriter.upsert(records.map { var record = $0; record.id = $0.id! + 1; return record }, from: source, into: central)
        }
        #expect(try server.psql("SELECT max(version), count(*) FROM meterbook_schema", database: database) == [["2", "2"]])
        let indexes = try server.psql("""
            SELECT indexname, split_part(split_part(indexdef, 'USING ', 2), ' ', 1) FROM pg_indexes
            WHERE tablename = 'requests' ORDER BY indexname
            """, database: database)
        #expect(indexes == [["requests_apim_request_id", "hash"], ["requests_call_id", "hash"], ["requests_pkey", "btree"],
                            ["requests_request_id", "hash"], ["requests_response_id", "hash"], ["requests_started_at", "btree"],
                            ["requests_upstream_request_id", "hash"]])
        #expect(try server.psql("SELECT count(*) FROM requests", database: database) == [["\(records.count + 1)"]])
        let ids = ["old-call", records[0].callID, try #require(records.compactMap(\.responseID).first),
                   try #require(records.compactMap(\.requestID).first), try #require(records.compactMap(\.apimRequestID).first)]
        let traces = try await CentralReader.read(settings) { source in try ids.map { try CallTrace.find($0, in: [source]) } }
        for (id, trace) in zip(ids, traces) {
            #expect(trace.attempts.contains { [$0.callID, $0.responseID, $0.requestID, $0.apimRequestID].contains(id) }, "trace of \(id)")
        }
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
