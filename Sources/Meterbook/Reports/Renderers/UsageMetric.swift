import Foundation

/// The figures of a usage row, in CONTRACT.md's order and under its names, with their human rendering: every
/// renderer walks this one list, so the formats cannot drift apart.
public enum UsageMetric: String, CaseIterable, Sendable {
    case calls, requests, succeeded, failed
    case errorRate = "error_rate"
    case throttled
    case throttleRate = "throttle_rate"
    case serverErrors = "server_errors"
    case inputTokens = "input_tokens"
    case outputTokens = "output_tokens"
    case cachedInputTokens = "cached_input_tokens"
    case cacheWriteTokens = "cache_write_tokens"
    case reasoningTokens = "reasoning_tokens"
    case costUSD = "cost_usd"
    case latencyP50 = "latency_p50_ms"
    case latencyP95 = "latency_p95_ms"
    case latencyP99 = "latency_p99_ms"
    case ttftP50 = "ttft_p50_ms"
    /// Not in the contract's list: attempts with tokens but no price, which `cost_usd` leaves out.
    case unpricedRequests = "unpriced_requests"

    /// The columns of the terminal and Markdown tables (`succeeded` is calls − failed for completed calls).
    public static let tableColumns: [UsageMetric] = [
        .calls, .requests, .failed, .errorRate, .throttled, .throttleRate, .serverErrors, .inputTokens, .outputTokens,
        .cachedInputTokens, .cacheWriteTokens, .reasoningTokens, .costUSD, .latencyP50, .latencyP95, .latencyP99, .ttftP50,
    ]

    public var header: String {
        switch self {
        case .calls: return "calls"
        case .requests: return "reqs"
        case .succeeded: return "ok"
        case .failed: return "failed"
        case .errorRate: return "err%"
        case .throttled: return "429s"
        case .throttleRate: return "429%"
        case .serverErrors: return "5xx"
        case .inputTokens: return "in"
        case .outputTokens: return "out"
        case .cachedInputTokens: return "cached"
        case .cacheWriteTokens: return "c.write"
        case .reasoningTokens: return "reason"
        case .costUSD: return "cost"
        case .latencyP50: return "p50"
        case .latencyP95: return "p95"
        case .latencyP99: return "p99"
        case .ttftP50: return "ttft p50"
        case .unpricedRequests: return "unpriced"
        }
    }

    /// Costs are rounded to 1e-10 USD: far below any bill, and it hides the last-bit noise of summing doubles.
    static func roundedCost(_ value: Double) -> Double {
        (value * 1e10).rounded() / 1e10
    }

    /// The raw value: integers, fractions for rates, USD, milliseconds; nil for "no data" (no price, no latency).
    public func value(_ row: UsageRow) -> JSONNode {
        switch self {
        case .calls: return .int(row.calls)
        case .requests: return .int(row.requests)
        case .succeeded: return .int(row.succeeded)
        case .failed: return .int(row.failed)
        case .errorRate: return .number(row.errorRate)
        case .throttled: return .int(row.throttled)
        case .throttleRate: return .number(row.throttleRate)
        case .serverErrors: return .int(row.serverErrors)
        case .inputTokens: return .int(row.inputTokens)
        case .outputTokens: return .int(row.outputTokens)
        case .cachedInputTokens: return .int(row.cachedInputTokens)
        case .cacheWriteTokens: return .int(row.cacheWriteTokens)
        case .reasoningTokens: return .int(row.reasoningTokens)
        case .costUSD: return .double(row.costUSD.map(Self.roundedCost))
        case .latencyP50: return .double(row.latencyP50Ms)
        case .latencyP95: return .double(row.latencyP95Ms)
        case .latencyP99: return .double(row.latencyP99Ms)
        case .ttftP50: return .double(row.ttftP50Ms)
        case .unpricedRequests: return .int(row.unpricedRequests)
        }
    }

    /// The value in human units: `$12.35`, `4.5M`, `3.2%`, `840 ms`; a star marks a cost that leaves out unpriced attempts.
    public func human(_ row: UsageRow) -> String {
        switch self {
        case .calls, .requests, .succeeded, .failed, .throttled, .serverErrors, .unpricedRequests:
            if case .integer(let number) = value(row) { return String(number) }
            return ""
        case .errorRate: return Units.percent(row.errorRate)
        case .throttleRate: return Units.percent(row.throttleRate)
        case .inputTokens: return Units.tokens(row.inputTokens)
        case .outputTokens: return Units.tokens(row.outputTokens)
        case .cachedInputTokens: return Units.tokens(row.cachedInputTokens)
        case .cacheWriteTokens: return Units.tokens(row.cacheWriteTokens)
        case .reasoningTokens: return Units.tokens(row.reasoningTokens)
        case .costUSD: return Units.dollars(row.costUSD) + (row.unpricedRequests > 0 ? "*" : "")
        case .latencyP50: return Units.milliseconds(row.latencyP50Ms)
        case .latencyP95: return Units.milliseconds(row.latencyP95Ms)
        case .latencyP99: return Units.milliseconds(row.latencyP99Ms)
        case .ttftP50: return Units.milliseconds(row.ttftP50Ms)
        }
    }
}
