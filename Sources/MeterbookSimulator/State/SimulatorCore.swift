import NIOConcurrencyHelpers

/// The simulator's shared, lock-protected state and configuration, used by the public
/// ``AzureSimulator`` handle and by the request handlers.
final class SimulatorCore: Sendable {
    let configuration: SimulatorConfiguration
    private let state = NIOLockedValueBox(SimulatorState())

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
    }

    func beginAttempt(deployment: String?, consumeScript: Bool) -> (index: Int, scripted: SimulatedFault?) {
        state.withLockedValue { $0.beginAttempt(deployment: deployment, consumeScript: consumeScript) }
    }

    func enqueue(_ faults: [SimulatedFault], deployment: String?) {
        state.withLockedValue { $0.enqueue(faults, deployment: deployment) }
    }

    func record(_ attempt: ServedAttempt, index: Int) {
        state.withLockedValue { $0.record(attempt, index: index) }
    }

    func served() -> [ServedAttempt] {
        state.withLockedValue { $0.servedAttempts() }
    }

    func resetServed() {
        state.withLockedValue { $0.resetServed() }
    }

    /// Clears the served log and the scripted faults (`POST /_sim/reset`).
    func reset() {
        state.withLockedValue {
            $0.resetServed()
            $0.resetScript()
        }
    }

    func chargeRateLimit(deployment: String, limits: DeploymentProfile.Limits, tokens: Int) -> (remainingRequests: Int, remainingTokens: Int) {
        state.withLockedValue { $0.chargeRateLimit(deployment: deployment, limits: limits, tokens: tokens) }
    }
}
