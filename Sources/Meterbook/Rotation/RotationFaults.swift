import Foundation

/// Fault injection for the crash-safety tests: with `METERBOOK_ROTATE_KILL_AT=STEP[:N]` in the environment, the
/// process kills itself with SIGKILL the N-th time (default 1st) rotation reaches STEP. Unset, it does nothing.
enum RotationFaults {
    private static let target: (step: String, hit: Int)? = {
        guard let value = ProcessInfo.processInfo.environment["METERBOOK_ROTATE_KILL_AT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: ":")
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()

    private static let counter = Counter()

    static func reach(_ step: String) {
        guard let target, target.step == step else { return }
        if counter.increment() == target.hit { kill(getpid(), SIGKILL) }
    }

    /// How many times the target step was reached; one lock because rotation may run on any thread.
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0

        func increment() -> Int {
            lock.withLock {
                value += 1
                return value
            }
        }
    }
}
