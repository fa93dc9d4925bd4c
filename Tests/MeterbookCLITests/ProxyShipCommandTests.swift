import Foundation
import Meterbook
import MeterbookSimulator
import MeterbookTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `meterbook proxy` with a `[ship]` section: the real binary recording calls to the simulator and shipping them to
/// a real PostgreSQL cluster in the background, through outages and shutdown.
@Suite(.serialized)
struct ProxyShipCommandTests {
    /// A running proxy and what it printed.
    struct RunningProxy {
        var process: Process
        var stdout: ProxyCommandTests.Output
        var stderr: ProxyCommandTests.Output
        var base: String
        var database: String

        var output: String { stdout.current + stderr.current }

        /// SIGTERM, then a bounded wait for the exit.
        func terminate() async throws {
            process.terminate()
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(!process.isRunning, "the proxy did not stop within 30 s of SIGTERM")
            process.waitUntilExit()
        }
    }

    static func startProxy(simulator: AzureSimulator, folder: TemporaryFolder, ship: String) async throws -> RunningProxy {
        let database = folder.path("meterbook.sqlite")
        let config = folder.path("meterbook.toml")
        try """
            [proxy]
            listen = "127.0.0.1:0"

            [upstreams]
            default = "\(simulator.baseURL)"

            [ship]
            \(ship)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let (process, stdoutPipe, stderrPipe) = try CLI.launch(["proxy", "--db", database, "--config", config])
        let stdout = ProxyCommandTests.Output(stdoutPipe)
        let stderr = ProxyCommandTests.Output(stderrPipe)
        let banner = try #require(try await stdout.line(containing: "listening at"), "the proxy did not start: \(stdout.current) \(stderr.current)")
        let base = try #require(banner.split(separator: " ").first { $0.hasPrefix("http://") }.map { String($0).trimmingCharacters(in: .punctuationCharacters) })
        return RunningProxy(process: process, stdout: stdout, stderr: stderr, base: base, database: database)
    }

    /// One Anthropic call through the proxy; returns the HTTP status.
    static func call(_ proxy: RunningProxy) async throws -> Int? {
        var request = URLRequest(url: URL(string: proxy.base + "/anthropic/v1/messages")!)
        request.httpMethod = "POST"
        request.setValue("client-key", forHTTPHeaderField: "x-api-key")
        request.setValue("2023-06-01", forHTTPHeaderField: "anthropic-version")
        request.httpBody = Data(#"{"model":"claude-haiku-4-5","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode
    }

    /// Call ids of the attempts in the local file, sorted.
    static func localCallIDs(_ path: String) throws -> [String] {
        try MeterbookStore(path: path, mode: .readOnly).allAttempts().map(\.callID).sorted()
    }

    static func centralCallIDs(_ server: PostgresTestServer, _ database: String) -> [String] {
        ((try? server.psql("SELECT call_id FROM requests ORDER BY call_id", database: database)) ?? []).map { $0[0] }.sorted()
    }

    @Test func shipsExactlyTheRecordedAttemptsEveryInterval() async throws {
        let server = try ShipCommandTests.server.get()
        let url = try server.createDatabase()
        let database = ShipCommandTests.database(of: url)
        let simulator = AzureSimulator()
        try await simulator.start()
        let folder = try TemporaryFolder()
        let proxy = try await Self.startProxy(simulator: simulator, folder: folder, ship: "to = \"\(url)\"\nevery = \"200ms\"")
        defer { if proxy.process.isRunning { proxy.process.terminate() } }
        #expect(try await proxy.stdout.line(containing: "shipping every 0.2 s to postgres://meterbook@127.0.0.1:\(server.port)/\(database)") != nil,
                "\(proxy.output)")

        for _ in 0..<5 { #expect(try await Self.call(proxy) == 200) }
        // The recorder writes off the call path and the shipper runs every 200 ms: poll, bounded.
        var local: [String] = []
        var central: [String] = []
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while ContinuousClock.now < deadline {
            local = try Self.localCallIDs(proxy.database)
            central = Self.centralCallIDs(server, database)
            if local.count == 5, central == local { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(local.count == 5)
        #expect(central == local, "central \(central) local \(local)")
        #expect(try server.psql("SELECT count(*), count(DISTINCT (source_id, id)) FROM requests", database: database) == [["5", "5"]])

        try await proxy.terminate()
        #expect(proxy.process.terminationStatus == 0, "\(proxy.output)")
        #expect(try await proxy.stderr.line(containing: "Stopped; 5 attempts recorded") != nil, "\(proxy.output)")
        #expect(Self.centralCallIDs(server, database) == (try Self.localCallIDs(proxy.database)))
        #expect(!proxy.output.contains(server.password))
        await simulator.stop()
    }

    @Test func attemptsRecordedJustBeforeSIGTERMArriveAfterExit() async throws {
        let server = try ShipCommandTests.server.get()
        let url = try server.createDatabase()
        let database = ShipCommandTests.database(of: url)
        let simulator = AzureSimulator()
        try await simulator.start()
        let folder = try TemporaryFolder()
        // A pass an hour: after the first (empty) one, only the final pass at shutdown can ship these calls.
        let proxy = try await Self.startProxy(simulator: simulator, folder: folder, ship: "to = \"\(url)\"\nevery = \"1h\"")
        defer { if proxy.process.isRunning { proxy.process.terminate() } }
        let registered = ContinuousClock.now.advanced(by: .seconds(30))
        while (try? server.psql("SELECT count(*) FROM sources", database: database)) != [["1"]], ContinuousClock.now < registered {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(500))  // lets the first pass finish, so it cannot carry the calls below
        #expect(Self.centralCallIDs(server, database).isEmpty)

        for _ in 0..<4 { #expect(try await Self.call(proxy) == 200) }
        try await proxy.terminate()
        #expect(proxy.process.terminationStatus == 0, "\(proxy.output)")
        #expect(try await proxy.stderr.line(containing: "Stopped; 4 attempts recorded") != nil, "\(proxy.output)")
        let local = try Self.localCallIDs(proxy.database)
        #expect(local.count == 4)
        #expect(Self.centralCallIDs(server, database) == local, "\(proxy.output)")
        #expect(!proxy.output.contains(server.password))
        await simulator.stop()
    }

    @Test func aServerThatIsDownNeverStopsRecordingAndIsReportedWithoutThePassword() async throws {
        let simulator = AzureSimulator()
        try await simulator.start()
        let folder = try TemporaryFolder()
        let password = "s3cret-\(UUID().uuidString.prefix(6))"
        // Nothing listens on port 1.
        let proxy = try await Self.startProxy(simulator: simulator, folder: folder,
                                              ship: "to = \"postgres://meterbook:\(password)@127.0.0.1:1/meterbook?sslmode=disable\"\nevery = \"200ms\"")
        defer { if proxy.process.isRunning { proxy.process.terminate() } }
        let failure = try await proxy.stderr.line(containing: "shipping failed")
        #expect(failure?.contains("postgres://meterbook@127.0.0.1:1/meterbook") == true, "\(proxy.output)")
        #expect(failure?.contains("Could not connect to PostgreSQL") == true, "\(proxy.output)")

        for _ in 0..<3 { #expect(try await Self.call(proxy) == 200) }
        try await proxy.terminate()
        #expect(proxy.process.terminationStatus == 0, "\(proxy.output)")
        #expect(try Self.localCallIDs(proxy.database).count == 3)
        #expect(try await proxy.stderr.line(containing: "Stopped; 3 attempts recorded") != nil, "\(proxy.output)")
        // One line per outage, not one per retry.
        #expect(proxy.stderr.current.components(separatedBy: "shipping failed; retrying").count - 1 == 1, "\(proxy.output)")
        #expect(!proxy.output.contains(password), "\(proxy.output)")
        await simulator.stop()
    }
}
