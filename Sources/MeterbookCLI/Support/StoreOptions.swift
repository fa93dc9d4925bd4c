import ArgumentParser
import Foundation
import Logging
import Meterbook
import MeterbookPostgres

/// `--db` and `--config`, shared by every command.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The database file, or a central PostgreSQL store (postgres://...) for report, export, trace, check and query.", discussion: "Default: $METERBOOK_DB, else $XDG_DATA_HOME/meterbook/meterbook.sqlite.", valueName: "path|url"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp("The config file (deployments, prices).", discussion: "Default: $METERBOOK_CONFIG, else meterbook.toml beside the database.", valueName: "path"))
    var config: String?

    @Option(name: .customLong("archive-dir"), help: ArgumentHelp("The folder of rotated archives.", discussion: "Default: archive/ beside the database.", valueName: "path"))
    var archiveDir: String?

    var databasePath: String { StoreLocation.resolve(explicit: db) }

    /// `--archive-dir`, else `archive/` beside the database.
    var archiveDirectory: String { archiveDir ?? ArchiveRotation.defaultDirectory(forDatabase: databasePath) }

    func loadConfig() throws -> MeterbookConfig {
        let location = MeterbookConfig.location(explicit: config, databasePath: databasePath)
        return try MeterbookConfig.load(path: location.path, required: location.required)
    }

    /// `--db` (else $METERBOOK_DB) when it names a PostgreSQL server: the read commands then read the central
    /// store. Credentials come from the URL or PGUSER/PGPASSWORD/...; the password never appears in messages.
    func centralStore() throws -> PostgresSettings? {
        let value = db.flatMap { $0.isEmpty ? nil : $0 } ?? ProcessInfo.processInfo.environment["METERBOOK_DB"]
        guard let value, PostgresSettings.isURL(value) else { return nil }
        return try PostgresSettings(url: value)
    }

    /// Opens the database for recording, creating it when missing.
    func openForWriting() throws -> MeterbookStore {
        try MeterbookStore(path: try localPath(), mode: .readWrite)
    }

    /// Opens an existing database read-only; a missing file is an error, never created, and nothing is written.
    func openForReading() throws -> MeterbookStore {
        try MeterbookStore(path: try localPath(), mode: .readOnly)
    }

    /// Opens an existing database to change rows (reprice); a missing file is an error, never created.
    func openExisting() throws -> MeterbookStore {
        try MeterbookStore(path: try localPath(), mode: .existing)
    }

    /// The SQLite file, refusing a PostgreSQL URL: only the read commands work on the central store.
    private func localPath() throws -> String {
        let path = databasePath
        guard !PostgresSettings.isURL(path) else {
            throw CommandFailure(message: "This command works on a local SQLite database, and --db (or $METERBOOK_DB) names a PostgreSQL server (\(PostgresSettings.redact(path))): pass --db PATH to a .sqlite file; report, export, trace, check and query read the central store.", exitCode: 2)
        }
        return path
    }
}

/// Tags given as `--tag key=value`.
enum TagParser {
    static func parse(_ values: [String]) throws -> [String: String] {
        var tags: [String: String] = [:]
        for value in values {
            guard let equals = value.firstIndex(of: "="), equals != value.startIndex else {
                throw ValidationError("--tag takes key=value (got \"\(value)\").")
            }
            tags[String(value[..<equals])] = String(value[value.index(after: equals)...])
        }
        return tags
    }
}

extension Logger {
    /// The CLI's logger: warnings and errors to stderr.
    static func cli(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }
}
