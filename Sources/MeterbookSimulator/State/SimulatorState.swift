/// Everything the simulator remembers between requests. Lives behind one lock in ``SimulatorCore``.
struct SimulatorState {
    /// A scripted fault waiting for the next matching request.
    struct ScriptedFault {
        var fault: SimulatedFault
        /// nil matches any request.
        var deployment: String?
    }

    /// Requests and tokens used per deployment, for the decreasing `x-ratelimit-remaining-*` headers.
    struct RateLimitUsage {
        var requests = 0
        var tokens = 0
    }

    private(set) var nextAttempt = 0
    private(set) var script: [ScriptedFault] = []
    private var served: [(index: Int, attempt: ServedAttempt)] = []
    private var rateLimitUsage: [String: RateLimitUsage] = [:]

    /// Numbers a new attempt and takes the first scripted fault that matches its deployment.
    mutating func beginAttempt(deployment: String?, consumeScript: Bool) -> (index: Int, scripted: SimulatedFault?) {
        let index = nextAttempt
        nextAttempt += 1
        guard consumeScript,
            let position = script.firstIndex(where: { $0.deployment == nil || $0.deployment == deployment })
        else { return (index, nil) }
        return (index, script.remove(at: position).fault)
    }

    mutating func enqueue(_ faults: [SimulatedFault], deployment: String?) {
        script.append(contentsOf: faults.map { ScriptedFault(fault: $0, deployment: deployment) })
    }

    /// Adds an attempt to the log, keeping attempt order even when concurrent requests finish out of order.
    mutating func record(_ attempt: ServedAttempt, index: Int) {
        let position = served.lastIndex(where: { $0.index < index }).map { $0 + 1 } ?? 0
        served.insert((index, attempt), at: position)
    }

    func servedAttempts() -> [ServedAttempt] {
        served.map(\.attempt)
    }

    mutating func resetServed() {
        served.removeAll()
    }

    mutating func resetScript() {
        script.removeAll()
    }

    /// Charges one request and `tokens` to the deployment's window and returns what remains.
    /// The window refills when it would run out, as a per-minute window would.
    mutating func chargeRateLimit(deployment: String, limits: DeploymentProfile.Limits, tokens: Int) -> (remainingRequests: Int, remainingTokens: Int) {
        var usage = rateLimitUsage[deployment, default: RateLimitUsage()]
        if usage.requests + 1 > limits.requests || usage.tokens + tokens > limits.tokens {
            usage = RateLimitUsage()
        }
        usage.requests += 1
        usage.tokens += min(tokens, limits.tokens)
        rateLimitUsage[deployment] = usage
        return (limits.requests - usage.requests, limits.tokens - usage.tokens)
    }
}
