/// Input a report, export, check or query cannot use (a bad date, grouping, threshold or parameter).
/// The CLI turns it into a usage error (exit 2); the message names what is accepted.
public struct ReportInputError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
