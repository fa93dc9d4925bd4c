/// OpenAI Responses API bodies and SSE events (WIRE.md A, B).
enum ResponsesAPI: APIRenderer {
    static func usage(_ plan: AttemptPlan) -> JSON {
        plan.usage.responsesJSON
    }

    static func body(_ plan: AttemptPlan) -> JSON {
        response(plan, status: "completed", output: [messageItem(plan, status: "completed", text: plan.text)], usage: usage(plan))
    }

    static func stream(_ plan: AttemptPlan, ending: StreamEnding) -> RenderedStream {
        var events: [String] = []
        var sequence = 0
        func emit(_ type: String, _ fields: [(String, JSON)]) {
            events.append(SSE.event(type, .object([("type", .string(type)), ("sequence_number", .int(sequence))] + fields)))
            sequence += 1
        }
        let location: [(String, JSON)] = [("item_id", .string(plan.itemID)), ("output_index", 0), ("content_index", 0)]
        let starting = response(plan, status: "in_progress", output: [], usage: nil)
        emit("response.created", [("response", starting)])
        emit("response.in_progress", [("response", starting)])
        emit("response.output_item.added", [("output_index", 0), ("item", messageItem(plan, status: "in_progress", text: nil))])
        emit("response.content_part.added", location + [("part", outputText(""))])
        for delta in plan.deltas.prefix(ending.deltaCount(of: plan.deltas.count)) {
            emit("response.output_text.delta", location + [("delta", .string(delta)), ("logprobs", [])])
        }
        switch ending {
        case .complete:
            let text = plan.text
            let item = messageItem(plan, status: "completed", text: text)
            emit("response.output_text.done", location + [("text", .string(text)), ("logprobs", [])])
            emit("response.content_part.done", location + [("part", outputText(text))])
            emit("response.output_item.done", [("output_index", 0), ("item", item)])
            emit("response.completed", [("response", response(plan, status: "completed", output: [item], usage: usage(plan)))])
            // After output_text.done: content_part.done, output_item.done and response.completed.
            return RenderedStream(events: events, usage: usage(plan), closingBurst: 3)
        case .errorEvent:
            // The error event puts sequence_number last (openai-python ResponseErrorEvent).
            events.append(
                SSE.event(
                    "error",
                    [
                        "type": "error", "code": "server_error", "message": .string(ServiceErrors.serverErrorMessage),
                        "param": nil, "sequence_number": .int(sequence),
                    ]))
        case .failed:
            let error: JSON = ["code": "server_error", "message": .string(ServiceErrors.serverErrorMessage)]
            emit("response.failed", [("response", response(plan, status: "failed", output: [], usage: nil, error: error))])
        case .cut:
            break
        }
        return RenderedStream(events: events, usage: nil)
    }

    /// The `response` object; `usage` nil is written as `null` (in-progress and failed responses).
    private static func response(_ plan: AttemptPlan, status: String, output: [JSON], usage: JSON?, error: JSON = nil) -> JSON {
        [
            "id": .string(plan.responseID),
            "object": "response",
            "created_at": .int(plan.createdAt),
            "status": .string(status),
            "background": false,
            "error": error,
            "incomplete_details": nil,
            "instructions": nil,
            "max_output_tokens": .orNull(plan.request.maxOutputTokens),
            "model": .string(plan.profile.model),
            "output": .array(output),
            "parallel_tool_calls": true,
            "previous_response_id": nil,
            "reasoning": ["effort": plan.profile.isReasoningModel ? "medium" : nil, "summary": nil],
            "service_tier": "default",
            "store": true,
            "temperature": .double(1.0),
            "text": ["format": ["type": "text"]],
            "tool_choice": "auto",
            "tools": [],
            "top_p": .double(1.0),
            "truncation": "disabled",
            "usage": usage ?? .null,
            "user": nil,
            "metadata": .object([]),
        ]
    }

    private static func messageItem(_ plan: AttemptPlan, status: String, text: String?) -> JSON {
        [
            "id": .string(plan.itemID),
            "type": "message",
            "status": .string(status),
            "content": .array(text.map { [outputText($0)] } ?? []),
            "role": "assistant",
        ]
    }

    private static func outputText(_ text: String) -> JSON {
        ["type": "output_text", "annotations": [], "logprobs": [], "text": .string(text)]
    }
}
