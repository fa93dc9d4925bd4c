import Foundation
import Meterbook
import MeterbookSimulator

/// Deterministic synthetic traffic for the reports benchmark: calls spread over `days` UTC days and
/// `deployments` deployments (Azure OpenAI and Claude on Foundry), with retries after 429 and 5xx, streams,
/// cached tokens, Anthropic cache writes, unknown models, random correlation ids and tags, in time order. Ids and
/// usage objects have the services' shapes (the simulator's: WIRE.md A).
struct AttemptGenerator {
    struct Deployment {
        var name: String
        var model: String?
        var provider: Provider
        var api: APIKind
        var endpoint: String
    }

    let firstDay: UTCDay
    let days: Int
    let deployments: [Deployment]
    private var random: SeededGenerator
    private let policy = CostPolicy.builtin

    init(firstDay: UTCDay, days: Int, deploymentCount: Int, seed: UInt64 = 42) {
        self.firstDay = firstDay
        self.days = days
        random = SeededGenerator(seed: seed)
        let models: [(String, String?, Provider, APIKind)] = [
            ("gpt-4o", "gpt-4o-2024-11-20", .azureOpenAI, .chatCompletions),
            ("gpt-4o-mini", "gpt-4o-mini-2024-07-18", .azureOpenAI, .chatCompletions),
            ("gpt-4.1", "gpt-4.1-2025-04-14", .foundryOpenAI, .responses),
            ("gpt-5-mini", "gpt-5-mini-2025-08-07", .azureOpenAI, .responses),
            ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", .foundryAnthropic, .messages),
            ("claude-haiku-4-5", "claude-haiku-4-5-20251001", .foundryAnthropic, .messages),
            ("o4-mini", "o4-mini-2025-04-16", .azureOpenAI, .responses),
            ("text-embedding-3-small", nil, .azureOpenAI, .embeddings),
        ]
        deployments = (0..<deploymentCount).map { index in
            let (model, reported, provider, api) = models[index % models.count]
            let region = ["east", "west", "sweden", "japan"][index / models.count % 4]
            let endpoint = provider == .azureOpenAI ? "contoso-\(region).openai.azure.com" : "contoso-\(region).services.ai.azure.com"
            return Deployment(name: index < models.count ? model : "\(model)-\(region)-\(index)", model: reported,
                              provider: provider, api: api, endpoint: endpoint)
        }
    }

    /// Generates about `total` attempts, calling `body` with batches in started_at order.
    mutating func generate(total: Int, batchSize: Int = 20_000, _ body: ([AttemptRecord]) throws -> Void) rethrows {
        let span = Int64(days) * UTCDay.milliseconds
        // Calls are evenly spaced with jitter; ~1.09 attempts per call on average (see `call`), so the total is reached
        // just before the last day ends.
        let calls = Int(Double(total) / 1.085)
        let step = Double(span) / Double(calls)
        var batch: [AttemptRecord] = []
        batch.reserveCapacity(batchSize + 4)
        var produced = 0
        for index in 0..<calls {
            let startedAt = firstDay.startMs + Int64(Double(index) * step) + Int64(random.next() % UInt64(max(1, step / 2)))
            let before = batch.count
            call(startedAt: startedAt, into: &batch)
            produced += batch.count - before
            if batch.count >= batchSize {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
            }
            if produced >= total { break }
        }
        if !batch.isEmpty { try body(batch) }
    }

    /// One call: 91% succeed first time, 6% after one 429, 2% after one 5xx, 0.5% fail after three 429s,
    /// 0.5% end in a transport or stream error.
    private mutating func call(startedAt: Int64, into batch: inout [AttemptRecord]) {
        let deployment = deployments[Int(random.next() % UInt64(deployments.count))]
        let callID = uuid()
        let roll = random.next() % 1000
        let stream = deployment.api != .embeddings && random.next() % 10 < 4
        let tags = ["app": ["web", "batch", "search", "assist"][Int(random.next() % 4)],
                    "feature": ["chat", "summary", "triage", "agent", "rag"][Int(random.next() % 5)], "user": "u\(random.next() % 5000)"]
        var time = startedAt
        var statuses: [Int]
        switch roll {
        case ..<910: statuses = [200]
        case ..<970: statuses = [429, 200]
        case ..<990: statuses = [[500, 502, 503][Int(random.next() % 3)], 200]
        case ..<995: statuses = [429, 429, 429]
        default: statuses = [random.next() % 2 == 0 ? 0 : -200]
        }
        for (index, status) in statuses.enumerated() {
            var record = attempt(deployment, callID: callID, number: index + 1, final: index == statuses.count - 1,
                                 startedAt: time, status: status, stream: stream, tags: tags)
            if status == 429 || status >= 500 {
                record.retryAfterMs = status == 429 ? Int(random.next() % 5000) + 500 : nil
                time += Int64(record.latencyMs ?? 0) + Int64(record.retryAfterMs ?? 800)
            }
            batch.append(record)
        }
    }

    private mutating func attempt(_ deployment: Deployment, callID: String, number: Int, final: Bool, startedAt: Int64,
                                  status rawStatus: Int, stream: Bool, tags: [String: String]) -> AttemptRecord {
        // -200: a stream cut short (status 200, outcome stream_error).
        let status = rawStatus < 0 ? 200 : rawStatus
        let outcome: Outcome = rawStatus == 200 ? .ok : (rawStatus == 0 ? .transportError : (rawStatus < 0 ? .streamError : .httpError))
        let path: String
        switch deployment.api {
        case .messages: path = "/anthropic/v1/messages"
        case .responses: path = deployment.provider == .foundryOpenAI ? "/api/projects/proj/openai/responses" : "/openai/v1/responses"
        case .embeddings: path = "/openai/v1/embeddings"
        default: path = "/openai/v1/chat/completions"
        }
        var record = AttemptRecord(callID: callID, attempt: number, final: final, startedAt: startedAt, provider: deployment.provider,
                                   api: deployment.api, endpoint: deployment.endpoint, deployment: deployment.name, path: path,
                                   stream: stream, status: status, outcome: outcome, tags: tags)
        let latency = status == 200 ? 150 + Double(random.next() % 3000) + Double(random.next() % 1000) / 1000 : 20 + Double(random.next() % 200)
        record.latencyMs = status == 0 ? 30_000 : latency
        record.dnsMs = random.next() % 20 == 0 ? Double(random.next() % 30) : 0
        record.connectMs = record.dnsMs == 0 ? 0 : Double(random.next() % 40)
        record.tlsMs = record.dnsMs == 0 ? 0 : Double(random.next() % 60)
        record.ttfbMs = status == 0 ? nil : min(latency, 40 + Double(random.next() % 400))
        record.requestBytes = 200 + Int(random.next() % 4000)
        record.responseBytes = status == 200 ? 500 + Int(random.next() % 8000) : 180
        record.region = ["East US", "Sweden Central", "Japan East", "West US 3"][Int(random.next() % 4)]
        record.requestID = uuid()
        record.apimRequestID = deployment.provider.isAnthropic ? nil : uuid()
        record.ratelimitRemainingRequests = Int(random.next() % 1000)
        record.ratelimitRemainingTokens = Int(random.next() % 100_000)
        if status == 0 {
            record.errorType = "timeout"
            record.errorMessage = "Operation timed out after 30000 milliseconds with 0 bytes received"
        } else if status != 200 {
            record.errorCode = status == 429 ? "RateLimitReached" : "ServerError"
            record.errorMessage = status == 429 ? "Requests to the deployment have exceeded the rate limit. Retry after 2 seconds." : "The server had an error while processing your request."
        }
        if deployment.provider.isAnthropic { record.upstreamRequestID = "req_011C" + base62(24) }
        if status == 200 {
            record.model = deployment.model
            if stream { record.ttftMs = (record.ttfbMs ?? 0) + Double(random.next() % 300) }
            let usage = usage(for: deployment)
            record.setUsage(usage)
            // The formats the services mint (and the simulator serves): resp_ + 48 hex digits, msg_01 + 22 and
            // chatcmpl- + 29 base62 characters; embeddings have none.
            switch deployment.api {
            case .messages: record.responseID = "msg_01" + base62(22)
            case .responses: record.responseID = "resp_" + hex(48)
            case .embeddings: break
            default: record.responseID = "chatcmpl-" + base62(29)
            }
            record.costUSD = policy.cost(usage: usage, reportedModel: record.model, deployment: deployment.name)
        } else {
            record.costUSD = policy.cost(usage: nil, reportedModel: nil, deployment: deployment.name)
        }
        return record
    }

    private mutating func usage(for deployment: Deployment) -> TokenUsage {
        let input = 50 + Int(random.next() % 6000)
        let output = deployment.api == .embeddings ? 0 : 20 + Int(random.next() % 1500)
        if deployment.provider.isAnthropic {
            let read = random.next() % 3 == 0 ? Int(random.next() % 4000) : 0
            let write = random.next() % 10 == 0 ? Int(random.next() % 2000) : 0
            let raw = "{\"input_tokens\":\(input),\"cache_creation_input_tokens\":\(write),\"cache_read_input_tokens\":\(read),"
                + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":\(write),\"ephemeral_1h_input_tokens\":0},\"output_tokens\":\(output),\"service_tier\":\"standard\"}"
            return TokenUsage(inputTokens: input + read + write, outputTokens: output, totalTokens: input + read + write + output,
                              cachedInputTokens: read, cacheWriteTokens: write, rawJSON: raw)
        }
        if deployment.api == .embeddings {
            return TokenUsage(inputTokens: input, outputTokens: 0, totalTokens: input, rawJSON: "{\"prompt_tokens\":\(input),\"total_tokens\":\(input)}")
        }
        let cached = random.next() % 3 == 0 ? Int(random.next() % UInt64(input)) / 128 * 128 : 0
        let reasoning = deployment.model?.hasPrefix("o4") == true || deployment.model?.hasPrefix("gpt-5") == true ? Int(random.next() % UInt64(output)) : 0
        let raw = deployment.api == .responses
            ? "{\"input_tokens\":\(input),\"input_tokens_details\":{\"cached_tokens\":\(cached)},\"output_tokens\":\(output),\"output_tokens_details\":{\"reasoning_tokens\":\(reasoning)},\"total_tokens\":\(input + output)}"
            : "{\"prompt_tokens\":\(input),\"completion_tokens\":\(output),\"total_tokens\":\(input + output),\"prompt_tokens_details\":{\"cached_tokens\":\(cached),\"audio_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":\(reasoning),\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0,\"audio_tokens\":0}}"
        return TokenUsage(inputTokens: input, outputTokens: output, totalTokens: input + output, cachedInputTokens: cached,
                          reasoningTokens: reasoning, rawJSON: raw)
    }

    private mutating func uuid() -> String {
        let high = random.next()
        let low = random.next()
        let hex = String(high, radix: 16).leftPadded(16) + String(low, radix: 16).leftPadded(16)
        let characters = Array(hex)
        return String(characters[0..<8]) + "-" + String(characters[8..<12]) + "-4" + String(characters[13..<16]) + "-a"
            + String(characters[17..<20]) + "-" + String(characters[20..<32])
    }

    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func hex(_ count: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: count)
        var value = random.next()
        for index in 0..<count {
            if index % 16 == 15 { value = random.next() }
            bytes[index] = Self.hexDigits[Int(value & 0xF)]
            value >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func base62(_ count: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: count)
        var value = random.next()
        for index in 0..<count {
            if index % 10 == 9 { value = random.next() }
            bytes[index] = Self.alphabet[Int(value % 62)]
            value /= 62
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
