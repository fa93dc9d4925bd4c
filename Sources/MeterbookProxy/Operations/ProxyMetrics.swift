import Meterbook
import NIOConcurrencyHelpers
import Prometheus

/// The proxy's Prometheus metrics: per deployment requests, tokens, cost, 429s and latency, plus requests
/// in flight, refusals, and the recorder's queue. One registry per proxy, so several proxies in one process
/// (tests) never share counters.
final class ProxyMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let inFlight: Gauge
    private let queueDepth: Gauge
    /// written, dropped, write failures: in the order `recorderTotals` lists them.
    private let recorderCounters: [Counter]
    /// Recorder totals already added to `recorderCounters` (Prometheus counters only go up by deltas).
    private let recorderSeen = NIOLockedValueBox([Int](repeating: 0, count: 3))

    /// Seconds; from a quick cached answer to a long generation.
    private static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]

    init() {
        inFlight = registry.makeGauge(descriptor: Self.name("in_flight", unit: "", "Requests being forwarded now."))
        queueDepth = registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "meterbook", subsystem: "recorder", metricName: "queue_depth", unitName: "",
                                             helpText: "Attempts waiting to be written to the database."))
        let registry = self.registry
        func recorderCounter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "meterbook", subsystem: "recorder", metricName: name, unitName: "total", helpText: help))
        }
        recorderCounters = [
            recorderCounter("written", "Attempts written to the database."),
            recorderCounter("dropped", "Attempts dropped: queue full, or unwritable at close."),
            recorderCounter("write_failures", "Failed database writes (retried)."),
        ]
    }

    /// The instruments of one deployment, made once: the registry's own lookup is slower than this cache.
    private struct Instruments {
        var throttled: Counter
        var tokens: [Counter]
        var cost: Counter
        var duration: ValueHistogram
        var ttft: ValueHistogram
    }

    private struct RequestKey: Hashable {
        var deployment: String
        var status: Int
        var outcome: Outcome
    }

    /// Token types, in the order `Instruments.tokens` holds them.
    private static let tokenTypes = ["input", "output", "cached_input", "cache_write", "reasoning"]
    private let instruments = NIOLockedValueBox<[String: Instruments]>([:])
    private let requestCounters = NIOLockedValueBox<[RequestKey: Counter]>([:])

    /// Counts one recorded attempt.
    func observe(_ record: AttemptRecord) {
        let deployment = record.deployment ?? "unknown"
        let key = RequestKey(deployment: deployment, status: record.status, outcome: record.outcome)
        let requests = requestCounters.withLockedValue { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: Self.name("requests", unit: "total", "Upstream attempts, by deployment, HTTP status (0: none) and outcome."),
                labels: [("deployment", deployment), ("status", String(record.status)), ("outcome", record.outcome.rawValue)])
            counters[key] = counter
            return counter
        }
        requests.increment()
        let instruments = instruments(for: deployment)
        if record.status == 429 { instruments.throttled.increment() }
        let tokens = [record.inputTokens, record.outputTokens, record.cachedInputTokens, record.cacheWriteTokens, record.reasoningTokens]
        for (index, count) in tokens.enumerated() {
            if let count, count > 0 { instruments.tokens[index].increment(by: Int64(count)) }
        }
        if let cost = record.costUSD, cost > 0 { instruments.cost.increment(by: cost) }
        if let latency = record.latencyMs { instruments.duration.record(latency / 1000) }
        if let ttft = record.ttftMs { instruments.ttft.record(ttft / 1000) }
    }

    private func instruments(for deployment: String) -> Instruments {
        instruments.withLockedValue { cache in
            if let existing = cache[deployment] { return existing }
            let labels = [("deployment", deployment)]
            let made = Instruments(
                throttled: registry.makeCounter(descriptor: Self.name("throttled", unit: "total", "Attempts answered 429."), labels: labels),
                tokens: Self.tokenTypes.map { type in
                    registry.makeCounter(
                        descriptor: Self.name("tokens", unit: "total", "Tokens by deployment and type (cached_input, cache_write and reasoning are parts of input and output)."),
                        labels: labels + [("type", type)])
                },
                cost: registry.makeCounter(descriptor: Self.name("cost_usd", unit: "total", "Cost in USD from the price table."), labels: labels),
                duration: registry.makeValueHistogram(
                    descriptor: Self.name("request_duration", unit: "seconds", "Send to last byte of each upstream attempt."),
                    labels: labels, buckets: Self.latencyBuckets),
                ttft: registry.makeValueHistogram(
                    descriptor: Self.name("time_to_first_token", unit: "seconds", "Streams: send to first content delta."),
                    labels: labels, buckets: Self.latencyBuckets))
            cache[deployment] = made
            return made
        }
    }

    /// Counts a request the proxy answered itself without forwarding it.
    func rejected(_ reason: String) {
        registry.makeCounter(descriptor: Self.name("rejected", unit: "total", "Requests refused before forwarding, by reason."), labels: [("reason", reason)])
            .increment()
    }

    func started() { inFlight.increment() }
    func ended() { inFlight.decrement() }

    /// The exposition text, with the recorder's figures as of now.
    func render(recorder: Recorder.Statistics) -> [UInt8] {
        queueDepth.set(Double(recorder.queued))
        recorderSeen.withLockedValue { seen in
            let totals = [recorder.written, recorder.dropped, recorder.writeFailures]
            for (index, counter) in recorderCounters.enumerated() {
                let now = totals[index]
                if now > seen[index] { counter.increment(by: Int64(now - seen[index])) }
                seen[index] = max(seen[index], now)
            }
        }
        return registry.emitToBuffer()
    }

    private static func name(_ metric: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "meterbook", subsystem: "proxy", metricName: metric, unitName: unit, helpText: help)
    }
}
