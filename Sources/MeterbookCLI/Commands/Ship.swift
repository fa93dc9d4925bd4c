import ArgumentParser
import Dispatch
import Foundation
import Meterbook
import MeterbookPostgres

extension MeterbookCommand {
    /// Ships the database's attempts (live and archived) to a central PostgreSQL store.
    struct Ship: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ship every attempt (live and archived) to a central PostgreSQL store, once or continuously.",
            discussion: """
                Incremental and exactly-once in effect: rows are keyed by the file's source id and their local id, \
                inserts are idempotent upserts, and the shipped position is kept in the central store, so an \
                interrupted shipper resumes where it stopped. Archives rotated before they were shipped are shipped \
                from the archive files. The schema is created on first connect.

                The server: --to, else [ship] to in the config, else the libpq environment (PGHOST, PGPORT, PGUSER, \
                PGPASSWORD, PGDATABASE, PGSSLMODE). Passwords are never printed.

                Examples:
                  meterbook ship --to postgres://meterbook@db.example.com/meterbook
                  meterbook ship --every 10s
                  meterbook ship --drop-days-before -400d
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("The central store, postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...].", valueName: "url"))
        var to: String?

        @Option(help: ArgumentHelp("Keep shipping: a pass every DURATION (10s, 5m, 1h), until SIGINT/SIGTERM.", valueName: "duration"))
        var every: String?

        @Option(help: ArgumentHelp("Attempts per transaction. Default: [ship] batch, else 10000.", valueName: "n"))
        var batch: Int?

        @Option(name: .customLong("drop-days-before"), parsing: .unconditional, help: ArgumentHelp("After shipping, drop the central store's day partitions before this UTC day (YYYY-MM-DD, -400d, ...). Default: [ship] retention_days.", valueName: "day"))
        var dropDaysBefore: String?

        func validate() throws {
            if let every, MeterbookConfig.parseDuration(every) == nil {
                throw ValidationError("--every takes a duration such as 10s, 5m or 1h (got \"\(every)\").")
            }
            if let batch, !(1...1_000_000).contains(batch) {
                throw ValidationError("--batch must be between 1 and 1000000 (got \(batch)).")
            }
            if let to, !PostgresSettings.isURL(to) {
                throw ValidationError("--to takes a postgres:// URL (got \"\(PostgresSettings.redact(to))\").")
            }
        }

        func run() async throws {
            let config: MeterbookConfig
            do {
                config = try store.loadConfig()
            } catch let error as ConfigError {
                throw CommandFailure(message: error.message, exitCode: 2)
            }
            let environment = ProcessInfo.processInfo.environment
            guard let url = to ?? config.ship.to ?? (environment["PGHOST"] != nil || environment["PGDATABASE"] != nil ? "postgres://" : nil) else {
                throw ValidationError("Say where to ship: --to postgres://USER@HOST/DATABASE, a [ship] to = \"...\" in the config, or PGHOST.")
            }
            let settings: PostgresSettings
            do {
                settings = try PostgresSettings(url: url, environment: environment)
            } catch let error as CentralStoreError {
                throw CommandFailure(message: error.message, exitCode: 2)
            }
            var dropBefore: UTCDay?
            if let dropDaysBefore {
                dropBefore = try DayRange.parse(dropDaysBefore, option: "--drop-days-before")
            }
            let retentionDays = dropBefore == nil ? config.ship.retentionDays : nil
            let batchSize = batch ?? config.ship.batch ?? Shipper.defaultBatchSize

            func open() throws -> Shipper {
                do {
                    return try Shipper(store: store.openExisting(), archiveDirectory: store.archiveDirectory, batchSize: batchSize,
                                       logger: .cli("meterbook.ship"))
                } catch let error as StoreError {
                    throw CommandFailure(message: error.message)
                }
            }

            if let every = every.flatMap(MeterbookConfig.parseDuration) {
                try await continuously(open(), settings, every: every, retentionDays: retentionDays, dropBefore: dropBefore)
                return
            }
            let started = Date()
            // Connect before opening the file: with the server down nothing local is touched (not even a migration).
            let (shipper, pass, dropped) = try await CentralDatabase.with(settings, migrate: true, logger: .cli("meterbook.ship")) { central in
                let shipper = try open()
                let pass = try await shipper.shipOnce(to: central)
                var dropped: [String] = []
                if let cutoff = dropBefore ?? retentionDays.map({ UTCDay.today().adding(days: -Int64($0)) }) {
                    dropped = try await CentralRetention.dropDays(before: cutoff, in: central)
                }
                return (shipper, pass, dropped)
            }
            let seconds = Date().timeIntervalSince(started)
            Console.out("Shipped \(pass.rowsShipped) attempts (\(pass.rowsInserted) new) and \(pass.archivesShipped) archives from \(shipper.store.path) to \(settings) in \(String(format: "%.1f", seconds)) s; live rows shipped up to id \(pass.shippedID).")
            if !dropped.isEmpty {
                Console.out("Dropped \(dropped.count) day partitions: \(dropped.joined(separator: ", ")).")
            }
        }

        /// `--every`: a pass per interval until SIGINT/SIGTERM; one stderr line per outage, not per retry.
        private func continuously(_ shipper: Shipper, _ settings: PostgresSettings, every: Double, retentionDays: Int?, dropBefore: UTCDay?) async throws {
            // An explicit day becomes a window in days from today, applied by the loop once a day.
            let days = dropBefore.map { Int(UTCDay.today().daysSinceEpoch - $0.daysSinceEpoch) } ?? retentionDays
            let loop = ContinuousShipper(shipper: shipper, settings: settings, interval: every, retentionDays: days.map { max(0, $0) },
                                         logger: .cli("meterbook.ship")) { event in
                switch event {
                case .shipped(let pass):
                    Console.out("Shipped \(pass.rowsShipped) attempts (\(pass.rowsInserted) new) and \(pass.archivesShipped) archives; live rows up to id \(pass.shippedID).")
                case .outage(let message):
                    Console.error("Shipping to \(settings) failed, retrying with backoff until it answers: \(Main.oneLine(message))")
                case .recovered:
                    Console.error("Shipping to \(settings) resumed.")
                case .dropped(let names):
                    Console.out("Dropped \(names.count) day partitions: \(names.joined(separator: ", ")).")
                }
            }
            Console.error("Shipping \(shipper.store.path) to \(settings) every \(every) s; stop with Ctrl-C or SIGTERM.")
            let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { loop.requestStop() }
                source.resume()
                return source
            }
            await loop.run()
            signals.forEach { $0.cancel() }
            Console.error("Stopped: \(loop.shipped) attempts shipped in \(loop.passes) passes, \(loop.failures) failed attempts to ship.")
        }
    }
}
