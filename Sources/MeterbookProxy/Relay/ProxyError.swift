import Foundation
import HTTPTypes
import Hummingbird

/// An answer the proxy gives itself (no upstream answer to relay), as JSON both SDK families read:
/// OpenAI's `error.message`/`error.code`/`error.type` and Anthropic's `type: "error"` with `error.type`.
struct ProxyError: Sendable {
    var status: Int
    /// `upstream_unreachable`, `upstream_timeout`, `proxy_unauthorized`, ...
    var code: String
    var type: String
    var message: String

    static func unreachable(_ message: String) -> ProxyError {
        ProxyError(status: 502, code: "upstream_unreachable", type: "proxy_error", message: "The proxy could not reach the upstream: \(message)")
    }

    static func timeout(_ message: String) -> ProxyError {
        ProxyError(status: 504, code: "upstream_timeout", type: "proxy_error", message: "The upstream did not answer in time: \(message)")
    }

    var response: Response {
        let object: [String: Any] = ["type": "error", "error": ["type": type, "code": code, "message": message]]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        // The SDKs retry 502/504 by status; a refusal by the proxy itself must not be retried.
        headers[HTTPField.Name("x-should-retry")!] = status >= 500 ? "true" : "false"
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
