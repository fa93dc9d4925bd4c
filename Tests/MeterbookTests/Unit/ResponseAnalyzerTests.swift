import Foundation
import Testing
@testable import Meterbook

@Suite struct ResponseAnalyzerTests {
    private func events(_ text: String) -> [SSEEvent] {
        var parser = SSEParser()
        return parser.feed(Data(text.utf8)) + parser.finish()
    }

    @Test func chatStreamWithAzurePromptFilterChunkAndUsage() {
        var analyzer = ResponseAnalyzer(api: .chatCompletions, provider: .azureOpenAI)
        let stream = """
            data: {"id":"","choices":[],"created":0,"model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}

            data: {"id":"chatcmpl-A1","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4o-2024-11-20","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-A1","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4o-2024-11-20","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-A1","choices":[{"index":0,"content_filter_offsets":{"check_offset":0},"content_filter_results":{}}]}

            data: {"id":"chatcmpl-A1","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4o-2024-11-20","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}

            data: [DONE]


            """
        let effects = events(stream).map { analyzer.consume($0) }
        #expect(effects.map(\.isContent) == [false, false, true, false, false, false])
        #expect(analyzer.responseID == "chatcmpl-A1")
        #expect(analyzer.model == "gpt-4o-2024-11-20")
        #expect(analyzer.usage?.inputTokens == 9)
        #expect(analyzer.usage?.rawJSON == #"{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}"#)
        #expect(analyzer.reachedEnd)
        #expect(analyzer.error == nil)
    }

    @Test func chatStreamErrorObject() {
        var analyzer = ResponseAnalyzer(api: .chatCompletions, provider: .azureOpenAI)
        let effect = analyzer.consume(SSEEvent(data: #"{"error":{"code":"server_error","message":"boom"}}"#))
        #expect(effect.isError)
        #expect(analyzer.error == ServiceError(type: nil, code: "server_error", message: "boom"))
    }

    @Test func responsesStream() {
        var analyzer = ResponseAnalyzer(api: .responses, provider: .azureOpenAI)
        let stream = """
            event: response.created
            data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","model":"gpt-5-mini","usage":null}}

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi","logprobs":[]}

            event: response.completed
            data: {"type":"response.completed","sequence_number":9,"response":{"id":"resp_1","status":"completed","model":"gpt-5-mini","usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":0},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":2},"total_tokens":15}}}


            """
        let effects = events(stream).map { analyzer.consume($0) }
        #expect(effects.map(\.isContent) == [false, true, false])
        #expect(analyzer.responseID == "resp_1")
        #expect(analyzer.usage?.outputTokens == 5)
        #expect(analyzer.usage?.reasoningTokens == 2)
        #expect(analyzer.usage?.rawJSON?.hasPrefix(#"{"input_tokens":10"#) == true)
        #expect(analyzer.reachedEnd)
    }

    @Test func responsesFailedAndErrorEvents() {
        var failed = ResponseAnalyzer(api: .responses, provider: .foundryOpenAI)
        let effect = failed.consume(SSEEvent(event: "response.failed", data: #"{"type":"response.failed","response":{"id":"resp_2","status":"failed","error":{"code":"server_error","message":"The model failed."}}}"#))
        #expect(effect.isError)
        #expect(failed.error?.code == "server_error")
        #expect(failed.error?.message == "The model failed.")

        var errored = ResponseAnalyzer(api: .responses, provider: .azureOpenAI)
        #expect(errored.consume(SSEEvent(event: "error", data: #"{"type":"error","code":"rate_limit_exceeded","message":"Slow down","param":null,"sequence_number":3}"#)).isError)
        #expect(errored.error?.code == "rate_limit_exceeded")
    }

    @Test func anthropicStreamMergesUsageWithoutSumming() {
        var analyzer = ResponseAnalyzer(api: .messages, provider: .foundryAnthropic)
        let stream = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"usage":{"input_tokens":25,"cache_creation_input_tokens":100,"cache_read_input_tokens":200,"output_tokens":1}}}

            event: ping
            data: {"type": "ping"}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}}

            event: message_delta
            data: {"type":"message_delta","delta":{},"usage":{"output_tokens":17,"input_tokens":null}}

            event: message_stop
            data: {"type":"message_stop"}


            """
        let effects = events(stream).map { analyzer.consume($0) }
        #expect(effects.map(\.isContent) == [false, false, true, false, false, false])
        #expect(analyzer.usage?.outputTokens == 17)
        #expect(analyzer.usage?.inputTokens == 25 + 100 + 200)
        #expect(analyzer.usage?.cachedInputTokens == 200)
        #expect(analyzer.responseID == "msg_01")
        #expect(analyzer.model == "claude-sonnet-4-5-20250929")
        #expect(analyzer.reachedEnd)
    }

    @Test func anthropicErrorEvent() {
        var analyzer = ResponseAnalyzer(api: .messages, provider: .foundryAnthropic)
        let effect = analyzer.consume(SSEEvent(event: "error", data: #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#))
        #expect(effect.isError)
        #expect(analyzer.error == ServiceError(type: "overloaded_error", code: "overloaded_error", message: "Overloaded"))
    }

    @Test func bodiesThatAreNotWhatTheAPIPromises() {
        var truncated = ResponseAnalyzer(api: .chatCompletions, provider: .azureOpenAI)
        guard case .invalid(let problem) = truncated.analyze(body: Data(#"{"id":"chatcmpl-1","choices":[{"mess"#.utf8)) else {
            Issue.record("truncated JSON accepted")
            return
        }
        #expect(problem.code == "malformed_json")

        var wrongShape = ResponseAnalyzer(api: .messages, provider: .foundryAnthropic)
        guard case .invalid(let shape) = wrongShape.analyze(body: Data(#"{"hello":"world"}"#.utf8)) else {
            Issue.record("wrong shape accepted")
            return
        }
        #expect(shape.code == "unexpected_shape")
    }

    @Test func errorBodies() {
        let filter = #"{"error":{"message":"The response was filtered","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"jailbreak":{"filtered":true,"detected":true}}}}}"#
        #expect(ServiceError.parse(body: Data(filter.utf8), status: 400, contentType: "application/json")
                == ServiceError(type: "ResponsibleAIPolicyViolation", code: "content_filter", message: "The response was filtered"))
        let anthropic = #"{"type":"error","error":{"type":"rate_limit_error","message":"Too many"},"request_id":"req_1"}"#
        #expect(ServiceError.parse(body: Data(anthropic.utf8), status: 429, contentType: "application/json")
                == ServiceError(type: "rate_limit_error", code: "rate_limit_error", message: "Too many"))
        let html = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
        let parsed = ServiceError.parse(body: Data(html.utf8), status: 502, contentType: "text/html; charset=utf-8")
        #expect(parsed.type == "invalid_response")
        #expect(parsed.code == "502")
        #expect(parsed.message == "HTTP 502 with a non-JSON body (text/html): 502 Bad Gateway")
    }
}
