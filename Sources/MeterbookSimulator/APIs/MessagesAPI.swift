/// Anthropic Messages bodies and SSE events, as Claude on Foundry sends them (WIRE.md A, B).
enum MessagesAPI: APIRenderer {
    static func usage(_ plan: AttemptPlan) -> JSON {
        plan.usage.anthropicJSON(outputTokens: plan.usage.output)
    }

    static func body(_ plan: AttemptPlan) -> JSON {
        [
            "id": .string(plan.responseID),
            "type": "message",
            "role": "assistant",
            "model": .string(plan.profile.model),
            "content": [["type": "text", "text": .string(plan.text)]],
            "stop_reason": .string(stopReason(plan)),
            "stop_sequence": nil,
            "usage": usage(plan),
        ]
    }

    static func stream(_ plan: AttemptPlan, ending: StreamEnding) -> RenderedStream {
        // message_start reports output_tokens 1; message_delta carries the cumulative count.
        let startUsage = plan.usage.anthropicJSON(outputTokens: 1)
        var events: [String] = [
            SSE.event(
                "message_start",
                [
                    "type": "message_start",
                    "message": [
                        "id": .string(plan.responseID), "type": "message", "role": "assistant",
                        "model": .string(plan.profile.model), "content": [], "stop_reason": nil, "stop_sequence": nil,
                        "usage": startUsage,
                    ],
                ]),
            SSE.event("content_block_start", ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]]),
            // Anthropic writes ping with a space after the colon; kept byte for byte.
            "event: ping\ndata: {\"type\": \"ping\"}\n\n",
        ]
        for delta in plan.deltas.prefix(ending.deltaCount(of: plan.deltas.count)) {
            events.append(
                SSE.event(
                    "content_block_delta",
                    ["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": .string(delta)]]))
        }
        switch ending {
        case .complete:
            events.append(SSE.event("content_block_stop", ["type": "content_block_stop", "index": 0]))
            events.append(
                SSE.event(
                    "message_delta",
                    [
                        "type": "message_delta",
                        "delta": ["stop_reason": .string(stopReason(plan)), "stop_sequence": nil],
                        "usage": ["output_tokens": .int(plan.usage.output)],
                    ]))
            events.append(SSE.event("message_stop", ["type": "message_stop"]))
            // After content_block_stop: message_delta and message_stop.
            return RenderedStream(events: events, usage: usage(plan), closingBurst: 2)
        case .errorEvent, .failed:
            events.append(SSE.event("error", ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]]))
        case .cut:
            break
        }
        // A failed or cut stream has still served message_start's usage.
        return RenderedStream(events: events, usage: startUsage)
    }

    private static func stopReason(_ plan: AttemptPlan) -> String {
        plan.usage.hitMaxTokens ? "max_tokens" : "end_turn"
    }
}
