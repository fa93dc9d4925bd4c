import ArgumentParser
import Foundation
import Meterbook
import MeterbookPostgres

extension MeterbookCommand {
    /// Usage per deployment (or day, model, endpoint, tag) over whole UTC days.
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Usage, cost, errors, 429s and latency over a range of days, grouped as you ask.",
            discussion: """
                Days are UTC. calls counts distinct calls, requests counts attempts (retries included); failed \
                counts calls whose final attempt was not ok; latency percentiles are exact over the attempts in range.

                Examples:
                  meterbook report
                  meterbook report --from -7d --by day,deployment
                  meterbook report --from 2026-11-01 --to 2026-11-30 --by tag:app --format csv --out november.csv
                  meterbook report --format html --out usage.html
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var range: RangeOptions

        @Option(name: .customLong("by"), help: ArgumentHelp("Group by \(Grouping.acceptedValues); combine with commas (--by day,deployment). Default: deployment.", valueName: "grouping"))
        var by: [String] = []

        @Option(help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format: ReportFormat = .table

        @Option(help: ArgumentHelp("Write to this file (atomically) instead of stdout.", valueName: "file"))
        var out: String?

        @OptionGroup var filters: FilterOptions

        func validate() throws {
            _ = try usage { try Grouping.parse(by) }
        }

        func run() async throws {
            let groupings = try usage { try Grouping.parse(by.isEmpty ? ["deployment"] : by) }
            let days = try range.resolve()
            let filter = try filters.make()
            let charts = format == .html
            let report: UsageReport
            if let central = try store.centralStore() {
                report = try await CentralReader.read(central, logger: .cli("meterbook.postgres")) { source in
                    try UsageReport.build(sources: [source], days: days, groupings: groupings, filter: filter, charts: charts, now: Date())
                }
            } else {
                let database = try store.openForReading()
                report = try UsageReport.build(store: database, archiveDirectory: store.archiveDirectory, days: days, groupings: groupings, filter: filter, charts: charts)
            }
            let target = OutputTarget(path: out)
            try target.write(format.renderer(color: target.usesColor).render(report), what: "the \(format.rawValue) report")
            if !format.showsNotes {
                for note in report.notes { Console.note(note) }
            }
        }
    }
}
