import HTTPTypes
import Hummingbird
import Meterbook

/// Generic HTTP routes for transport tests: echo, paced chunked bodies, delays, any status,
/// cut connections, and the peer address (to see whether a connection was reused).
struct TransportTestRoutes: Sendable {
    /// Header values never echoed back.
    static let secretHeaders: Set<String> = ["authorization", "api-key", "x-api-key"]

    /// nil when `request` is not a transport-test route.
    func respond(to request: Request, body: [UInt8], remoteAddress: String) async -> Response? {
        let path = request.uri.path
        let query = request.uri.queryParameters
        func int(_ name: Substring, default value: Int, in range: ClosedRange<Int>) -> Int {
            min(max(query[name].flatMap { Int($0) } ?? value, range.lowerBound), range.upperBound)
        }

        switch path {
        case "/_sim/echo":
            var headers: [(String, JSON)] = []
            var positions: [String: Int] = [:]
            // HTTP/1 `Host` arrives as the `:authority` pseudo-header; echo it under its wire name.
            if let authority = request.head.authority {
                positions["host"] = 0
                headers.append(("host", .string(authority)))
            }
            for field in request.headers {
                let name = field.name.canonicalName
                let value = Self.secretHeaders.contains(name) ? "<redacted>" : field.value
                if let position = positions[name], case .string(let previous) = headers[position].1 {
                    headers[position].1 = .string(previous + ", " + value)
                } else {
                    positions[name] = headers.count
                    headers.append((name, .string(value)))
                }
            }
            return Reply.json(
                200,
                [
                    "method": .string(request.method.rawValue),
                    "path": .string(path),
                    "query": .orNull(request.uri.query),
                    "headers": .object(headers),
                    "body_bytes": .int(body.count),
                    "body_sha256": .string(SHA256.hex(body)),
                ])

        case "/_sim/stream":
            let chunks = int("chunks", default: 5, in: 0...100_000)
            let size = int("size", default: 16, in: 1...(16 * 1024 * 1024))
            let interval = int("interval_ms", default: 0, in: 0...600_000)
            // Each chunk is recognisable: its index, then filler, exactly `size` bytes.
            let pieces = (0..<chunks).map { Self.filler(label: "chunk \($0) ", size: size) }
            return Reply.chunked(200, pieces: pieces, intervalMs: interval, cut: false, contentType: "application/octet-stream")

        case "/_sim/delay":
            let ms = int("ms", default: 0, in: 0...600_000)
            if ms > 0 { try? await Task.sleep(for: .milliseconds(ms)) }
            return Reply.text(200, "ok", contentType: "text/plain")

        case "/_sim/cut":
            let bytes = int("bytes", default: 100, in: 0...(64 * 1024 * 1024))
            let pieces = bytes > 0 ? [Self.filler(label: "", size: bytes)] : []
            return Reply.chunked(200, pieces: pieces, intervalMs: 0, cut: true, contentType: "application/octet-stream")

        case "/_sim/connection":
            return Reply.text(200, remoteAddress, contentType: "text/plain")

        default:
            let prefix = "/_sim/status/"
            guard path.hasPrefix(prefix), let code = Int(path.dropFirst(prefix.count)) else { return nil }
            guard (200...599).contains(code) else {
                return Reply.text(400, "status must be 200...599\n", contentType: "text/plain")
            }
            if code == 204 || code == 304 {
                return Response(status: Reply.status(code))
            }
            return Reply.text(code, "status \(code)\n", contentType: "text/plain")
        }
    }

    /// `size` bytes: the label, then a repeating alphabet.
    static func filler(label: String, size: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        var bytes = Array(label.utf8.prefix(size))
        bytes.reserveCapacity(size)
        while bytes.count < size { bytes.append(alphabet[bytes.count % alphabet.count]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
