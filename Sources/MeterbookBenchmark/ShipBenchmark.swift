import Foundation
import Meterbook
import MeterbookPostgres

/// Issue 8's goal: ship ≥ 50,000 attempts/s to a local PostgreSQL. One generated database (default 500,000
/// attempts over 7 days), shipped in one pass (COPY batches of `--batch`), then shipped again as archives of rows
/// the server already has (every row a conflict). Without `--to`, a throwaway cluster is started from Debian's
/// `postgresql` package (`scripts/install-deps --tests`), as the tests do.
///
///     swift build -c release --product meterbook-benchmark
///     .build/release/meterbook-benchmark ship [--attempts 500000] [--batch 10000] [--to postgres://...]
enum ShipBenchmark {
    struct Options {
        var attempts = 500_000
        var days = 7
        var batch = Shipper.defaultBatchSize
        var to: String?
        var database = NSTemporaryDirectory() + "meterbook-ship-benchmark/meterbook.sqlite"

        init(_ arguments: [String]) throws {
            var options = BenchmarkArguments(arguments, usage: "--attempts N --days N --batch N --to URL --db PATH")
            while let argument = options.next() {
                switch argument {
                case "--attempts": attempts = try options.int(for: argument)
                case "--days": days = try options.int(for: argument)
                case "--batch": batch = try options.int(for: argument)
                case "--to": to = try options.string(for: argument)
                case "--db": database = try options.string(for: argument)
                default: throw options.unknown(argument)
                }
            }
        }
    }

    static func run(_ arguments: [String]) async throws {
        let options = try Options(arguments)
        let postgres = try BenchmarkPostgres(to: options.to, database: "ship_benchmark")
        defer { postgres.destroy() }
        let settings = try PostgresSettings(url: postgres.url)

        let folder = (options.database as NSString).deletingLastPathComponent
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let store = try MeterbookStore(path: options.database)
        let lastDay = UTCDay.today().adding(days: -1)
        var generator = AttemptGenerator(firstDay: lastDay.adding(days: -Int64(options.days) + 1), days: options.days, deploymentCount: 20)
        try generator.generate(total: options.attempts) { batch in try store.insert(batch) }
        let count = try store.count()
        let shipper = try Shipper(store: store, batchSize: options.batch)

        // The shipper's own share: every live row read from SQLite and encoded as COPY text, no PostgreSQL.
        let (encodedBytes, encodeSeconds) = try await timed {
            var position: Int64 = 0, bytes = 0
            while true {
                let batch = try CopyBatch.live(of: store, after: position, limit: options.batch, source: shipper.source)
                bytes += batch.data.readableBytes
                guard batch.count == options.batch else { break }
                position = batch.lastID
            }
            return bytes
        }

        let (live, liveSeconds) = try await timed { try await CentralDatabase.with(settings, migrate: true) { try await shipper.shipOnce(to: $0) } }
        // Every row again, through the archive path: rotation of everything, then a pass that finds them all shipped.
        _ = try ArchiveRotation.rotate(store: store, archiveDirectory: ArchiveRotation.defaultDirectory(forDatabase: options.database), retentionDays: 0)
        let (archived, archiveSeconds) = try await timed { try await CentralDatabase.with(settings, migrate: true) { try await shipper.shipOnce(to: $0) } }
        let central = try await CentralDatabase.with(settings, migrate: false) { database in
            try await database.values("SELECT count(*) FROM requests", as: Int.self, "count").first ?? 0
        }

        func rate(_ rows: Int, _ seconds: Double) -> String { String(format: "%.0f", Double(rows) / seconds) }
        print("""
            ## Central store: shipping to PostgreSQL

            \(count) generated attempts over \(options.days) days, batches of \(options.batch), PostgreSQL \(postgres.description).

            | pass | attempts | new | seconds | attempts/s |
            |---|---|---|---|---|
            | read and encode the live rows as COPY text only (\(encodedBytes / max(count, 1)) B/row), no PostgreSQL | \(count) | – | \(String(format: "%.2f", encodeSeconds)) | \(rate(count, encodeSeconds)) |
            | live rows, empty central store | \(live.rowsShipped) | \(live.rowsInserted) | \(String(format: "%.2f", liveSeconds)) | \(rate(live.rowsShipped, liveSeconds)) |
            | \(archived.archivesShipped) archives of rows already shipped | \(archived.rowsShipped) | \(archived.rowsInserted) | \(String(format: "%.2f", archiveSeconds)) | \(rate(archived.rowsShipped, archiveSeconds)) |

            Central rows after both passes: \(central) (local: \(count)).
            """)
    }

    static func timed<T>(_ body: () async throws -> T) async throws -> (T, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let value = try await body()
        return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
