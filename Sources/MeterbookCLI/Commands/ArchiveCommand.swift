import ArgumentParser
import Foundation
import Meterbook

extension MeterbookCommand {
    /// The rotated archives: list, verify, restore.
    struct ArchiveCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "archive",
            abstract: "List, verify or restore the daily archives written by rotate.",
            subcommands: [List.self, Verify.self, Restore.self]
        )

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Every archive with its rows, sizes and compression ratio.")

            @OptionGroup var store: StoreOptions

            func run() async throws {
                let catalog = ArchiveCatalog(store: try store.openForReading(), directory: store.archiveDirectory)
                let entries = try catalog.entries()
                guard !entries.isEmpty else {
                    Console.out("No archives: run meterbook rotate to archive days older than the retention window.")
                    return
                }
                var lines = [["day", "part", "rows", "bytes", "raw_bytes", "ratio", "path"]]
                for entry in entries {
                    lines.append([entry.day.description, String(entry.part), String(entry.rows), String(entry.bytes), String(entry.rawBytes),
                                  String(format: "%.1fx", entry.compressionRatio), catalog.path(of: entry)])
                }
                let totalRows = entries.map(\.rows).reduce(0, +)
                let totalBytes = entries.map(\.bytes).reduce(0, +)
                let totalRaw = entries.map(\.rawBytes).reduce(0, +)
                lines.append(["total", "", String(totalRows), String(totalBytes), String(totalRaw),
                              String(format: "%.1fx", totalBytes > 0 ? Double(totalRaw) / Double(totalBytes) : 0), ""])
                let widths = lines[0].indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
                for line in lines {
                    Console.out(zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                        .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
                }
            }
        }

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Read every archive and check it against the manifest (checksum, rows, gzip stream). Exit 1 on any problem."
            )

            @OptionGroup var store: StoreOptions

            func run() async throws {
                let catalog = ArchiveCatalog(store: try store.openForReading(), directory: store.archiveDirectory)
                let checks = try catalog.verify()
                var problems = 0
                for check in checks {
                    if let problem = check.problem {
                        problems += 1
                        Console.out("FAIL \(check.entry.day) part \(check.entry.part): \(problem.message)")
                    } else {
                        Console.out("ok   \(check.entry.day) part \(check.entry.part): \(check.entry.rows) rows, sha256 \(check.entry.sha256.prefix(12))")
                    }
                }
                if problems > 0 {
                    throw CommandFailure(message: "\(problems) of \(checks.count) archives failed verification: see the FAIL lines above.")
                }
                Console.out("All \(checks.count) archives verified.")
            }
        }

        struct Restore: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Put an archived day's attempts back into the database, or into another file.",
                discussion: """
                    Without --into, the day returns to the live database and its archive files, manifest rows and \
                    rollups are removed (the next rotate archives it again). With --into FILE, the attempts are copied \
                    into that Meterbook database (created when missing) and the archive stays.

                    Examples:
                      meterbook archive restore 2026-03-01 --into /tmp/march-1.sqlite
                      meterbook archive restore 2026-03-01
                    """
            )

            @OptionGroup var store: StoreOptions

            @Argument(help: ArgumentHelp("The UTC day (YYYY-MM-DD).", valueName: "day"))
            var day: String

            @Option(help: ArgumentHelp("Restore into this database file instead of the live one.", valueName: "file"))
            var into: String?

            func validate() throws {
                guard UTCDay(iso: day) != nil else { throw ValidationError("'\(day)' is not a day: give it as YYYY-MM-DD.") }
            }

            func run() async throws {
                guard let utcDay = UTCDay(iso: day) else { throw ValidationError("'\(day)' is not a day: give it as YYYY-MM-DD.") }
                // --into naming the database itself is a restore into the live database.
                let into = self.into.flatMap { path in
                    URL(fileURLWithPath: path).standardizedFileURL == URL(fileURLWithPath: store.databasePath).standardizedFileURL ? nil : path
                }
                let database = into == nil ? try store.openExisting() : try store.openForReading()
                let catalog = ArchiveCatalog(store: database, directory: store.archiveDirectory)
                if let into {
                    let rows = try catalog.restore(day: utcDay, into: .file(into))
                    Console.out("Restored \(rows) attempts of \(utcDay) into \(into).")
                } else {
                    let rows = try catalog.restore(day: utcDay, into: .live)
                    Console.out("Restored \(rows) attempts of \(utcDay) into \(database.path); the next rotate archives the day again.")
                }
            }
        }
    }
}
