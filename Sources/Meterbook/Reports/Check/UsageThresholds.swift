import Foundation

/// The limits `meterbook check` compares against. Nil means "not checked".
public struct UsageThresholds: Sendable, Equatable {
    /// USD per day (per deployment, or overall).
    public var maxDailyCost: Double?
    /// failed / calls, as a fraction.
    public var maxErrorRate: Double?
    /// 429s / requests, as a fraction.
    public var maxThrottleRate: Double?
    /// p95 latency in milliseconds.
    public var maxP95Ms: Double?
    /// Rates and p95 of groups with fewer calls than this are not judged (one failed call of two is not an outage).
    public var minCalls: Int

    public init(maxDailyCost: Double? = nil, maxErrorRate: Double? = nil, maxThrottleRate: Double? = nil,
                maxP95Ms: Double? = nil, minCalls: Int = 1) {
        self.maxDailyCost = maxDailyCost
        self.maxErrorRate = maxErrorRate
        self.maxThrottleRate = maxThrottleRate
        self.maxP95Ms = maxP95Ms
        self.minCalls = minCalls
    }

    public var isEmpty: Bool { maxDailyCost == nil && maxErrorRate == nil && maxThrottleRate == nil && maxP95Ms == nil }

    /// `5%` or a fraction `0.05`.
    public static func parseRate(_ text: String, option: String) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let value: Double?
        if trimmed.hasSuffix("%") {
            value = Double(trimmed.dropLast()).map { $0 / 100 }
        } else {
            value = Double(trimmed).flatMap { $0 <= 1 ? $0 : nil }
        }
        guard let value, value.isFinite, (0...1).contains(value) else {
            throw ReportInputError("\(option) '\(text)' is not a rate: give a percentage such as 5% or a fraction such as 0.05.")
        }
        return value
    }

    /// `200` or `$200`.
    public static func parseDollars(_ text: String, option: String) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let value = Double(trimmed.hasPrefix("$") ? String(trimmed.dropFirst()) : trimmed), value.isFinite, value >= 0 else {
            throw ReportInputError("\(option) '\(text)' is not an amount: give US dollars such as 200 or 12.50.")
        }
        return value
    }

    /// `1500`, `1500ms` or `1.5s`.
    public static func parseMilliseconds(_ text: String, option: String) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        var value: Double?
        if trimmed.hasSuffix("ms") {
            value = Double(trimmed.dropLast(2))
        } else if trimmed.hasSuffix("s") {
            value = Double(trimmed.dropLast()).map { $0 * 1000 }
        } else {
            value = Double(trimmed)
        }
        guard let value, value.isFinite, value >= 0 else {
            throw ReportInputError("\(option) '\(text)' is not a duration: give milliseconds such as 1500, or 1500ms or 1.5s.")
        }
        return value
    }
}
