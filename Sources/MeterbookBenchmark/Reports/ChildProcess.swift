import Foundation

/// Runs a command with stdout to /dev/null (or a file) and measures what a user would: wall time and the
/// child's peak resident memory. The peak is VmHWM from /proc, polled while the child runs (a high-water mark, so
/// polling misses nothing but growth in the last 2 ms); wait4's ru_maxrss would not do, since the child is
/// spawned with vfork and Linux charges it the parent's resident set at exec.
enum ChildProcess {
    struct Measurement {
        var seconds: Double
        /// User + system CPU time of the child: steadier than wall time on a shared machine.
        var cpuSeconds: Double
        var peakRSSBytes: Int
        var status: Int32
    }

    static func run(_ executable: String, _ arguments: [String], stdout: String = "/dev/null") throws -> Measurement {
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let code = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard code == 0 else { throw BenchmarkError("could not start \(executable): \(String(cString: strerror(code)))") }
        var status: Int32 = 0
        var peak = 0
        var usage = rusage()
        while true {
            let reaped = wait4(pid, &status, WNOHANG, &usage)
            if reaped == pid { break }
            if reaped < 0, errno != EINTR { throw BenchmarkError("wait4 failed: \(String(cString: strerror(errno)))") }
            peak = max(peak, highWaterMark(pid))
            usleep(2000)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return Measurement(seconds: seconds, cpuSeconds: cpu, peakRSSBytes: peak, status: (status >> 8) & 0xFF)
    }
}

/// VmHWM of a live process in bytes (0 once it has exited).
private func highWaterMark(_ pid: pid_t) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return kilobytes * 1024
    }
    return 0
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
