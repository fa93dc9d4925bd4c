/// `meterbook trace ID`: finds the call behind any correlation ID and renders its attempts.
public enum CallTrace {
    /// Why a trace found nothing: the columns and days searched, as CONTRACT.md asks.
    public struct NotFound: Error, Sendable, CustomStringConvertible {
        public var id: String
        public var searched: [String]
        public var sources: [String]
        public var days: ClosedRange<UTCDay>?

        public var description: String {
            let columns = TraceMatch.searchedColumns.dropLast().joined(separator: ", ") + " or " + TraceMatch.searchedColumns.last!
            let span = days.map { $0.lowerBound == $0.upperBound ? "on \($0.lowerBound)" : "from \($0.lowerBound) to \($0.upperBound)" }
                ?? "(no attempts recorded)"
            return "No attempt has \(columns) = '\(id)' in \(sources.joined(separator: " and ")), which holds attempts \(span) (UTC): check the ID, or --db if it was recorded elsewhere."
        }
    }

    /// The call behind `id`, or `NotFound` naming what was searched.
    public static func find(_ id: String, in store: MeterbookStore) throws -> TraceMatch {
        try find(id, in: [DatabaseSource(store: store)])
    }

    static func find(_ id: String, in sources: [any AttemptSource]) throws -> TraceMatch {
        for source in sources {
            if let match = try source.trace(id: id) { return match }
        }
        let covered = try sources.compactMap { try $0.coveredDays() }
        let days = covered.isEmpty ? nil : covered.map(\.lowerBound).min()!...covered.map(\.upperBound).max()!
        throw NotFound(id: id, searched: TraceMatch.searchedColumns, sources: sources.map(\.name), days: days)
    }
}
