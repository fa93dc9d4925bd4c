import Foundation

/// `--out FILE`: output goes to a temporary file beside FILE and is renamed over it only when complete, so a
/// reader (a dashboard, a cron mail) never sees half a report and a failed run leaves the old file in place.
public final class AtomicFile {
    public let path: String
    private let temporaryPath: String
    public let sink: ByteSink
    private var finished = false

    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputError("Cannot write \(path): the folder \(folder) does not exist. Create it or choose another --out path.")
        }
        var template = Array((folder + "/." + url.lastPathComponent + ".tmp-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw OutputError("Cannot write \(path): \(String(cString: strerror(errno))). Choose a writable --out path.")
        }
        // mkstemp makes the file 0600; a report is an ordinary document.
        fchmod(descriptor, 0o644)
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        sink = ByteSink(descriptor: descriptor, closesDescriptor: true)
    }

    /// Flushes and renames the file into place.
    public func commit() throws {
        try sink.close()
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw OutputError("Could not move the output into \(path): \(reason).")
        }
        finished = true
    }

    /// Removes the temporary file (after a failure).
    public func discard() {
        guard !finished else { return }
        try? sink.close()
        unlink(temporaryPath)
        finished = true
    }

    /// Writes `text` to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        let file = try AtomicFile(path: path)
        do {
            try file.sink.append(text)
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }

    deinit { discard() }
}
