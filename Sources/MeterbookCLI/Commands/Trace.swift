import ArgumentParser
import Foundation
import Meterbook
import MeterbookPostgres

extension MeterbookCommand {
    /// Every attempt of one call, found by any of its IDs.
    struct Trace: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every attempt of a call, found by any of its IDs.",
            discussion: """
                ID is a call_id (x-ms-client-request-id), response_id (resp_..., chatcmpl-..., msg_...), request_id \
                (x-request-id), apim_request_id or upstream_request_id (Anthropic request-id). Exit 1 when not found.

                Examples:
                  meterbook trace chatcmpl-9xYz
                  meterbook trace 3b2f7c1e-0d4a-4c59-9a57-2f1f0e6c8a11 --format json
                """
        )

        @OptionGroup var store: StoreOptions

        @Argument(help: "Any ID of the call.")
        var id: String

        @Option(parsing: .unconditional, help: ArgumentHelp("Search archives from this day (UTC): YYYY-MM-DD, yesterday or -7d.", valueName: "day"))
        var since: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("Search archives up to this day (UTC), included.", valueName: "day"))
        var until: String?

        @Option(help: "Output format: \(TraceFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format: TraceFormat = .text

        func validate() throws {
            if id.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("The ID is empty: pass the ID to look up.") }
        }

        func run() async throws {
            var days: ClosedRange<UTCDay>?
            if since != nil || until != nil {
                let first = try since.map { try DayRange.parse($0, option: "--since") } ?? UTCDay(daysSinceEpoch: 0)
                let last = try until.map { try DayRange.parse($0, option: "--until") } ?? UTCDay.today()
                guard first <= last else { throw ValidationError("--since \(first) is after --until \(last): swap them.") }
                days = first...last
            }
            let id = id.trimmingCharacters(in: .whitespaces)
            let match: TraceMatch
            if let central = try store.centralStore() {
                match = try await CentralReader.read(central, logger: .cli("meterbook.postgres")) { source in try CallTrace.find(id, in: [source]) }
            } else {
                match = try CallTrace.find(id, in: try store.openForReading(), archiveDirectory: store.archiveDirectory, days: days)
            }
            Console.out(format.render(match), terminator: "")
        }
    }
}
