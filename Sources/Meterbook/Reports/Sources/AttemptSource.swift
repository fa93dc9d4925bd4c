/// Where attempts are read from. The live database is one source; compressed daily archives (the rotation issue)
/// will be another, and commands then read the union of the sources that cover a range. Each operation is
/// shaped so that a source can answer it in its own way: SQL on the database, a line-by-line read of an archive.
package protocol AttemptSource: Sendable {
    /// What the source is, for messages (`the database /path/meterbook.sqlite`).
    var name: String { get }

    /// The first and last day holding attempts, or nil when the source is empty.
    func coveredDays() throws -> ClosedRange<UTCDay>?

    /// Tallies every attempt in `range` (epoch ms, half-open) that passes `filter`, keyed as `plan` says.
    func tally(range: Range<Int64>, filter: AttemptFilter, plan: UsagePlan) throws -> UsageTallies

    /// Writes every attempt in `range` that passes `filter`, in recording order, as rows of `columns`.
    func export(range: Range<Int64>, filter: AttemptFilter, columns: [String], encoder: inout any RowEncoder, sink: ByteSink) throws -> Int

    /// The attempts of the call an ID names (any of `TraceMatch.searchedColumns`), or nil.
    func trace(id: String) throws -> TraceMatch?

    /// Every attempt of a call this source holds (a call may straddle sources: retried across midnight, half
    /// archived). `days`: where the call was seen, so an archive need not read every day.
    func attempts(callID: String, near days: ClosedRange<UTCDay>) throws -> [AttemptRecord]

    /// The distinct values of a column grouping among attempts in `range` (to say what exists when a filter matches nothing).
    func distinctValues(of grouping: Grouping, range: Range<Int64>, limit: Int) throws -> [String]
}
