import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// A tiny upstream on 127.0.0.1 that keeps every request it got (headers with their values) and answers
/// as the test scripts, for what the simulator does not show: header values, exact bytes, odd framings.
final class CapturingUpstream: Sendable {
    struct Captured: Sendable {
        var method: String
        var path: String
        var query: String?
        var headers: [(name: String, value: String)]
        var body: Data

        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name }?.value }
    }

    struct Answer: Sendable {
        var status: Int = 200
        var headers: [(String, String)] = [("content-type", "application/json")]
        var chunks: [Data] = [Data("{}".utf8)]
        var intervalMs = 0
    }

    private let requests = NIOLockedValueBox<[Captured]>([])
    private let state = NIOLockedValueBox<(group: ServiceGroup?, task: Task<Void, any Error>?, port: Int)>((nil, nil, 0))
    private let answer: @Sendable (Captured) -> Answer

    init(answer: @escaping @Sendable (Captured) -> Answer = { _ in Answer() }) {
        self.answer = answer
    }

    var baseURL: String { "http://127.0.0.1:\(state.withLockedValue { $0.port })" }
    var captured: [Captured] { requests.withLockedValue { $0 } }

    func start() async throws {
        let router = Router(context: BasicRequestContext.self)
        let requests = self.requests
        let answer = self.answer
        for method in [HTTPRequest.Method.get, .post, .put, .delete] {
            router.on("**", method: method) { request, _ -> Response in
                var request = request
                let body = Data(buffer: try await request.collectBody(upTo: 64 << 20))
                let captured = Captured(
                    method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                    headers: request.headers.map { ($0.name.rawName, $0.value) }, body: body)
                requests.withLockedValue { $0.append(captured) }
                let reply = answer(captured)
                var fields = HTTPFields()
                for (name, value) in reply.headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
                let chunks = reply.chunks
                let interval = reply.intervalMs
                return Response(status: HTTPResponse.Status(code: reply.status), headers: fields, body: ResponseBody { writer in
                    for (index, chunk) in chunks.enumerated() {
                        if index > 0, interval > 0 { try await Task.sleep(for: .milliseconds(interval)) }
                        try await writer.write(ByteBuffer(bytes: chunk))
                    }
                    try await writer.finish(nil)
                })
            }
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "capturing-upstream") { _ in SwiftLogNoOpLogHandler() }
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0); continuation.finish() }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        state.withLockedValue { $0 = (group, task, port) }
    }

    func stop() async {
        let (group, task, _) = state.withLockedValue { $0 }
        await group?.triggerGracefulShutdown()
        _ = await task?.result
    }
}
