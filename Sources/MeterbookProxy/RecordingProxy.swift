import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import Meterbook
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import MeterbookServerSupport

/// A recording reverse proxy: an OpenAI, Azure OpenAI or Anthropic SDK in any language points its base URL
/// here; every request is forwarded through Meterbook's transport (streams relayed as they arrive) and
/// every attempt is recorded.
///
/// ```swift
/// let proxy = try RecordingProxy(
///     configuration: ProxyConfiguration(port: 0, upstreams: [ProxyUpstream(baseURL: "https://RES.openai.azure.com")]),
///     recorder: recorder)
/// try await proxy.start()
/// // ... point an SDK at proxy.baseURL ...
/// await proxy.stop()   // lets in-flight calls finish, then flushes the recorder
/// ```
public final class RecordingProxy: Sendable {
    private struct Lifecycle {
        var group: ServiceGroup?
        var task: Task<Void, any Error>?
        var port: Int?
        var metricsPort: Int?
    }

    public let configuration: ProxyConfiguration
    public let recorder: Recorder
    private let handler: ProxyHandler
    private let metrics: ProxyMetrics
    private let logger: Logger
    private let draining = NIOLockedValueBox(false)
    private let lifecycle = NIOLockedValueBox(Lifecycle())

    /// Checks the configuration; throws `ProxyConfigurationError` saying what to change. Without a `transport`,
    /// the proxy gets its own, allowing `maxUpstreamConnections` per upstream host.
    public init(configuration: ProxyConfiguration, recorder: Recorder, transport: CurlTransport? = nil,
                logger: Logger = Logger(label: "meterbook.proxy")) throws(ProxyConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        self.recorder = recorder
        self.logger = logger
        metrics = ProxyMetrics()
        handler = ProxyHandler(
            configuration: configuration, router: try UpstreamRouter(upstreams: configuration.upstreams), recorder: recorder,
            tracker: CallTracker(window: configuration.retryWindow), metrics: metrics,
            transport: transport ?? CurlTransport(maxConnectionsPerHost: configuration.maxUpstreamConnections), logger: logger)
    }

    /// Starts listening (and serving `/metrics` when configured) and returns once bound. With
    /// `stopOnSignals`, SIGTERM and SIGINT start the graceful shutdown that `stop()` also starts.
    public func start(stopOnSignals: Bool = false) async throws {
        guard lifecycle.withLockedValue({ $0.task == nil }) else {
            throw ProxyConfigurationError("The proxy is already running: stop it before starting it again.")
        }
        draining.withLockedValue { $0 = false }
        let proxySignal = ListeningSignal()
        let metricsSignal = ListeningSignal()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let metricsHost = configuration.metricsHost {
            services.append(.init(service: makeMetricsApplication(host: metricsHost, signal: metricsSignal)))
        } else {
            metricsSignal.succeed(port: 0)
        }
        // ServiceGroup stops services in reverse order: the health check turns to "stopping" first, then the
        // proxy drains while /metrics stays up.
        services.append(.init(service: makeProxyApplication(signal: proxySignal)))
        services.append(.init(service: DrainWatcher(draining: draining), successTerminationBehavior: .ignore))

        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: stopOnSignals ? [.sigterm, .sigint] : [], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(Int64(configuration.gracePeriod * 1000))
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        let task = Task {
            do {
                try await group.run()
            } catch {
                proxySignal.fail(error)
                metricsSignal.fail(error)
                throw error
            }
            proxySignal.fail(ProxyConfigurationError("The proxy stopped before it was listening."))
            metricsSignal.fail(ProxyConfigurationError("The proxy stopped before it was listening."))
        }
        lifecycle.withLockedValue { $0 = Lifecycle(group: group, task: task) }
        do {
            let port = try await proxySignal.wait()
            let metricsPort = try await metricsSignal.wait()
            lifecycle.withLockedValue {
                $0.port = port
                $0.metricsPort = configuration.metricsHost == nil ? nil : metricsPort
            }
        } catch {
            await group.triggerGracefulShutdown()
            _ = await task.result
            lifecycle.withLockedValue { $0 = Lifecycle() }
            throw ProxyConfigurationError(
                "The proxy could not listen on \(configuration.host):\(configuration.port)"
                    + (configuration.metricsHost.map { " and \($0):\(configuration.metricsPort)" } ?? "")
                    + " (\(error)). Pick a free address, or stop whatever holds it.")
        }
    }

    /// Serves until a shutdown signal or `stop()`, then lets in-flight calls finish (within the grace period)
    /// and flushes the recorder.
    public func waitUntilStopped() async throws {
        guard let task = lifecycle.withLockedValue({ $0.task }) else { return }
        try await task.value
        lifecycle.withLockedValue { $0 = Lifecycle() }
        await recorder.flush()
    }

    /// Stops accepting, lets in-flight calls finish within the grace period, cuts the rest (recorded as
    /// cancelled), and flushes the recorder.
    public func stop() async {
        let (group, task) = lifecycle.withLockedValue { ($0.group, $0.task) }
        guard let group, let task else { return }
        draining.withLockedValue { $0 = true }
        await group.triggerGracefulShutdown()
        _ = await task.result
        lifecycle.withLockedValue { $0 = Lifecycle() }
        await recorder.flush()
    }

    /// The bound port; 0 before `start()`.
    public var port: Int { lifecycle.withLockedValue { $0.port ?? 0 } }

    /// The bound `/metrics` port, when serving metrics.
    public var metricsPort: Int? { lifecycle.withLockedValue { $0.metricsPort } }

    /// `http://HOST:PORT`, the base URL clients use.
    public var baseURL: String {
        var host = configuration.host
        if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        if host.contains(":") { host = "[" + host + "]" }
        return "http://\(host):\(port)"
    }

    /// The Prometheus exposition text, as `/metrics` serves it.
    public func metricsText() -> String {
        String(decoding: metrics.render(recorder: recorder.statistics), as: UTF8.self)
    }

    // MARK: Applications

    private func makeProxyApplication(signal: ListeningSignal) -> some Service {
        let router = Router(context: ProxyRequestContext.self)
        let draining = self.draining
        router.get("/healthz") { _, _ -> Response in
            let stopping = draining.withLockedValue { $0 }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: stopping ? .serviceUnavailable : .ok, headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(string: stopping ? #"{"status":"stopping"}"# : #"{"status":"ok"}"#)))
        }
        let handler = self.handler
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .head, .options] {
            router.on("**", method: method) { request, context in await handler.handle(request, context: context) }
        }
        let decoder = HTTP1Channel.Configuration.DecoderConfiguration(
            maxHeaderFieldSize: configuration.maxHeaderBytes, maxHeaderListSize: configuration.maxHeaderBytes)
        return Application(
            router: router,
            server: HTTPServerBuilder { responder in
                EventLoopBoundChannel(base: HTTP1Channel(responder: responder, configuration: HTTP1Channel.Configuration(
                    additionalChannelHandlers: [ClientHangUpWatcher()], idleTimeout: .seconds(120), httpDecoderConfiguration: decoder)))
            },
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in signal.succeed(port: channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    private func makeMetricsApplication(host: String, signal: ListeningSignal) -> some Service {
        let router = Router(context: BasicRequestContext.self)
        let metrics = self.metrics
        let recorder = self.recorder
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render(recorder: recorder.statistics))))
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: configuration.metricsPort), serverName: nil),
            onServerRunning: { channel in signal.succeed(port: channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }
}

