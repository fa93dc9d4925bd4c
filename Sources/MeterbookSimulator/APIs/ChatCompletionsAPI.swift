/// Chat Completions bodies and SSE chunks as Azure OpenAI sends them (WIRE.md A, B), with Azure's
/// content-filter annotations: every Chat route the simulator serves is an Azure one.
enum ChatCompletionsAPI: APIRenderer {
    static func usage(_ plan: AttemptPlan) -> JSON {
        plan.usage.chatJSON
    }

    static func body(_ plan: AttemptPlan) -> JSON {
        [
            "id": .string(plan.responseID),
            "object": "chat.completion",
            "created": .int(plan.createdAt),
            "model": .string(plan.profile.model),
            "choices": [
                [
                    "index": 0,
                    "message": ["role": "assistant", "content": .string(plan.text), "refusal": nil, "annotations": []],
                    "logprobs": nil,
                    "finish_reason": .string(finishReason(plan)),
                    "content_filter_results": completionFilterResults,
                ]
            ],
            "usage": usage(plan),
            "prompt_filter_results": promptFilterResults,
            "system_fingerprint": .string(plan.profile.systemFingerprint),
        ]
    }

    static func stream(_ plan: AttemptPlan, ending: StreamEnding) -> RenderedStream {
        var events: [String] = []
        // Azure's first chunk: no id, no model, only the prompt filter verdict.
        events.append(
            SSE.data(
                JSON.object([
                    ("choices", []), ("created", 0), ("id", ""), ("model", ""), ("object", ""),
                    ("prompt_filter_results", promptFilterResults),
                ]).text))
        events.append(chunk(plan, choices: [choice(delta: ["role": "assistant", "content": "", "refusal": nil], finishReason: nil)]))
        for delta in plan.deltas.prefix(ending.deltaCount(of: plan.deltas.count)) {
            events.append(chunk(plan, choices: [choice(delta: ["content": .string(delta)], finishReason: nil)]))
        }
        switch ending {
        case .complete:
            events.append(chunk(plan, choices: [choice(delta: .object([]), finishReason: .string(finishReason(plan)))]))
            // Azure's trailing filter chunk: no delta, offsets and verdicts only.
            let offsets: JSON = ["check_offset": 0, "start_offset": 0, "end_offset": .int(plan.text.utf8.count)]
            events.append(
                chunk(
                    plan,
                    choices: [
                        [
                            "index": 0, "finish_reason": nil, "content_filter_offsets": offsets,
                            "content_filter_results": completionFilterResults,
                        ]
                    ]))
            var served: JSON? = nil
            if plan.request.includeUsage {
                served = usage(plan)
                events.append(chunk(plan, choices: [], usage: usage(plan)))
            }
            events.append(SSE.data("[DONE]"))
            // After the finish chunk: the filter chunk, the usage chunk and [DONE].
            return RenderedStream(events: events, usage: served, closingBurst: served == nil ? 2 : 3)
        case .errorEvent, .failed:
            // openai-python raises on a data object with an "error" key.
            events.append(
                SSE.data(ServiceErrors.openAI(message: ServiceErrors.serverErrorMessage, type: "server_error", param: nil, code: nil).text))
        case .cut:
            break
        }
        return RenderedStream(events: events, usage: nil)
    }

    private static func finishReason(_ plan: AttemptPlan) -> String {
        plan.usage.hitMaxTokens ? "length" : "stop"
    }

    private static func chunk(_ plan: AttemptPlan, choices: [JSON], usage: JSON = nil) -> String {
        SSE.data(
            JSON.object([
                ("id", .string(plan.responseID)),
                ("object", "chat.completion.chunk"),
                ("created", .int(plan.createdAt)),
                ("model", .string(plan.profile.model)),
                ("system_fingerprint", .string(plan.profile.systemFingerprint)),
                ("choices", .array(choices)),
                ("usage", usage),
            ]).text)
    }

    private static func choice(delta: JSON, finishReason: JSON) -> JSON {
        ["index": 0, "delta": delta, "logprobs": nil, "finish_reason": finishReason]
    }

    private static func safe() -> JSON { ["filtered": false, "severity": "safe"] }

    static var promptFilterResults: JSON {
        [
            [
                "prompt_index": 0,
                "content_filter_results": [
                    "hate": safe(), "jailbreak": ["filtered": false, "detected": false], "self_harm": safe(),
                    "sexual": safe(), "violence": safe(),
                ],
            ]
        ]
    }

    static var completionFilterResults: JSON {
        [
            "hate": safe(), "protected_material_code": ["filtered": false, "detected": false],
            "protected_material_text": ["filtered": false, "detected": false], "self_harm": safe(),
            "sexual": safe(), "violence": safe(),
        ]
    }
}
