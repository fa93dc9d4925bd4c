import Foundation

/// Fault injection for the crash-safety tests: with `METERBOOK_ROTATE_KILL_AT=STEP[:N]` in the environment, the
/// process kills itself with SIGKILL the N-th time (default 1st) rotation reaches STEP. Unset, it does nothing.
enum RotationFaults {
    private static let target: (step: String, hit: Int)? = {
        guard let value = ProcessInfo.processInfo.environment["METERBOOK_ROTATE_KILL_AT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: ":")
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()

    /// How many times the target step was reached (rotation may run on any thread).
    private static let hits = Locked(0)

    static func reach(_ step: String) {
        guard let target, target.step == step else { return }
        let hit = hits.withLock { count -> Int in
            count += 1
            return count
        }
        if hit == target.hit { kill(getpid(), SIGKILL) }
    }
}
