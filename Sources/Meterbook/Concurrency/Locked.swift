import Foundation

/// A value behind a lock, for small shared state (credentials' caches, counters, test fixtures).
// @unchecked Sendable: `value` is only read or written while `lock` is held.
package final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) {
        self.value = value
    }

    package func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }

    package var current: Value { withLock { $0 } }
}
