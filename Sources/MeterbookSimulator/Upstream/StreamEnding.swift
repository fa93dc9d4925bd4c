/// How a stream ends.
enum StreamEnding: Sendable {
    /// The API's normal terminal events.
    case complete
    /// The API's error event (`midStreamError`).
    case errorEvent
    /// Responses `response.failed` (`responseFailed`); other APIs send their error event.
    case failed
    /// No terminal event; the connection is dropped (`streamCut`).
    case cut

    /// Deltas sent before a failure: a few, so the client has seen content before it breaks.
    func deltaCount(of total: Int) -> Int {
        self == .complete ? total : min(3, total)
    }
}
