import Foundation

/// The HTTP exchanges credentials make (token endpoint, IMDS, App Service), over Meterbook's own transport,
/// so there is one HTTP stack. Nothing here logs: requests carry secrets and responses carry tokens.
struct IdentityHTTP: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
    }

    /// Token answers are a few kilobytes; more is not an identity endpoint.
    static let maxBodyBytes = 1 << 20

    let transport: CurlTransport

    /// Sends `request` and reads the whole answer. Throws `TransportError` when no complete answer arrived.
    func send(_ request: TransportRequest) async throws -> Response {
        var head: TransportHead?
        var body = Data()
        for try await event in transport.execute(request) {
            switch event {
            case .head(let received):
                head = received
            case .body(let chunk):
                guard body.count + chunk.count <= Self.maxBodyBytes else {
                    throw TransportError(code: .other, message: "The answer is larger than \(Self.maxBodyBytes) bytes.")
                }
                body.append(chunk)
            case .end:
                guard let head else { throw TransportError(code: .connectionLost, message: "No response arrived.") }
                return Response(status: head.status, headers: head.headers, body: body)
            }
        }
        throw TransportError(code: .cancelled, message: "The request was cancelled.")
    }

    /// `application/x-www-form-urlencoded` (also used for query strings): everything but unreserved characters escaped.
    static func formEncode(_ fields: [(String, String)]) -> String {
        fields.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// The host (and port) of `url`, for messages: never the path or query.
    static func hostForMessages(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return "the endpoint" }
        return components.port.map { "\(host):\($0)" } ?? host
    }

    /// `seconds` as messages show it: "1 s", "0.5 s".
    static func seconds(_ value: Double) -> String {
        String(format: "%g s", value)
    }
}
