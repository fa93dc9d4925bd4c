import Foundation
import Meterbook
import MeterbookTestSupport
import Testing

/// `meterbook ship` end to end: the real binary against a real PostgreSQL cluster.
@Suite(.serialized)
struct ShipCommandTests {
    static let server = Result { try PostgresTestServer.start() }

    static func attempts(_ count: Int, day: UTCDay = .today(), offset: Int = 0) -> [AttemptRecord] {
        (0..<count).map { index in
            AttemptRecord(callID: UUID().uuidString.lowercased(), startedAt: day.startMs + Int64((offset + index) % 86_000) * 1000,
                          provider: .azureOpenAI, api: .responses, endpoint: "contoso.openai.azure.com", deployment: "gpt-4o",
                          path: "/openai/v1/responses", status: 200, outcome: .ok)
        }
    }

    static func database(of url: String) -> String {
        String(url.split(separator: "/").last!.split(separator: "?")[0])
    }

    static func counts(_ server: PostgresTestServer, _ database: String) throws -> [String] {
        try server.psql("SELECT count(*), count(DISTINCT (source_id, id)) FROM requests", database: database)[0]
    }

    @Test func shipsOnceAndPrintsOneLineWithoutThePassword() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let folder = try TemporaryFolder()
        let store = try MeterbookStore(path: folder.path("m.sqlite"))
        try store.insert(Self.attempts(1_234))
        let result = try await CLI.run(["ship", "--db", folder.path("m.sqlite"), "--to", url])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Shipped 1234 attempts (1234 new) and 0 archives"))
        #expect(result.stdout.contains("127.0.0.1:\(server.port)"))
        #expect(!(result.stdout + result.stderr).contains(server.password))
        #expect(try Self.counts(server, Self.database(of: url)) == ["1234", "1234"])

        // PGPASSWORD and a URL without one; nothing new the second time.
        let again = try await CLI.run(["ship", "--db", folder.path("m.sqlite"), "--to", server.urlWithoutPassword(database: Self.database(of: url))],
                                      environment: ["PGPASSWORD": server.password])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("Shipped 0 attempts"))
    }

    static let tlsServer = Result { try PostgresTestServer.start(tls: .onlyTLS) }

    @Test func shipsOverVerifiedTLSAndSaysOneLineWhenTheCAIsWrong() async throws {
        let server = try Self.tlsServer.get()
        let url = try server.createDatabase()
        let database = Self.database(of: url)
        let folder = try TemporaryFolder()
        let path = folder.path("m.sqlite")
        try MeterbookStore(path: path).insert(Self.attempts(300))

        // The wrong CA, from the URL: exit 1, one line naming the server, the file and the fix, no password.
        let wrong = try await CLI.run(["ship", "--db", path, "--to",
                                       server.url(database: database, parameters: "sslmode=verify-full&sslrootcert=\(server.unrelatedCertificateAuthority)")])
        #expect(wrong.status == 1)
        let lines = wrong.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("postgres://meterbook@127.0.0.1:\(server.port)/\(database)"), "\(wrong.stderr)")
        #expect(wrong.stderr.contains("not signed by the CAs in sslrootcert \(server.unrelatedCertificateAuthority)"), "\(wrong.stderr)")
        #expect(!(wrong.stdout + wrong.stderr).contains(server.password))
        #expect(try server.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'requests'", database: database) == [["0"]])

        // Plain text against a server that takes only TLS.
        let plain = try await CLI.run(["ship", "--db", path, "--to", server.url(database: database, parameters: "sslmode=disable")])
        #expect(plain.status == 1)
        #expect(plain.stderr.split(separator: "\n").count == 1, "\(plain.stderr)")
        #expect(plain.stderr.contains("use sslmode=require or stricter"), "\(plain.stderr)")
        #expect(!(plain.stdout + plain.stderr).contains(server.password))

        // The right CA from PGSSLMODE / PGSSLROOTCERT, the password from PGPASSWORD.
        let right = try await CLI.run(["ship", "--db", path, "--to", server.urlWithoutPassword(database: database, parameters: "")],
                                      environment: ["PGSSLMODE": "verify-full", "PGSSLROOTCERT": server.certificateAuthority, "PGPASSWORD": server.password])
        #expect(right.status == 0, "\(right.stderr)")
        #expect(right.stdout.contains("Shipped 300 attempts (300 new)"), "\(right.stdout)")
        #expect(try Self.counts(server, database) == ["300", "300"])
        // And the wrong one from PGSSLROOTCERT fails like the URL's.
        let wrongFromEnvironment = try await CLI.run(["ship", "--db", path, "--to", server.urlWithoutPassword(database: database, parameters: "")],
                                                     environment: ["PGSSLMODE": "verify-ca", "PGSSLROOTCERT": server.unrelatedCertificateAuthority,
                                                                   "PGPASSWORD": server.password])
        #expect(wrongFromEnvironment.status == 1)
        #expect(wrongFromEnvironment.stderr.contains("not signed by"), "\(wrongFromEnvironment.stderr)")
        #expect(!(wrongFromEnvironment.stdout + wrongFromEnvironment.stderr).contains(server.password))
    }

    @Test func serverDownAtStartExitsOneAndLeavesTheFileAlone() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("m.sqlite")
        let store = try MeterbookStore(path: path)
        try store.insert(Self.attempts(10))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let result = try await CLI.run(["ship", "--db", path, "--to", "postgres://meterbook:s3cret-pw@127.0.0.1:1/meterbook?sslmode=disable"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Could not connect to PostgreSQL at postgres://meterbook@127.0.0.1:1/meterbook"), "\(result.stderr)")
        #expect(!(result.stdout + result.stderr).contains("s3cret-pw"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func aShipperKilledMidBatchResumesWithExactlyTheLocalRows() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let database = Self.database(of: url)
        let folder = try TemporaryFolder()
        let path = folder.path("m.sqlite")
        let store = try MeterbookStore(path: path)
        let total = 120_000
        for start in stride(from: 0, to: total, by: 20_000) {
            try store.insert(Self.attempts(20_000, offset: start))
        }
        let (process, _, _) = try CLI.launch(["ship", "--db", path, "--to", url, "--batch", "1000"])
        let deadline = Date(timeIntervalSinceNow: 60)
        var seen = 0
        while process.isRunning, Date() < deadline {
            seen = Int((try? server.psql("SELECT count(*) FROM requests", database: database))?.first?.first ?? "0") ?? 0
            if seen >= 5_000 { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let partial = Int(try server.psql("SELECT count(*) FROM requests", database: database)[0][0])!
        #expect(partial < total, "the shipper finished before it was killed")
        // The position moved with the rows it committed, never past them.
        let position = Int(try server.psql("SELECT shipped_id FROM sources", database: database)[0][0])!
        #expect(position == partial)

        let result = try await CLI.run(["ship", "--db", path, "--to", url])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Shipped \(total - partial) attempts (\(total - partial) new)"), "\(result.stdout)")
        #expect(try Self.counts(server, database) == ["\(total)", "\(total)"])
    }

    @Test func everyKeepsShippingThroughAServerRestartAndStopsOnSIGTERM() async throws {
        let server = try Self.server.get()
        let url = try server.createDatabase()
        let database = Self.database(of: url)
        let folder = try TemporaryFolder()
        let path = folder.path("m.sqlite")
        let store = try MeterbookStore(path: path)
        try store.insert(Self.attempts(3_000))
        let (process, stdout, stderr) = try CLI.launch(["ship", "--db", path, "--to", url, "--every", "200ms", "--batch", "500"])
        async let out = CLI.readToEnd(stdout)
        async let err = CLI.readToEnd(stderr)
        func count() -> Int { Int((try? server.psql("SELECT count(*) FROM requests", database: database))?.first?.first ?? "0") ?? 0 }
        var deadline = Date(timeIntervalSinceNow: 60)
        while count() < 3_000, Date() < deadline { try await Task.sleep(nanoseconds: 100_000_000) }
        try server.stop()
        try store.insert(Self.attempts(2_000, offset: 4_000))
        try await Task.sleep(nanoseconds: 2_000_000_000)
        try server.restart()
        try store.insert(Self.attempts(1_000, offset: 7_000))
        deadline = Date(timeIntervalSinceNow: 60)
        while count() < 6_000, Date() < deadline { try await Task.sleep(nanoseconds: 100_000_000) }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let (output, errors) = (String(decoding: await out, as: UTF8.self), String(decoding: await err, as: UTF8.self))
        #expect(process.terminationStatus == 0, "\(errors)")
        #expect(try Self.counts(server, database) == ["6000", "6000"])
        #expect(errors.components(separatedBy: "failed, retrying").count - 1 == 1, "\(errors)")
        #expect(errors.contains("resumed"))
        #expect(errors.contains("Stopped: "), "\(errors)")
        #expect(!(output + errors).contains(server.password))
    }
}
