import Foundation
import Meterbook
import MeterbookPostgres

/// Issue 8's second goal: a one-day report over 10M rows in PostgreSQL within 3× of the SQLite time on the same
/// data. The reports benchmark's database (default 10 million attempts over 30 days; `--keep` reuses it) is shipped
/// whole to PostgreSQL (a throwaway cluster unless `--to`), then the same `meterbook` commands run against both,
/// a new process per run. SQLite reads its attempts (day summaries removed first): PostgreSQL has none either.
/// Reports over the whole range are left out: at 10M attempts each store is about 10 GB, more than this machine
/// keeps in its page cache, so they would time the disk.
///
///     swift build -c release --product meterbook && swift build -c release --product meterbook-benchmark
///     .build/release/meterbook-benchmark central-report [--attempts 10000000] [--db PATH] [--keep] [--to postgres://...]
enum CentralReportBenchmark {
    static func run(_ arguments: [String]) async throws {
        var to: String?
        var rest: [String] = []
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument == "--to" {
                guard let value = iterator.next() else { throw BenchmarkError("--to needs a postgres:// URL") }
                to = value
            } else {
                rest.append(argument)
            }
        }
        let options = try ReportsBenchmark.Options(rest)
        guard FileManager.default.isExecutableFile(atPath: options.meterbook) else {
            throw BenchmarkError("no meterbook binary at \(options.meterbook): build it (swift build -c release --product meterbook) or pass --meterbook")
        }
        let (store, firstDay) = try ReportsBenchmark.prepare(options, firstDay: UTCDay.today().adding(days: -Int64(options.days) - 1))
        try DaySummaries.forgetAll(store: store)
        let count = try store.count()

        let postgres = try BenchmarkPostgres(to: to, database: "central_report_benchmark")
        defer { postgres.destroy() }
        let url = postgres.url
        let settings = try PostgresSettings(url: url)
        let shipper = try Shipper(store: store)
        let (pass, shipSeconds) = try await ShipBenchmark.timed {
            try await CentralDatabase.with(settings, migrate: true) { try await shipper.shipOnce(to: $0) }
        }
        // What a real server would have done since: statistics for the planner, visibility for index-only scans.
        try await CentralDatabase.with(settings, migrate: false) { database in
            try await database.run("VACUUM ANALYZE requests", "vacuum")
        }

        let middle = firstDay.adding(days: Int64(options.days / 2))
        let responseID = try store.read { db in
            try String.fetchOne(db, sql: "SELECT response_id FROM requests WHERE started_at >= ? AND response_id IS NOT NULL LIMIT 1",
                                arguments: [middle.startMs + 43_200_000])
        } ?? "absent"

        print("""
            ## Central store: the same reports from SQLite and PostgreSQL

            \(count.formatted()) attempts over \(options.days) days and \(options.deployments) deployments; shipped in one pass: \
            \(pass.rowsShipped.formatted()) attempts in \(ReportsBenchmark.format(shipSeconds)) \
            (\(Int(Double(pass.rowsShipped) / shipSeconds).formatted()) attempts/s). PostgreSQL \(postgres.description); \
            SQLite without day summaries. The release `meterbook` binary, a new process per run, median of \(options.runs).

            | command | SQLite: median (runs) | PostgreSQL: median (runs) | PostgreSQL / SQLite | same output |
            |---|---|---|---|---|
            """)
        let commands: [(String, [String])] = [
            ("one-day report", ["report", "--from", "\(middle)", "--to", "\(middle)"]),
            ("one-day report by model, JSON", ["report", "--from", "\(middle)", "--to", "\(middle)", "--by", "model", "--format", "json"]),
            ("one-day report, one deployment", ["report", "--from", "\(middle)", "--to", "\(middle)", "--deployment", "gpt-4o", "--format", "json"]),
            ("trace by response id", ["trace", responseID, "--format", "json"]),
        ]
        let output = NSTemporaryDirectory() + "meterbook-central-report-\(UUID().uuidString)"
        defer { for suffix in [".sqlite.out", ".postgres.out"] { try? FileManager.default.removeItem(atPath: output + suffix) } }
        for (name, arguments) in commands {
            let local = try measure(options, arguments + ["--db", options.database], output: output + ".sqlite.out")
            let central = try measure(options, arguments + ["--db", url], output: output + ".postgres.out")
            let same = try sameOutput(output + ".sqlite.out", output + ".postgres.out")
            print("| \(name): `meterbook \(arguments.joined(separator: " "))` | \(ReportsBenchmark.format(local.median)) (\(local.runs)) "
                  + "| \(ReportsBenchmark.format(central.median)) (\(central.runs)) | \(String(format: "%.1f×", central.median / local.median)) | \(same ? "yes" : "no") |")
        }
    }

    /// Whether two outputs are the same but for the moment they were made (a JSON report's `generated_at`).
    private static func sameOutput(_ first: String, _ second: String) throws -> Bool {
        func lines(_ path: String) throws -> [Substring] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.contains("\"generated_at\"") }
        }
        return try lines(first) == lines(second)
    }

    /// Median wall time of `options.runs` runs of the real binary; the last run's stdout goes to `output`.
    private static func measure(_ options: ReportsBenchmark.Options, _ arguments: [String], output: String) throws -> (median: Double, runs: String) {
        var seconds: [Double] = []
        for _ in 0..<options.runs {
            let measurement = try ChildProcess.run(options.meterbook, arguments, stdout: output)
            guard measurement.status == 0 else { throw BenchmarkError("meterbook \(arguments.joined(separator: " ")) exited \(measurement.status)") }
            seconds.append(measurement.seconds)
        }
        return (seconds.sorted()[seconds.count / 2], seconds.map(ReportsBenchmark.format).joined(separator: ", "))
    }
}
