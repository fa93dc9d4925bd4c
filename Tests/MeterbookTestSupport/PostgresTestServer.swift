import Foundation
import Meterbook
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster for the central-store tests: Debian's server binaries (`scripts/install-deps
/// --tests` installs them), a data folder under /tmp, TCP on 127.0.0.1 at a free port with password login
/// (scram-sha-256), and a Unix socket in the data folder with trust login. As root the server runs as the
/// `postgres` user, since initdb refuses root.
///
/// With TLS, the server also speaks TLS with a certificate for localhost and 127.0.0.1 signed by a throwaway CA
/// (`certificateAuthority`), and listens on 127.0.0.2 too, an address the certificate does not name.
///
/// Stopped by `stop()`, and at the latest when the test process exits.
public final class PostgresTestServer: @unchecked Sendable {
    public let directory: String
    public let port: Int
    public let user = "meterbook"
    public let password = "pw-\(UUID().uuidString.prefix(8))"
    /// How the server treats TCP connections.
    public enum TLSMode: Sendable {
        /// No TLS (the server answers a TLS request with "no").
        case off
        /// TLS offered, plain TCP accepted too.
        case on
        /// TLS offered, plain TCP logins rejected by pg_hba (`hostnossl ... reject`).
        case onlyTLS
    }
    public let tls: TLSMode
    private let binaries: String
    private let lock = NSLock()
    private var running = false

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Where the data and the socket live.
    public var dataDirectory: String { directory + "/data" }
    public var socketDirectory: String { directory }

    /// The PEM file of the CA that signed the server's certificate (TLS modes only).
    public var certificateAuthority: String { directory + "/tls/ca.pem" }
    /// The PEM file of another CA, which signed nothing this server presents (TLS modes only).
    public var unrelatedCertificateAuthority: String { directory + "/tls/other-ca.pem" }

    /// A URL for `database` over TCP, with the password in it; `parameters` is its query string.
    public func url(database: String = "meterbook", host: String = "127.0.0.1", parameters: String = "sslmode=disable") -> String {
        "postgres://\(user):\(password)@\(host):\(port)/\(database)" + (parameters.isEmpty ? "" : "?" + parameters)
    }

    /// A URL without credentials; the password must come from PGPASSWORD.
    public func urlWithoutPassword(database: String = "meterbook", parameters: String = "sslmode=disable") -> String {
        "postgres://\(user)@127.0.0.1:\(port)/\(database)" + (parameters.isEmpty ? "" : "?" + parameters)
    }

    /// Creates a cluster and starts it.
    public static func start(tls: TLSMode = .off) throws -> PostgresTestServer {
        let server = try PostgresTestServer(tls: tls)
        try server.initialise()
        try server.startServer()
        servers.withLock { $0.append(server) }
        registerExitHook
        return server
    }

    private init(tls: TLSMode) throws {
        self.tls = tls
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.compactMap(Int.init).max() else {
            throw Failure(description: "The PostgreSQL server is not installed: run scripts/install-deps --tests (Debian's postgresql package).")
        }
        binaries = "/usr/lib/postgresql/\(version)/bin"
        directory = "/tmp/meterbook-pg-\(UUID().uuidString.prefix(12))"
        port = try Self.freePort()
    }

    /// A new, empty database on this server; returns its URL.
    public func createDatabase(_ name: String = "t_\(UUID().uuidString.prefix(8).lowercased())") throws -> String {
        try psql("CREATE DATABASE \(name)")
        return url(database: name)
    }

    /// Runs SQL through psql over the socket (as the cluster's superuser) and returns its unaligned output rows.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> [[String]] {
        let output = try run(binaries + "/psql", ["-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                                                  "-h", socketDirectory, "-p", String(port), "-U", user, "-d", database, "-c", sql])
        return output.split(separator: "\n", omittingEmptySubsequences: true).map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Stops the server at once (as a crash would: `-m immediate`), keeping its data.
    public func stop() throws {
        lock.lock(); defer { lock.unlock() }
        guard running else { return }
        _ = try run(binaries + "/pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"])
        running = false
    }

    /// Starts a stopped server again on the same port and data.
    public func restart() throws {
        try stop()
        try startServer()
    }

    /// Stops the server and deletes its data.
    public func destroy() {
        try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func initialise() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let passwordFile = directory + "/pwfile"
        try password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        if geteuid() == 0 {
            _ = try run("/bin/chown", ["-R", "postgres:postgres", directory], asServerUser: false)
        }
        _ = try run(binaries + "/initdb", ["-D", dataDirectory, "-U", user, "--pwfile", passwordFile, "-E", "UTF8", "--locale=C",
                                           "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"])
        if tls != .off {
            try makeCertificates()
            let plain = tls == .onlyTLS ? "hostnossl all all 0.0.0.0/0 reject" : "host all all 127.0.0.0/8 scram-sha-256"
            let rules = ["local all all trust", "hostssl all all 127.0.0.0/8 scram-sha-256", plain, ""].joined(separator: "\n")
            // Written in place so the file keeps its owner (the server's user).
            try Data(rules.utf8).write(to: URL(fileURLWithPath: dataDirectory + "/pg_hba.conf"))
        }
    }

    /// A throwaway CA, a server certificate it signs for localhost and 127.0.0.1, and an unrelated CA, made with
    /// the openssl CLI into `tls/` (the key readable by the server's user only, as postgres insists).
    private func makeCertificates() throws {
        let folder = directory + "/tls"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]
        for name in ["ca", "other-ca"] {
            try run("/usr/bin/openssl", ["req", "-x509"] + key + ["-keyout", "\(folder)/\(name).key", "-out", "\(folder)/\(name).pem",
                    "-subj", "/CN=meterbook-test-\(name)", "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign"], asServerUser: false)
        }
        try run("/usr/bin/openssl", ["req", "-x509", "-CA", "\(folder)/ca.pem", "-CAkey", "\(folder)/ca.key"] + key
                + ["-keyout", "\(folder)/server.key", "-out", "\(folder)/server.crt", "-subj", "/CN=localhost",
                   "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:FALSE",
                   "-addext", "extendedKeyUsage=serverAuth"], asServerUser: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
        for name in ["ca.pem", "other-ca.pem", "server.crt"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: "\(folder)/\(name)")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: "\(folder)/server.key")
        if geteuid() == 0 {
            try run("/bin/chown", ["-R", "postgres:postgres", folder], asServerUser: false)
        }
    }

    private func startServer() throws {
        lock.lock(); defer { lock.unlock() }
        var options = "-c listen_addresses=127.0.0.1 -p \(port) -k \(socketDirectory) -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        if tls != .off {
            // 127.0.0.2 too: loopback, but not a name the certificate has, for hostname verification tests.
            options = options.replacingOccurrences(of: "listen_addresses=127.0.0.1", with: "listen_addresses=127.0.0.1,127.0.0.2")
            options += " -c ssl=on -c ssl_cert_file=\(directory)/tls/server.crt -c ssl_key_file=\(directory)/tls/server.key"
        }
        _ = try run(binaries + "/pg_ctl", ["-D", dataDirectory, "-l", directory + "/server.log", "-o", options, "-w", "-t", "60", "start"])
        running = true
        _ = try? psql("CREATE DATABASE meterbook")
    }

    /// Runs a program to its end and returns its stdout. Spawned with posix_spawn and reaped with waitpid, not
    /// with Foundation's Process: on Linux Process sees a child's exit through a socket the child inherits, and the
    /// server that `pg_ctl start` leaves running inherits it too, so Process would wait for the server to stop.
    @discardableResult
    private func run(_ executable: String, _ arguments: [String], asServerUser: Bool = true) throws -> String {
        let argv = asServerUser && geteuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", executable] + arguments : [executable] + arguments
        let outputPath = "/tmp/meterbook-pg-out-\(UUID().uuidString)"
        let errorPath = outputPath + ".err"
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Nothing else of this process may reach the server: tests running beside this one hold pipes to their own
        // children, and a server that inherited a pipe's write end would keep that test from ever seeing EOF.
        Self.closeFrom3(&actions)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else {
            throw Failure(description: "Could not start \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
        let exitedCleanly = (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 0
        guard exitedCleanly else {
            let message = String(decoding: FileManager.default.contents(atPath: errorPath) ?? Data(), as: UTF8.self)
            throw Failure(description: "\((executable as NSString).lastPathComponent) failed (status \(status)): \(message)")
        }
        return output
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which Swift's Glibc module does not declare; else
    /// every descriptor open now.
    private static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap(Int32.init) ?? []
        for descriptor in open where descriptor >= 3 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }

    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        guard bound == 0 else { throw Failure(description: "bind() failed") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static let servers = Locked<[PostgresTestServer]>([])

    /// Stops every server this process started when it exits, so no cluster outlives the tests.
    private static let registerExitHook: Void = {
        atexit {
            for server in PostgresTestServer.servers.withLock({ $0 }) { server.destroy() }
        }
    }()
}
