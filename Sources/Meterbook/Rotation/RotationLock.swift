import Foundation

/// An exclusive `flock` on `.rotate.lock` in the archive folder: two rotations at once would pick the same part
/// file. The kernel drops the lock when the process dies, so a killed rotation never blocks the next.
final class RotationLock {
    private var descriptor: Int32

    init(directory: String) throws {
        let path = (directory as NSString).appendingPathComponent(".rotate.lock")
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ArchiveError(.cannotWrite, "Could not create \(path): \(String(cString: strerror(errno))). Make the archive folder writable or pass --archive-dir; no rows were removed.")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            descriptor = -1
            throw ArchiveError(.unavailable, "Another meterbook rotate is running on \(directory): wait for it to finish.")
        }
    }

    func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
