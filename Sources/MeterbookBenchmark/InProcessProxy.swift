import Foundation
import Logging
import Meterbook
import MeterbookProxy

/// A proxy the benchmark measures: the `meterbook proxy` process or a `RecordingProxy` in this process.
protocol BenchmarkProxy: Sendable {
    var baseURL: String { get }
    /// CPU time the proxy alone has used, when it can be told apart from the benchmark's own.
    func cpuSeconds() -> Double?
    /// Stops it (in-flight calls finish, the recorder flushes) and says what was recorded.
    func stop() async -> String
}

/// A `RecordingProxy` in the benchmark's own process, recording into a SQLite file.
struct InProcessProxy: BenchmarkProxy {
    let proxy: RecordingProxy
    let recorder: Recorder

    var baseURL: String { proxy.baseURL }

    func cpuSeconds() -> Double? { nil }

    static func start(database: String, upstream: String) async throws -> InProcessProxy {
        var quiet = Logger(label: "bench")
        quiet.logLevel = .error
        let recorder = Recorder(store: try MeterbookStore(path: database), logger: quiet)
        let proxy = try RecordingProxy(
            configuration: ProxyConfiguration(port: 0, upstreams: [ProxyUpstream(baseURL: upstream)]),
            recorder: recorder, logger: quiet)
        try await proxy.start()
        return InProcessProxy(proxy: proxy, recorder: recorder)
    }

    func stop() async -> String {
        await proxy.stop()
        let statistics = recorder.statistics
        recorder.close()
        return "\(statistics.written) attempts written, \(statistics.dropped) dropped, \(statistics.writeFailures) write failures."
    }
}
