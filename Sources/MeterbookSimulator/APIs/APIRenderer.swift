/// The bytes of a rendered stream and the usage object it carried (nil when it carried none).
struct RenderedStream {
    var events: [String]
    var usage: JSON?
}

/// One API's body and stream formats.
protocol APIRenderer {
    /// The complete non-streaming success body.
    static func body(_ plan: AttemptPlan) -> JSON
    /// The usage object inside ``body(_:)``.
    static func usage(_ plan: AttemptPlan) -> JSON
    /// The SSE events of a streaming answer ending as `ending`.
    static func stream(_ plan: AttemptPlan, ending: StreamEnding) -> RenderedStream
}
