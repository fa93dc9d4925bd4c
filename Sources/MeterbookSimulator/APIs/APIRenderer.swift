/// The bytes of a rendered stream and the usage object it carried (nil when it carried none).
struct RenderedStream {
    var events: [String]
    var usage: JSON?
    /// How many of the last events follow the one before them at once. A model's events are paced by token
    /// generation; the closing ones after the last generated step (filter verdicts, the usage chunk, `[DONE]`,
    /// the done/completed events) carry no new tokens and come in one burst.
    var closingBurst: Int = 0
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
