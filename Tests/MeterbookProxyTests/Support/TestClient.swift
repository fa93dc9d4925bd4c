import Foundation
import Meterbook

/// The client side of the tests: Meterbook's own curl transport, which streams and can hang up mid-body.
enum TestClient {
    static let transport = CurlTransport(maxConnectionsPerHost: 16)

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        var metrics: TransportMetrics?
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    /// Sends a request and reads the whole answer.
    static func send(_ url: String, method: String = "POST", headers: HTTPHeaders = ["api-key": "test-key"], body: String? = nil,
                     timeout: Double = 30) async throws -> Reply {
        var head: TransportHead?
        var data = Data()
        var metrics: TransportMetrics?
        let request = TransportRequest(method: method, url: url, headers: headers, body: body.map { Data($0.utf8) }, timeout: timeout)
        for try await event in transport.execute(request) {
            switch event {
            case .head(let received): head = received
            case .body(let chunk): data.append(chunk)
            case .end(let end): metrics = end
            }
        }
        return Reply(status: head?.status ?? 0, headers: head?.headers ?? HTTPHeaders(), body: data, metrics: metrics)
    }

    /// Starts a request whose answer the test reads piece by piece (dropping it hangs up).
    static func open(_ url: String, headers: HTTPHeaders = ["api-key": "test-key"], body: String) -> AsyncThrowingStream<TransportEvent, Error> {
        transport.execute(TransportRequest(method: "POST", url: url, headers: headers, body: Data(body.utf8), timeout: 60))
    }
}

extension AsyncThrowingStream<TransportEvent, Error>.AsyncIterator {
    /// Reads until the collected body contains `marker`; returns the body so far.
    mutating func read(until marker: String) async throws -> Data {
        var data = Data()
        while let event = try await next() {
            if case .body(let chunk) = event {
                data.append(chunk)
                if String(decoding: data, as: UTF8.self).contains(marker) { return data }
            }
        }
        return data
    }
}
