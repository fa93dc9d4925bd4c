import Foundation

/// When and how long to wait before retrying, as the official OpenAI and Anthropic SDKs do (WIRE.md D).
public struct RetryPolicy: Sendable {
    public var maxRetries: Int
    /// Anthropic's SDK honours retry-after up to 60 s; OpenAI's up to 120 s and gives up above that.
    public var isAnthropic: Bool

    public init(maxRetries: Int = 2, isAnthropic: Bool = false) {
        self.maxRetries = maxRetries
        self.isAnthropic = isAnthropic
    }

    /// `x-should-retry` wins; else 408, 409, 429 and 5xx are retried.
    public func shouldRetry(status: Int, headers: HTTPHeaders) -> Bool {
        switch headers["x-should-retry"]?.lowercased() {
        case "true": return true
        case "false": return false
        default: return status == 408 || status == 409 || status == 429 || status >= 500
        }
    }

    /// Connection errors and timeouts are retried; a cancelled or malformed request is not.
    public func shouldRetry(_ error: TransportError) -> Bool {
        error.code != .cancelled && error.code != .invalidRequest
    }

    /// Seconds to wait before retry number `retriesDone + 1`, or nil when the service asked for longer than the SDK waits.
    public func delay(retriesDone: Int, headers: HTTPHeaders?, random: Double = Double.random(in: 0..<1)) -> Double? {
        if let headers, let milliseconds = RetryAfter.milliseconds(in: headers) {
            let seconds = Double(milliseconds) / 1000
            let cap = isAnthropic ? 60.0 : 120.0
            if seconds > 0, seconds <= cap { return seconds }
            if !isAnthropic, seconds > cap { return nil }
        }
        let exponent = Double(min(retriesDone, 1000))
        return min(0.5 * pow(2.0, exponent), 8.0) * (1 - 0.25 * random)
    }
}
