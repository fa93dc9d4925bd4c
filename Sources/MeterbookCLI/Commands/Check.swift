import ArgumentParser
import Foundation
import Meterbook
import MeterbookPostgres

extension MeterbookCommand {
    /// Thresholds for cron and CI: exit 3 when one is crossed.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check cost per day, error rate, 429 rate and p95 latency against thresholds (exit 3 when crossed).",
            discussion: """
                Each day of the range is judged, per deployment (default) or --per overall. Rates and p95 are only \
                judged for groups with at least --min-calls calls. Exit 0 when all is within limits, 3 when any \
                threshold is crossed (the rows that crossed are printed), 1 or 2 on errors.

                Examples:
                  meterbook check --max-error-rate 5% --max-throttle-rate 10% --max-daily-cost 200
                  meterbook check --from today --per overall --max-p95-ms 3000
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var range: RangeOptions

        @Option(name: .customLong("max-daily-cost"), help: ArgumentHelp("Most USD per day.", valueName: "usd"))
        var maxDailyCost: String?

        @Option(name: .customLong("max-error-rate"), help: ArgumentHelp("Most failed calls / calls, e.g. 5% or 0.05.", valueName: "rate"))
        var maxErrorRate: String?

        @Option(name: .customLong("max-throttle-rate"), help: ArgumentHelp("Most 429 attempts / attempts, e.g. 10%.", valueName: "rate"))
        var maxThrottleRate: String?

        @Option(name: .customLong("max-p95-ms"), help: ArgumentHelp("Most p95 latency, in ms (or 1.5s).", valueName: "ms"))
        var maxP95: String?

        @Option(name: .customLong("min-calls"), help: "Judge rates and p95 only for groups with at least this many calls.")
        var minCalls: Int = 1

        @Option(help: "Judge each deployment, or all traffic together: \(ThresholdCheck.Scope.allCases.map(\.rawValue).joined(separator: ", ")).")
        var per: ThresholdCheck.Scope = .deployment

        @Option(help: "Output format: table or json.")
        var format: TableOrJSON = .table

        @OptionGroup var filters: FilterOptions

        func thresholds() throws -> UsageThresholds {
            try usage {
                UsageThresholds(
                    maxDailyCost: try maxDailyCost.map { try UsageThresholds.parseDollars($0, option: "--max-daily-cost") },
                    maxErrorRate: try maxErrorRate.map { try UsageThresholds.parseRate($0, option: "--max-error-rate") },
                    maxThrottleRate: try maxThrottleRate.map { try UsageThresholds.parseRate($0, option: "--max-throttle-rate") },
                    maxP95Ms: try maxP95.map { try UsageThresholds.parseMilliseconds($0, option: "--max-p95-ms") },
                    minCalls: minCalls
                )
            }
        }

        func validate() throws {
            if try thresholds().isEmpty {
                throw ValidationError("Give at least one threshold: --max-daily-cost, --max-error-rate, --max-throttle-rate or --max-p95-ms.")
            }
            if minCalls < 1 { throw ValidationError("--min-calls must be 1 or more.") }
        }

        func run() async throws {
            let check = ThresholdCheck(days: try range.resolve(), filter: try filters.make(), thresholds: try thresholds(), scope: per)
            let result: ThresholdCheck.Result
            if let central = try store.centralStore() {
                result = try await CentralReader.read(central, logger: .cli("meterbook.postgres")) { source in try check.run(on: [source]) }
            } else {
                result = try check.run(on: try store.openForReading(), archiveDirectory: store.archiveDirectory)
            }
            switch format {
            case .json: Console.out(result.json().render(pretty: true))
            case .table: Console.out(result.text())
            }
            if !result.passed {
                Console.error("\(result.crossings.count) threshold\(result.crossings.count == 1 ? "" : "s") crossed from \(result.days.description) (UTC).")
                throw ExitCode(3)
            }
        }
    }
}
