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
        do {
            let result = try await onOwnThread { try body(PostgresSource(database: database)) }
            try? await database.close()
            return result
        } catch {
            try? await database.close()
            throw error
        }
    }

    /// Runs `body` on a new thread and resumes with its result.
    package static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = "meterbook central read"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
