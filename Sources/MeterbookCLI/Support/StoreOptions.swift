import ArgumentParser
import Foundation
import Logging
import Meterbook

/// `--db` and `--config`, shared by every command.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The database file.", discussion: "Default: $METERBOOK_DB, else $XDG_DATA_HOME/meterbook/meterbook.sqlite.", valueName: "path"))
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

    /// Opens the database for recording, creating it when missing.
    func openForWriting() throws -> MeterbookStore {
        try MeterbookStore(path: databasePath, mode: .readWrite)
    }

    /// Opens an existing database read-only; a missing file is an error, never created, and nothing is written.
    func openForReading() throws -> MeterbookStore {
        try MeterbookStore(path: databasePath, mode: .readOnly)
    }

    /// Opens an existing database to change rows (reprice); a missing file is an error, never created.
    func openExisting() throws -> MeterbookStore {
        try MeterbookStore(path: databasePath, mode: .existing)
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
