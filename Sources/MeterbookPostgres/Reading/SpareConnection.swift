import Foundation
import Logging
import Meterbook

/// A second connection to the central store, opened on first use: a report reads two halves of its range at once,
/// and PostgreSQL runs one backend (one core) per connection. When it cannot be opened, reads use one connection.
package final class SpareConnection: Sendable {
    private let settings: PostgresSettings
    private let logger: Logger
    private let state = Locked<(database: CentralDatabase?, tried: Bool)>((nil, false))

    package init(settings: PostgresSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// The connection, opened now if need be (blocks the calling thread: call it off the cooperative pool, as
    /// every `PostgresSource` read is); nil when it could not be opened.
    func database() -> CentralDatabase? {
        let current = state.withLock { $0 }
        if current.tried { return current.database }
        let opened = Locked<CentralDatabase?>(nil)
        let done = DispatchSemaphore(value: 0)
        let settings = self.settings, logger = self.logger
        Task {
            let database = try? await CentralDatabase.connect(settings, migrate: false, logger: logger)
            opened.withLock { $0 = database }
            done.signal()
        }
        done.wait()
        let database = opened.withLock { $0 }
        state.withLock { $0 = (database, true) }
        return database
    }

    package func close() async {
        if let database = state.withLock({ $0.database }) { try? await database.close() }
    }
}
