import ArgumentParser
import Foundation
import Meterbook

extension MeterbookCommand {
    /// Moves attempts older than the retention window into verified daily archives.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move attempts older than the retention window into compressed, verified daily archives.",
            discussion: """
                Each UTC day before today minus --retention-days is written to \
                archive/YYYY/MM/requests-YYYY-MM-DD.ndjson.gz (beside the database, or --archive-dir), read back and \
                checked, recorded in the manifest with its rollups, and only then deleted from the database. \
                Re-running is a no-op; rows that arrive later for an archived day go to a new part file. \
                The closed days kept in the database are then summarized for reports (exact figures per day, \
                deployment, model and endpoint), so a report over them need not read their attempts.

                Examples:
                  meterbook rotate --dry-run
                  meterbook rotate --retention-days 90
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("Keep this many whole days before today in the database. Default: [retention] days in the config, else 30.", valueName: "days"))
        var retentionDays: Int?

        @Flag(help: "Show what would be archived; change nothing.")
        var dryRun = false

        func validate() throws {
            if let retentionDays, !(0...36_500).contains(retentionDays) {
                throw ValidationError("--retention-days must be between 0 and 36500 (got \(retentionDays)).")
            }
        }

        func run() async throws {
            let days: Int
            do {
                days = try retentionDays ?? store.loadConfig().retention.days ?? 30
            } catch let error as ConfigError {
                throw CommandFailure(message: error.message, exitCode: 2)
            }
            let database = dryRun ? try store.openForReading() : try store.openExisting()
            let result = try ArchiveRotation.rotate(store: database, archiveDirectory: store.archiveDirectory,
                                                    retentionDays: days, dryRun: dryRun)
            for leftover in result.removedLeftovers {
                Console.note("Removed \(leftover), left by an interrupted rotation (its rows were still in the database).")
            }
            let summarized = dryRun ? [] : try DaySummaries.build(store: database, from: result.cutoff)
            if result.archived.isEmpty {
                Console.out("Nothing to rotate: no attempts before \(result.cutoff).")
            } else {
                for day in result.archived {
                    if dryRun {
                        Console.out("would archive \(day.day): \(day.rows) rows -> \(day.path)")
                    } else {
                        let ratio = day.bytes > 0 ? String(format: "%.1f", Double(day.rawBytes) / Double(day.bytes)) : "-"
                        Console.out("archived \(day.day): \(day.rows) rows -> \(day.path) (\(day.bytes) bytes, \(ratio)x)")
                    }
                }
                let rows = result.archived.map(\.rows).reduce(0, +)
                Console.out("\(dryRun ? "Would archive" : "Archived") \(rows) rows from \(result.archived.count) days before \(result.cutoff).")
            }
            if let first = summarized.first, let last = summarized.last {
                let days = summarized.count == 1 ? "1 closed day" : "\(summarized.count) closed days"
                Console.out("Summarized \(days) for reports (\(DayRange(from: first, to: last).description)).")
            }
        }
    }
}
