import HTTPTypes
import Hummingbird

/// Builders for the responses the simulator sends.
enum Reply {
    /// Thrown from a body writer to drop the connection without finishing the body,
    /// so the client sees a transfer cut short (no final chunk, no terminal event).
    struct ConnectionCut: Error {}

    /// A status with the reason phrase the real services use, including the non-standard 529.
    static func status(_ code: Int) -> HTTPResponse.Status {
        let phrases = [
            200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict", 413: "Payload Too Large",
            422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout", 529: "Overloaded",
        ]
        return HTTPResponse.Status(code: code, reasonPhrase: phrases[code] ?? "")
    }

    /// A complete body with Content-Length.
    static func text(_ code: Int, _ body: String, contentType: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status(code), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func json(_ code: Int, _ body: JSON, headers: HTTPFields = [:]) -> Response {
        text(code, body.text, contentType: "application/json", headers: headers)
    }

    /// A chunked body written piece by piece, each flushed as produced, `intervalMs` apart, but for the last
    /// `burst` pieces, which follow the one before them at once.
    /// With `cut`, the connection is dropped after the last piece instead of ending the body.
    static func chunked(
        _ code: Int, pieces: [String], intervalMs: Int, burst: Int = 0, cut: Bool, contentType: String, headers: HTTPFields = [:]
    ) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        let pacedCount = pieces.count - burst
        let body = ResponseBody { writer in
            for (index, piece) in pieces.enumerated() {
                if index > 0 && index < pacedCount && intervalMs > 0 { try await Task.sleep(for: .milliseconds(intervalMs)) }
                try await writer.write(ByteBuffer(string: piece))
            }
            if cut {
                // Let the last piece reach the socket before the channel closes.
                if intervalMs > 0 { try await Task.sleep(for: .milliseconds(intervalMs)) }
                throw ConnectionCut()
            }
            try await writer.finish(nil)
        }
        return Response(status: status(code), headers: fields, body: body)
    }

    /// An SSE stream: `events` are complete `event:`/`data:` blocks ending in a blank line; the last `burst`
    /// of them are sent without pacing.
    static func eventStream(_ events: [String], intervalMs: Int, burst: Int = 0, cut: Bool, headers: HTTPFields) -> Response {
        var fields = headers
        fields[.cacheControl] = "no-cache"
        return chunked(
            200, pieces: events, intervalMs: intervalMs, burst: burst, cut: cut, contentType: "text/event-stream", headers: fields)
    }
}

extension HTTPFields {
    /// Sets a header by its lowercase name.
    mutating func set(_ name: String, _ value: String) {
        if let field = HTTPField.Name(name) { self[field] = value }
    }

    /// The value of a header, nil when absent or empty.
    func value(_ name: String) -> String? {
        guard let field = HTTPField.Name(name), let value = self[field], !value.isEmpty else { return nil }
        return value
    }
}
