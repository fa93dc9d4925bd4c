import Foundation
import MeterbookSimulator
import MeterbookTransport
import Testing

/// Runs `body` against a fresh simulator on a free loopback port, passing its base URL,
/// and stops the simulator afterwards (also when `body` throws).
func withTestServer<T>(_ body: (String) async throws -> T) async throws -> T {
    let simulator = AzureSimulator()
    try await simulator.start()
    do {
        let result = try await body(simulator.baseURL)
        await simulator.stop()
        return result
    } catch {
        await simulator.stop()
        throw error
    }
}

/// Everything a transfer produced, in the order it arrived.
struct CollectedResponse {
    var head: TransportHead?
    var chunks: [Data] = []
    /// When each body chunk was received.
    var chunkTimes: [ContinuousClock.Instant] = []
    var metrics: TransportMetrics?
    var error: TransportError?
    /// Events seen, in order: "head", "body", "end".
    var order: [String] = []

    var body: Data { chunks.reduce(into: Data()) { $0.append($1) } }
    var bodyText: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: body) as? [String: Any])
    }
}

/// Drains a transfer's stream, recording events; a thrown error is kept, not rethrown.
func collect(_ stream: AsyncThrowingStream<TransportEvent, Error>) async -> CollectedResponse {
    var result = CollectedResponse()
    do {
        for try await event in stream {
            switch event {
            case .head(let head):
                result.head = head
                result.order.append("head")
            case .body(let data):
                result.chunks.append(data)
                result.chunkTimes.append(.now)
                result.order.append("body")
            case .end(let metrics):
                result.metrics = metrics
                result.order.append("end")
            }
        }
    } catch let error as TransportError {
        result.error = error
    } catch {
        Issue.record("unexpected error type: \(error)")
    }
    return result
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
