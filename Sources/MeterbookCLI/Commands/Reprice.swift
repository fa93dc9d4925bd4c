import ArgumentParser
import Foundation
import Meterbook

extension MeterbookCommand {
    /// Recomputes stored costs after a price change.
    struct Reprice: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the stored cost of every attempt in a range with the prices in force now.",
            discussion: """
                Uses each attempt's recorded usage and the price table (built-in prices with meterbook.toml's \
                overrides; see 'meterbook prices'). Says how many attempts changed.

                Examples:
                  meterbook reprice --from 2026-11-01
                  meterbook reprice --from -30d --dry-run
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(parsing: .unconditional, help: ArgumentHelp("First day (UTC): YYYY-MM-DD, today, yesterday or -7d.", valueName: "day"))
        var from: String

        @Option(parsing: .unconditional, help: ArgumentHelp("Last day (UTC), included. Default: today.", valueName: "day"))
        var to: String?

        @Flag(name: .customLong("dry-run"), help: "Count what would change; write nothing.")
        var dryRun = false

        func validate() throws {
            _ = try usage { try DayRange.resolve(from: from, to: to) }
        }

        func run() async throws {
            let days = try usage { try DayRange.resolve(from: from, to: to) }
            let config = try store.loadConfig()
            let database = dryRun ? try store.openForReading() : try store.openExisting()
            let summary = try Repricer.reprice(store: database, days: days, policy: config.costPolicy, dryRun: dryRun)
            var line = "\(summary.dryRun ? "Would reprice" : "Repriced") \(summary.attempts) attempts from \(days.description) (UTC): "
            line += "\(summary.changed) \(summary.dryRun ? "would change" : "changed"); "
            line += "cost \(Units.dollars(summary.costBefore)) → \(Units.dollars(summary.costAfter))"
            if summary.nowPriced > 0 || summary.nowUnpriced > 0 {
                line += " (\(summary.nowPriced) newly priced, \(summary.nowUnpriced) no longer priced)"
            }
            Console.out(line + ".")
        }
    }
}
