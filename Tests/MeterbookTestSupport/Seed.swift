import Foundation
import Meterbook

/// A small database of known attempts that report, export, check, trace, reprice and every file in `queries/` are
/// tested against, so their numbers can be asserted exactly. Three UTC days, 2026-03-01 to 2026-03-03, and one
/// attempt on 2026-03-04 (a retry that crossed midnight).
///
/// | call | day | deployment | attempts | how it ended | cost USD |
/// |---|---|---|---|---|---|
/// | c01 | 1 | gpt-4o | 200 | ok; 1000 in (200 cached) / 500 out | 0.00725 |
/// | c02 | 1 | gpt-4o | 429 (retry-after 2000), 200 stream | ok; 2000 in / 1000 out | 0 + 0.015 |
/// | c03 | 1 | gpt-4.1-mini | 500, 503, 503 | failed: retries exhausted | 0 |
/// | c04 | 1 | claude-sonnet-4-5 | 200 stream | ok; 100 in + 3000 cache read + 1000 cache write / 400 out | 0.01095 |
/// | c05 | 1 | mystery-model | 200 | ok; unknown model, 500 in / 100 out | NULL |
/// | c06 | 2 | gpt-4o | 200 stream | ok; 4000 in (2000 cached) / 1000 out | 0.0175 |
/// | c07, c08, c09 | 2 | gpt-4o | 429, 429 each, 09:30 | failed: a burst of six 429s in one minute | 0 |
/// | c10 | 2 | gpt-4.1-mini | 200 stream | ok; 10000 in (8000 cached) / 2000 out | 0.0048 |
/// | c11 | 2 | claude-sonnet-4-5 | no response | failed: transport_error (timeout) | 0 |
/// | c12 | 2 | claude-sonnet-4-5 | 200 stream, cut | failed: stream_error; 200 in / 50 out seen | 0.00135 |
/// | c13 | 3 | gpt-4.1-mini | 200 | ok; 1000 in / 3000 out (2500 reasoning) | 0.0052 |
/// | c14 | 3 | claude-sonnet-4-5 | 200 stream | ok; 250000 in / 1000 out: long-context rate | 1.5225 |
/// | c15 | 3→4 | gpt-4o | 429 at 23:59:59.5, 200 at 00:00:00.5 next day | ok; 100 in / 10 out | 0 + 0.00035 |
/// | c16 | 3 | text-embedding-3-small | 200 | ok; unknown price, 50 in | NULL |
/// | c17 | 3 | (none) | 404 | failed: DeploymentNotFound, no deployment recorded | NULL |
public enum Seed {
    public static let day1 = UTCDay(iso: "2026-03-01")!
    public static let day2 = UTCDay(iso: "2026-03-02")!
    public static let day3 = UTCDay(iso: "2026-03-03")!
    public static let day4 = UTCDay(iso: "2026-03-04")!

    /// The three full days (the attempt on day 4 is outside).
    public static let days = DayRange(from: day1, to: day3)

    public static let eastEndpoint = "contoso-east.openai.azure.com"
    public static let westEndpoint = "contoso-west.openai.azure.com"
    public static let foundryEndpoint = "contoso-ai.services.ai.azure.com"

    /// Epoch milliseconds of `time` ("HH:MM:SS.mmm") on `day`.
    public static func at(_ day: UTCDay, _ time: String) -> Int64 {
        let parts = time.split(whereSeparator: { $0 == ":" || $0 == "." }).map { Int64($0)! }
        return day.startMs + parts[0] * 3_600_000 + parts[1] * 60_000 + parts[2] * 1000 + (parts.count > 3 ? parts[3] : 0)
    }

    /// Every attempt, in insertion order.
    public static let attempts: [AttemptRecord] = {
        var rows: [AttemptRecord] = []

        // Day 1
        rows.append(openAI("c01", at(day1, "10:00:00.000"), deployment: "gpt-4o", status: 200, latency: 400,
                           usage: (1000, 200, 500, 0), cost: 0.00725, tags: ["app": "web", "team": "search"]) {
            $0.ttfbMs = 150; $0.dnsMs = 5; $0.connectMs = 10; $0.tlsMs = 20
            $0.responseID = "chatcmpl-c01"; $0.requestID = "req-c01"; $0.apimRequestID = "apim-c01"; $0.region = "East US"
            $0.ratelimitRemainingRequests = 99; $0.ratelimitRemainingTokens = 90_000
        })
        rows.append(openAI("c02", at(day1, "10:05:00.000"), attempt: 1, final: false, deployment: "gpt-4o", status: 429, latency: 50,
                           cost: 0, tags: ["app": "web", "team": "search"]) {
            $0.outcome = .httpError; $0.errorCode = "RateLimitReached"; $0.errorMessage = "Rate limit reached. Retry after 2 seconds."
            $0.retryAfterMs = 2000; $0.requestID = "req-c02-1"; $0.apimRequestID = "apim-c02-1"; $0.ttfbMs = 48
        })
        rows.append(openAI("c02", at(day1, "10:05:02.100"), attempt: 2, deployment: "gpt-4o", status: 200, latency: 900, stream: true,
                           usage: (2000, 0, 1000, 0), cost: 0.015, tags: ["app": "web", "team": "search"]) {
            $0.ttftMs = 120; $0.ttfbMs = 100; $0.responseID = "chatcmpl-c02"; $0.requestID = "req-c02-2"; $0.apimRequestID = "apim-c02-2"
        })
        for (index, (time, status)) in [("11:00:00.000", 500), ("11:00:01.000", 503), ("11:00:03.000", 503)].enumerated() {
            rows.append(openAI("c03", at(day1, time), attempt: index + 1, final: index == 2, deployment: "gpt-4.1-mini", status: status,
                               latency: [300, 200, 250][index], cost: 0, tags: ["app": "batch"]) {
                $0.outcome = .httpError; $0.errorType = "server_error"; $0.errorCode = status == 500 ? "InternalServerError" : "ServiceUnavailable"
                $0.errorMessage = "The server had an error while processing your request."
                if status == 503 { $0.retryAfterMs = 1000 }
                $0.requestID = "req-c03-\(index + 1)"
            })
        }
        rows.append(claude("c04", at(day1, "12:00:00.000"), status: 200, latency: 2000,
                           usage: #"{"input_tokens":100,"cache_read_input_tokens":3000,"cache_creation_input_tokens":1000,"output_tokens":400}"#,
                           tokens: (4100, 3000, 1000, 400), cost: 0.01095, tags: ["app": "web", "team": "assist"]) {
            $0.ttftMs = 300; $0.ttfbMs = 250; $0.responseID = "msg_c04"; $0.upstreamRequestID = "req_011c04"
        })
        rows.append(openAI("c05", at(day1, "13:00:00.000"), deployment: "mystery-model", endpoint: westEndpoint, status: 200, latency: 250,
                           usage: (500, 0, 100, 0), cost: nil, tags: ["app": "batch"]) {
            $0.model = "mystery-1"; $0.responseID = "chatcmpl-c05"
        })

        // Day 2
        rows.append(openAI("c06", at(day2, "09:00:00.000"), deployment: "gpt-4o", status: 200, latency: 600, stream: true,
                           usage: (4000, 2000, 1000, 0), cost: 0.0175, tags: ["app": "web", "team": "search"]) {
            $0.ttftMs = 200; $0.responseID = "chatcmpl-c06"
        })
        var latency = 41.0
        for (index, call) in ["c07", "c08", "c09"].enumerated() {
            for attempt in 1...2 {
                let time = String(format: "09:30:%02d.000", index * 10 + attempt - 1)
                rows.append(openAI(call, at(day2, time), attempt: attempt, final: attempt == 2, deployment: "gpt-4o", status: 429,
                                   latency: latency, cost: 0, tags: ["app": "web", "team": "search"]) {
                    $0.outcome = .httpError; $0.errorCode = "RateLimitReached"; $0.retryAfterMs = 1000
                    $0.errorMessage = "Rate limit reached. Retry after 1 second."
                })
                latency += 1
            }
        }
        rows.append(openAI("c10", at(day2, "10:00:00.000"), deployment: "gpt-4.1-mini", status: 200, latency: 700, stream: true,
                           usage: (10_000, 8000, 2000, 0), cost: 0.0048, tags: ["app": "batch"]) {
            $0.ttftMs = 80; $0.model = "gpt-4.1-mini-2025-04-14"; $0.responseID = "resp_c10"
        })
        rows.append(claude("c11", at(day2, "11:00:00.000"), status: 0, latency: 30_000, usage: nil, tokens: nil, cost: 0,
                           tags: ["app": "web", "team": "assist"]) {
            $0.outcome = .transportError; $0.errorType = "timeout"; $0.errorMessage = "Operation timed out after 30000 milliseconds."
            $0.model = nil; $0.dnsMs = 2
        })
        rows.append(claude("c12", at(day2, "11:30:00.000"), status: 200, latency: 1200,
                           usage: #"{"input_tokens":200,"output_tokens":50}"#, tokens: (200, nil, nil, 50), cost: 0.00135,
                           tags: ["app": "web", "team": "assist"]) {
            $0.outcome = .streamError; $0.errorType = "overloaded_error"; $0.errorMessage = "Overloaded"; $0.ttftMs = 150
            $0.responseID = "msg_c12"; $0.upstreamRequestID = "req_011c12"
        })

        // Day 3
        rows.append(openAI("c13", at(day3, "08:00:00.000"), deployment: "gpt-4.1-mini", status: 200, latency: 5000,
                           usage: (1000, 0, 3000, 2500), cost: 0.0052, tags: ["app": "batch"]) {
            $0.model = "gpt-4.1-mini-2025-04-14"; $0.responseID = "resp_c13"
        })
        rows.append(claude("c14", at(day3, "09:00:00.000"), status: 200, latency: 8000,
                           usage: #"{"input_tokens":250000,"output_tokens":1000}"#, tokens: (250_000, nil, nil, 1000), cost: 1.5225,
                           tags: ["app": "web", "team": "assist"]) {
            $0.ttftMs = 2000; $0.responseID = "msg_c14"; $0.upstreamRequestID = "req_011c14"
        })
        rows.append(openAI("c15", at(day3, "23:59:59.500"), attempt: 1, final: false, deployment: "gpt-4o", status: 429, latency: 60,
                           cost: 0, tags: ["app": "web", "team": "search"]) {
            $0.outcome = .httpError; $0.errorCode = "RateLimitReached"; $0.retryAfterMs = 1000; $0.requestID = "req-c15-1"
        })
        rows.append(openAI("c15", at(day4, "00:00:00.500"), attempt: 2, deployment: "gpt-4o", status: 200, latency: 300,
                           usage: (100, 0, 10, 0), cost: 0.00035, tags: ["app": "web", "team": "search"]) {
            $0.responseID = "chatcmpl-c15"; $0.requestID = "req-c15-2"
        })
        rows.append(openAI("c16", at(day3, "10:00:00.000"), deployment: "text-embedding-3-small", status: 200, latency: 30,
                           usage: (50, 0, 0, 0), cost: nil, tags: ["app": "search"]) {
            $0.api = .embeddings; $0.path = "/openai/v1/embeddings"; $0.model = "text-embedding-3-small"
        })
        rows.append(openAI("c17", at(day3, "11:00:00.000"), deployment: nil, status: 404, latency: 20, cost: nil, tags: [:]) {
            $0.outcome = .httpError; $0.errorCode = "DeploymentNotFound"; $0.model = nil; $0.path = "/openai/v1/responses"
            $0.errorMessage = "The API deployment for this resource does not exist."
        })
        return rows
    }()

    // MARK: Builders

    private static func openAI(
        _ call: String, _ startedAt: Int64, attempt: Int = 1, final: Bool = true, deployment: String?, endpoint: String = eastEndpoint,
        status: Int, latency: Double, stream: Bool = false, usage: (input: Int, cached: Int, output: Int, reasoning: Int)? = nil,
        cost: Double?, tags: [String: String], _ adjust: (inout AttemptRecord) -> Void = { _ in }
    ) -> AttemptRecord {
        var record = AttemptRecord(
            callID: callID(call), attempt: attempt, final: final, startedAt: startedAt, provider: .azureOpenAI, api: .chatCompletions,
            endpoint: endpoint, deployment: deployment, path: "/openai/v1/chat/completions", stream: stream, status: status,
            outcome: status == 200 ? .ok : .httpError, tags: tags
        )
        if status == 200, let deployment { record.model = deployment == "gpt-4o" ? "gpt-4o-2024-11-20" : deployment }
        record.latencyMs = latency
        record.requestBytes = 120
        record.responseBytes = status == 200 ? 2048 : 180
        if let usage {
            record.inputTokens = usage.input
            record.outputTokens = usage.output
            record.totalTokens = usage.input + usage.output
            record.cachedInputTokens = usage.cached
            record.reasoningTokens = usage.reasoning
            record.usageJSON = #"{"prompt_tokens":\#(usage.input),"completion_tokens":\#(usage.output),"total_tokens":\#(usage.input + usage.output),"prompt_tokens_details":{"cached_tokens":\#(usage.cached)},"completion_tokens_details":{"reasoning_tokens":\#(usage.reasoning)}}"#
        }
        record.costUSD = cost
        adjust(&record)
        return record
    }

    private static func claude(
        _ call: String, _ startedAt: Int64, status: Int, latency: Double, usage: String?,
        tokens: (input: Int, cached: Int?, written: Int?, output: Int)?, cost: Double?, tags: [String: String],
        _ adjust: (inout AttemptRecord) -> Void = { _ in }
    ) -> AttemptRecord {
        var record = AttemptRecord(
            callID: callID(call), startedAt: startedAt, provider: .foundryAnthropic, api: .messages, endpoint: foundryEndpoint,
            deployment: "claude-sonnet-4-5", path: "/anthropic/v1/messages", stream: true, status: status,
            outcome: status == 200 ? .ok : .httpError, tags: tags
        )
        record.model = "claude-sonnet-4-5-20250929"
        record.latencyMs = latency
        record.usageJSON = usage
        if let tokens {
            record.inputTokens = tokens.input
            record.cachedInputTokens = tokens.cached
            record.cacheWriteTokens = tokens.written
            record.outputTokens = tokens.output
            record.totalTokens = tokens.input + tokens.output
        }
        record.costUSD = cost
        adjust(&record)
        return record
    }

    /// Seed call ids read as UUIDs, with the call's name at the end: `00000000-0000-4000-8000-000000000c01`.
    public static func callID(_ call: String) -> String {
        let digits = call.dropFirst()
        return "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - digits.count - 1) + "c" + digits
    }
}
