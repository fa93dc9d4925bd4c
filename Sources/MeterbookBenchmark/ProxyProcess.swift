import Foundation

/// The real `meterbook proxy` binary in a process of its own, as users run it, optionally held to some CPUs.
final class ProxyProcess: BenchmarkProxy {
    let baseURL: String
    private let pid: pid_t
    private let logPath: String

    /// Starts the proxy on a free loopback port and returns once it is listening.
    init(meterbook: String, database: String, upstream: String, cpus: [Int]?) throws {
        logPath = database + ".log"
        var arguments = ["proxy", "--db", database, "--listen", "127.0.0.1:0", "--upstream", upstream, "--no-auto-rotate"]
        var executable = meterbook
        if let cpus {
            // taskset pins the process before it starts any thread; every thread it starts inherits the mask.
            arguments = ["-c", cpus.map(String.init).joined(separator: ","), meterbook] + arguments
            executable = "/usr/bin/taskset"
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard code == 0 else { throw BenchmarkError("could not start \(executable): \(String(cString: strerror(code)))") }
        self.pid = pid

        // "Recording proxy listening at http://127.0.0.1:PORT, recording into ..."
        let deadline = Date().addingTimeInterval(30)
        while true {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let range = log.range(of: "listening at ") {
                let rest = log[range.upperBound...]
                baseURL = String(rest.prefix { $0 != "," && $0 != " " && $0 != "\n" })
                return
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid || Date() > deadline {
                kill(pid, SIGKILL)
                throw BenchmarkError("meterbook proxy did not start: \(log)")
            }
            usleep(20_000)
        }
    }

    /// CPU time the proxy process has used so far: the sum of its threads' run time in nanoseconds from
    /// /proc/PID/task/*/schedstat (a paced cell uses only tens of milliseconds, less than a few clock ticks of
    /// /proc/PID/stat); stat's user + system when schedstat is missing.
    func cpuSeconds() -> Double? {
        if let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task"), !tasks.isEmpty {
            let nanoseconds = tasks.compactMap { task -> Double? in
                guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/schedstat", encoding: .utf8) else { return nil }
                return text.split(separator: " ").first.flatMap { Double($0) }
            }
            if nanoseconds.count == tasks.count { return nanoseconds.reduce(0, +) / 1e9 }
        }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state is field 3, utime 14 and stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Stops the proxy as a user would (SIGTERM: in-flight calls finish, the recorder flushes) and returns its
    /// last line ("Stopped; N attempts recorded.").
    func stop() -> String {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").last.map(String.init) ?? ""
    }
}

/// Holds the threads of this process to some CPUs.
enum CPUAffinity {
    /// Pins every thread this process has now (taskset -a); threads started later inherit the mask of the thread
    /// starting them.
    static func pinThisProcess(to cpus: [Int]) throws {
        let list = cpus.map(String.init).joined(separator: ",")
        let result = try ChildProcess.run("/usr/bin/taskset", ["-a", "-p", "-c", list, "\(getpid())"])
        guard result.status == 0 else { throw BenchmarkError("taskset could not pin this process to CPUs \(list)") }
    }
}
