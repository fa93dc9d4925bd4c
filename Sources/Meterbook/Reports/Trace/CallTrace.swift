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
            return "No attempt has \(columns) = '\(id)' in \(sources.joined(separator: " and ")), which \(sources.count > 1 ? "hold" : "holds") attempts \(span) (UTC): check the ID, or --db if it was recorded elsewhere."
        }
    }

    /// The call behind `id`, or `NotFound` naming what was searched.
    /// Searches the live database, then the archives (newest first; `days` narrows which archives are read).
    public static func find(_ id: String, in store: MeterbookStore, archiveDirectory: String? = nil,
                            days: ClosedRange<UTCDay>? = nil) throws -> TraceMatch {
        let archives = ArchiveSource(store: store, directory: archiveDirectory ?? ArchiveRotation.defaultDirectory(forDatabase: store.path), days: days)
        return try find(id, in: [DatabaseSource(store: store), archives])
    }

    package static func find(_ id: String, in sources: [any AttemptSource]) throws -> TraceMatch {
        for (index, source) in sources.enumerated() {
            guard var match = try source.trace(id: id) else { continue }
            // The call's other attempts may sit in another source (half archived, or retried across midnight).
            let seen = match.attempts.map { UTCDay(containing: $0.startedAt) }
            if let first = seen.min(), let last = seen.max() {
                let near = first.adding(days: -1)...last.adding(days: 1)
                for (other, otherSource) in sources.enumerated() where other != index {
                    let known = Set(match.attempts.compactMap(\.id))
                    match.attempts += try otherSource.attempts(callID: match.callID, near: near).filter { $0.id.map { !known.contains($0) } ?? true }
                }
                match.attempts.sort { ($0.startedAt, $0.attempt, $0.id ?? 0) < ($1.startedAt, $1.attempt, $1.id ?? 0) }
            }
            return match
        }
        let covered = try sources.map { try $0.coveredDays() }
        let spans = covered.compactMap { $0 }
        let days = spans.isEmpty ? nil : spans.map(\.lowerBound).min()!...spans.map(\.upperBound).max()!
        // The database is always named; archives only when there are some (in the days searched).
        let searched = sources.indices.filter { $0 == 0 || covered[$0] != nil }.map { sources[$0].name }
        throw NotFound(id: id, searched: TraceMatch.searchedColumns, sources: searched, days: days)
    }
}
