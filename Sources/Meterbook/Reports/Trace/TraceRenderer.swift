import Foundation

/// `meterbook trace --format`.
public enum TraceFormat: String, Sendable, CaseIterable {
    case text, json

    public func render(_ match: TraceMatch) -> String {
        switch self {
        case .text: return TraceTextRenderer().render(match)
        case .json: return TraceTextRenderer.json(match).render(pretty: true) + "\n"
        }
    }
}

/// The call as a timeline: a summary, then one block per attempt with when, status, outcome, error, the latency
/// split (DNS, connect, TLS, waiting for the first byte, body), tokens, cost, every ID and retry-after.
struct TraceTextRenderer {
    /// CONTRACT.md's trace JSON: `{"id","matched_column","call_id","attempts":[{row}, ...]}`.
    static func json(_ match: TraceMatch) -> JSONNode {
        .object([
            ("id", .string(match.id)),
            ("matched_column", .string(match.matchedColumn)),
            ("call_id", .string(match.callID)),
            ("attempts", .array(match.attempts.map(\.jsonRow))),
        ])
    }

    func render(_ match: TraceMatch) -> String {
        guard let first = match.attempts.first, let last = match.attempts.last else { return "" }
        var lines: [String] = []
        lines.append("Call \(match.callID)" + (match.matchedColumn == "call_id" ? "" : " (found by \(match.matchedColumn) \(match.id))"))
        var what = [first.deployment.map { "deployment \($0)" }, match.attempts.compactMap(\.model).last.map { "model \($0)" },
                    "\(first.provider.rawValue) \(first.api.rawValue)", "\(first.method) \(first.endpoint)\(first.path)"].compactMap { $0 }
        if let version = first.apiVersion { what.append("api-version \(version)") }
        if first.stream { what.append("streaming") }
        lines.append(what.joined(separator: " · "))
        let end = match.attempts.map { $0.startedAt + Int64(($0.latencyMs ?? 0).rounded()) }.max() ?? last.startedAt
        let cost = match.attempts.compactMap(\.costUSD)
        var summary = "\(match.attempts.count) attempt\(match.attempts.count == 1 ? "" : "s") from \(Self.time(first.startedAt)), "
            + "\(Self.duration(Double(end - first.startedAt))) in all · final: \(last.outcome.rawValue) (\(last.status))"
        summary += " · cost " + (cost.isEmpty ? "unpriced" : Self.cost(cost.reduce(0, +)))
        lines.append(summary)
        if !first.tags.isEmpty {
            lines.append("tags: " + first.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        for attempt in match.attempts {
            lines.append("")
            lines.append(contentsOf: block(attempt, callStart: first.startedAt))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func block(_ attempt: AttemptRecord, callStart: Int64) -> [String] {
        var head = "#\(attempt.attempt)  \(Self.time(attempt.startedAt))  +\(Self.duration(Double(attempt.startedAt - callStart)))  "
        head += attempt.status == 0 ? "no response" : "HTTP \(attempt.status)"
        head += "  \(attempt.outcome.rawValue)" + (attempt.final ? "  (final)" : "")
        var lines = [head]
        if attempt.errorType != nil || attempt.errorCode != nil || attempt.errorMessage != nil {
            let kind = [attempt.errorType, attempt.errorCode].compactMap { $0 }.joined(separator: "/")
            lines.append("    error: " + [kind.isEmpty ? nil : kind, attempt.errorMessage].compactMap { $0 }.joined(separator: ": "))
        }
        lines.append("    " + latencyLine(attempt))
        var usage: [String] = []
        if let input = attempt.inputTokens {
            var detail: [String] = []
            if let cached = attempt.cachedInputTokens { detail.append("\(cached) cached") }
            if let written = attempt.cacheWriteTokens { detail.append("\(written) cache write") }
            usage.append("\(input) in" + (detail.isEmpty ? "" : " (\(detail.joined(separator: ", ")))"))
        }
        if let output = attempt.outputTokens {
            usage.append("\(output) out" + (attempt.reasoningTokens.map { " (\($0) reasoning)" } ?? ""))
        }
        let cost = attempt.costUSD.map(Self.cost) ?? ((attempt.inputTokens ?? 0) + (attempt.outputTokens ?? 0) > 0 ? "unpriced (unknown model)" : "—")
        lines.append("    tokens " + (usage.isEmpty ? "—" : usage.joined(separator: " / ")) + " · cost " + cost)
        var limits: [String] = []
        if let retryAfter = attempt.retryAfterMs { limits.append("retry-after \(retryAfter) ms") }
        if let requests = attempt.ratelimitRemainingRequests { limits.append("remaining requests \(requests)") }
        if let tokens = attempt.ratelimitRemainingTokens { limits.append("remaining tokens \(tokens)") }
        if let region = attempt.region { limits.append("region \(region)") }
        if !limits.isEmpty { lines.append("    " + limits.joined(separator: " · ")) }
        let ids: [(String, String?)] = [("response_id", attempt.responseID), ("request_id", attempt.requestID),
                                         ("apim_request_id", attempt.apimRequestID), ("upstream_request_id", attempt.upstreamRequestID)]
        for (name, value) in ids {
            if let value { lines.append("    \(name) \(value)") }
        }
        return lines
    }

    /// `latency 412 ms: dns 3 ms, connect 12 ms, tls 25 ms, wait 160 ms (first byte at 200 ms), body 212 ms`.
    private func latencyLine(_ attempt: AttemptRecord) -> String {
        var parts: [String] = []
        let setup = [("dns", attempt.dnsMs), ("connect", attempt.connectMs), ("tls", attempt.tlsMs)]
        for (name, value) in setup {
            if let value { parts.append("\(name) \(Self.duration(value))") }
        }
        if let ttfb = attempt.ttfbMs {
            let wait = ttfb - setup.compactMap(\.1).reduce(0, +)
            parts.append("wait \(Self.duration(max(0, wait))) (first byte at \(Self.duration(ttfb)))")
            if let latency = attempt.latencyMs { parts.append("body \(Self.duration(max(0, latency - ttfb)))") }
        }
        if let ttft = attempt.ttftMs { parts.append("first token at \(Self.duration(ttft))") }
        let total = attempt.latencyMs.map { "latency \(Self.duration($0))" } ?? "latency —"
        return parts.isEmpty ? total : total + ": " + parts.joined(separator: ", ")
    }

    /// `2026-11-19 10:00:00.123Z`.
    static func time(_ epochMs: Int64) -> String {
        JSONReportRenderer.timestamp(epochMs: epochMs).replacingOccurrences(of: "T", with: " ")
    }

    static func duration(_ milliseconds: Double) -> String {
        if milliseconds >= 10_000 { return String(format: "%.1f s", milliseconds / 1000) }
        if milliseconds >= 100 || milliseconds == milliseconds.rounded() { return String(format: "%.0f ms", milliseconds) }
        return String(format: milliseconds < 1 ? "%.2f ms" : "%.1f ms", milliseconds)
    }

    static func cost(_ value: Double) -> String {
        if value == 0 { return "$0" }
        return value >= 0.01 ? String(format: "$%.4f", value) : String(format: "$%.6f", value)
    }
}
