import Foundation

/// Runs a program to completion with a deadline and captures its output, without blocking Swift's concurrency
/// threads (pipes are drained on their own threads).
enum ProcessRunner {
    struct Output: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: Data
    }

    enum Failure: Error {
        case couldNotStart(String)
        /// exec failed with ETXTBSY: the file is open for writing somewhere; retried.
        case textFileBusy
        case timedOut
    }

    /// The first executable named `name` in the `PATH` of `environment`, nil when there is none.
    static func find(_ name: String, environment: [String: String]) -> URL? {
        let path = environment["PATH"] ?? ""
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
        }
        return nil
    }

    /// Runs `executable` with `arguments` and `environment`; after `timeout` seconds it is terminated and
    /// `Failure.timedOut` thrown (without waiting for a child it may have left holding the pipes).
    static func run(_ executable: URL, arguments: [String], environment: [String: String], timeout: Double) async throws -> Output {
        var attempt = 1
        while true {
            do {
                let run = Run()
                return try await withCheckedThrowingContinuation { continuation in
                    run.start(executable, arguments: arguments, environment: environment, timeout: timeout, continuation: continuation)
                }
            } catch Failure.textFileBusy where attempt < 3 {
                // The program file is still open for writing somewhere (being installed, or inherited by a process
                // another thread just forked); that passes within moments.
                attempt += 1
                try await Task.sleep(nanoseconds: 50_000_000)
            } catch Failure.textFileBusy {
                throw Failure.couldNotStart("\(executable.path) is busy being written")
            }
        }
    }

    // @unchecked Sendable: `state` is only touched while `lock` is held; the Process is configured before
    // it starts and afterwards only asked to terminate.
    private final class Run: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Output, Error>?
        private var stdout: Data?
        private var stderr: Data?
        private var status: Int32?
        private let process = Process()

        func start(_ executable: URL, arguments: [String], environment: [String: String], timeout: Double,
                   continuation: CheckedContinuation<Output, Error>) {
            self.continuation = continuation
            let outPipe = Pipe()
            let errPipe = Pipe()
            process.executableURL = executable
            process.arguments = arguments
            process.environment = environment
            process.standardOutput = outPipe
            process.standardError = errPipe
            process.standardInput = FileHandle.nullDevice
            process.terminationHandler = { [self] finished in
                settle { $0.status = finished.terminationStatus }
            }
            do {
                try process.run()
            } catch {
                let busy = (error as NSError).code == Int(ETXTBSY) || "\(error)".contains("Text file busy")
                resume(.failure(busy ? Failure.textFileBusy : Failure.couldNotStart("\(error)")))
                return
            }
            // Blocking reads on their own threads: the pipes must be drained while the program runs.
            Thread.detachNewThread { [self] in
                let data = outPipe.fileHandleForReading.readDataToEndOfFile()
                settle { $0.stdout = data }
            }
            Thread.detachNewThread { [self] in
                let data = errPipe.fileHandleForReading.readDataToEndOfFile()
                settle { $0.stderr = data }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [self] in
                if process.isRunning { process.terminate() }
                resume(.failure(Failure.timedOut))
            }
        }

        private func settle(_ change: (Run) -> Void) {
            let output: Output? = lock.withLock {
                change(self)
                guard let status, let stdout, let stderr else { return nil }
                return Output(status: status, stdout: stdout, stderr: stderr)
            }
            if let output { resume(.success(output)) }
        }

        private func resume(_ result: Result<Output, Error>) {
            let continuation: CheckedContinuation<Output, Error>? = lock.withLock {
                defer { self.continuation = nil }
                return self.continuation
            }
            continuation?.resume(with: result)
        }
    }
}
