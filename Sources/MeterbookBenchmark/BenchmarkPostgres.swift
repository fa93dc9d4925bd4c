import MeterbookTestSupport

/// The PostgreSQL a benchmark ships to: the `--to` URL, else a throwaway cluster from Debian's `postgresql`
/// package (the tests' fixture), destroyed by `destroy()`.
struct BenchmarkPostgres {
    let url: String
    private let server: PostgresTestServer?

    init(to: String?, database: String) throws {
        if let to {
            url = to
            server = nil
        } else {
            let started = try PostgresTestServer.start()
            server = started
            url = try started.createDatabase(database)
        }
    }

    /// What it is, for the results.
    var description: String {
        server == nil ? "at --to" : "15, a throwaway local cluster (TCP loopback, default settings, fsync off)"
    }

    func destroy() {
        server?.destroy()
    }
}
