import Foundation
import Logging
import Meterbook

/// Runs a read (report, export, trace, check, query) against the central store from async code.
///
/// The read engine is synchronous and `PostgresSource` waits on postgres-nio's futures, so the read runs on a
/// thread of its own: blocking one of the cooperative pool's threads (as many as cores, 2 here) could starve the
/// tasks the read waits for. The connection's I/O stays on its NIO event loop; this thread only decodes rows.
package enum CentralReader {
    package static func read<T: Sendable>(_ settings: PostgresSettings, logger: Logger = Logger(label: "meterbook.postgres"),
                                          _ body: @escaping @Sendable (PostgresSource) throws -> T) async throws -> T {
        let database = try await CentralDatabase.connect(settings, migrate: false, logger: logger)
        let spare = SpareConnection(settings: settings, logger: logger)
        do {
            let result = try await onOwnThread { try body(PostgresSource(database: database, spare: spare)) }
            try? await database.close()
            await spare.close()
            return result
        } catch {
            try? await database.close()
            await spare.close()
            throw error
        }
    }

    /// Runs `other` on a new thread while this thread runs `body`; returns both results (`body`'s first) once both
    /// are done, or the first error.
    static func alongside<A, B>(_ other: @escaping @Sendable () throws -> B, while body: () throws -> A) throws -> (first: A, second: B) {
        let result = Locked<Result<UncheckedValue<B>, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        startThread {
            let outcome = Result { UncheckedValue(try other()) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        let mine = Result { try body() }
        done.wait()
        let theirs = try result.withLock { $0 }!.get().value
        return (try mine.get(), theirs)
    }

    /// Runs `body` on a new thread and resumes with its result.
    package static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            startThread { continuation.resume(with: Result { try body() }) }
        }
    }

    /// A thread for a blocking read (rows decoded in deep call chains: a roomy stack).
    private static func startThread(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = "meterbook central read"
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// A value handed from one thread to another that waits for it (never used by both at once).
struct UncheckedValue<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
