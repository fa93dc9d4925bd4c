import Foundation
import Meterbook

/// A temporary folder holding a database with `Seed.attempts`, removed when released.
public final class SeededDatabase: Sendable {
    public let folder: URL
    public let path: String
    public let store: MeterbookStore

    public init(attempts: [AttemptRecord] = Seed.attempts) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-seed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("meterbook.sqlite").path
        store = try MeterbookStore(path: path)
        try store.insert(attempts)
    }

    /// A path inside the folder (for --out files, configs).
    public func file(_ name: String) -> String {
        folder.appendingPathComponent(name).path
    }

    deinit { try? FileManager.default.removeItem(at: folder) }
}
