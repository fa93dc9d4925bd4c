import ArgumentParser
import Foundation
import Meterbook
import MeterbookPostgres

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
            let (out, format) = (out, format)
            if let central = try store.centralStore() {
                // The whole export runs on the reader's own thread: rows go from the socket to the sink as they arrive.
                try await CentralReader.read(central, logger: .cli("meterbook.postgres")) { source in
                    try Self.write(out: out, days: days) { sink in
                        try AttemptExport.write(sources: [source], range: days.bounds, filter: filter, format: format, to: sink)
                    }
                }
            } else {
                let database = try store.openForReading()
                let archiveDirectory = store.archiveDirectory
                try Self.write(out: out, days: days) { sink in
                    try AttemptExport.write(store: database, archiveDirectory: archiveDirectory, range: days.bounds, filter: filter, format: format, to: sink)
                }
            }
        }

        /// Writes to `out` atomically (noting the count), or streams to stdout.
        private static func write(out: String?, days: DayRange, _ rows: (ByteSink) throws -> Int) throws {
            if let out {
                let file = try AtomicFile(path: out)
                do {
                    let count = try rows(file.sink)
                    try file.commit()
                    Console.note("Exported \(count) attempts from \(days.description) (UTC) to \(out).")
                } catch {
                    file.discard()
                    throw error
                }
            } else {
                _ = try rows(ByteSink(descriptor: STDOUT_FILENO))
            }
        }
    }
}
