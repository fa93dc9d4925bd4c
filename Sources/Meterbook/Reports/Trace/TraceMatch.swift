/// The call an ID names and every one of its attempts, oldest first.
public struct TraceMatch: Sendable {
    /// The ID as given.
    public var id: String
    /// The column it was found in.
    public var matchedColumn: String
    public var callID: String
    public var attempts: [AttemptRecord]

    package init(id: String, matchedColumn: String, callID: String, attempts: [AttemptRecord]) {
        self.id = id
        self.matchedColumn = matchedColumn
        self.callID = callID
        self.attempts = attempts
    }

    /// The correlation columns `trace` searches, in the order it tries them.
    public static let searchedColumns = ["call_id", "response_id", "request_id", "apim_request_id", "upstream_request_id"]
}
