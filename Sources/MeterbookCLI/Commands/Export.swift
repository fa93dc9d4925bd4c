import ArgumentParser
import Foundation
import Meterbook

extension MeterbookCommand {
    /// Every attempt in a range as CSV or NDJSON, streamed.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export attempts, one line each, as CSV or NDJSON.",
            discussion: """
                Columns are the requests table's, header row first (CSV, RFC 4180). Text cells starting with \
                = + - @ get a leading ' so spreadsheets do not run them. Rows are streamed: memory stays small at any size.

                Examples:
                  meterbook export --from yesterday --to yesterday > yesterday.csv
                  meterbook export --from -7d --status 429 --format ndjson | jq .retry_after_ms
                  meterbook export --deployment gpt-4o --out gpt-4o.csv
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var range: RangeOptions

        @Option(help: "Output format: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format: ExportFormat = .csv

        @Option(help: ArgumentHelp("Write to this file (atomically) instead of stdout.", valueName: "file"))
        var out: String?

        @OptionGroup var filters: FilterOptions

        func run() async throws {
            let days = try range.resolve()
            let filter = try filters.make()
            let database = try store.openForReading()
            if let out {
                let file = try AtomicFile(path: out)
                do {
                    let rows = try AttemptExport.write(store: database, archiveDirectory: store.archiveDirectory, range: days.bounds, filter: filter, format: format, to: file.sink)
                    try file.commit()
                    Console.note("Exported \(rows) attempts from \(days.description) (UTC) to \(out).")
                } catch {
                    file.discard()
                    throw error
                }
            } else {
                let sink = ByteSink(descriptor: STDOUT_FILENO)
                try AttemptExport.write(store: database, archiveDirectory: store.archiveDirectory, range: days.bounds, filter: filter, format: format, to: sink)
            }
        }
    }
}
