import Foundation
import Logging
import Meterbook
import MeterbookProxy
import MeterbookSimulator

/// A simulator, a fresh database and a proxy in front of the simulator, all on 127.0.0.1 ephemeral ports.
final class ProxyHarness: Sendable {
    let simulator: AzureSimulator
    let folder: TemporaryFolder
    let store: MeterbookStore
    let recorder: Recorder
    let proxy: RecordingProxy
    let logs: LogCapture

    /// `configure` gets the configuration with the simulator as the default upstream.
    static func start(
        simulator simulatorConfiguration: SimulatorConfiguration = SimulatorConfiguration(),
        configure: (inout ProxyConfiguration, _ simulatorURL: String) -> Void = { _, _ in }
    ) async throws -> ProxyHarness {
        let simulator = AzureSimulator(configuration: simulatorConfiguration)
        try await simulator.start()
        var configuration = ProxyConfiguration(port: 0, upstreams: [ProxyUpstream(baseURL: simulator.baseURL)], gracePeriod: 5)
        configure(&configuration, simulator.baseURL)
        let folder = try TemporaryFolder()
        let store = try MeterbookStore(path: folder.path("meterbook.sqlite"))
        let logs = LogCapture()
        let recorder = Recorder(store: store, logger: logs.logger("recorder"))
        let proxy = try RecordingProxy(configuration: configuration, recorder: recorder, logger: logs.logger("proxy"))
        try await proxy.start()
        return ProxyHarness(simulator: simulator, folder: folder, store: store, recorder: recorder, proxy: proxy, logs: logs)
    }

    private init(simulator: AzureSimulator, folder: TemporaryFolder, store: MeterbookStore, recorder: Recorder, proxy: RecordingProxy, logs: LogCapture) {
        self.simulator = simulator
        self.folder = folder
        self.store = store
        self.recorder = recorder
        self.proxy = proxy
        self.logs = logs
    }

    var url: String { proxy.baseURL }

    /// Every recorded attempt, once all queued rows are written.
    ///
    /// A client can hold the whole answer a moment before the proxy records the attempt (a body with
    /// Content-Length is complete before upstream's transfer has ended), so this first waits (bounded) until no
    /// request is being forwarded.
    func rows() async throws -> [AttemptRecord] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(5))
        while !proxy.metricsText().contains("meterbook_proxy_in_flight 0.0"), clock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        await recorder.flush()
        return try store.allAttempts()
    }

    /// Waits (bounded) until `count` attempts are recorded; the proxy records when an attempt has ended.
    func waitForRows(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [AttemptRecord] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while recorder.statistics.recorded < count, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await rows()
    }

    func stop() async {
        await proxy.stop()
        await simulator.stop()
        recorder.close()
    }
}

/// A fresh temporary folder per test, removed when released.
final class TemporaryFolder: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-proxy-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
