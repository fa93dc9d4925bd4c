import Foundation
import HTTPTypes
import Meterbook

/// Which header fields cross the proxy, in each direction.
enum ForwardedHeaders {
    /// The header clients put their proxy access key in.
    static let accessKeyHeader = "x-meterbook-key"
    /// `x-meterbook-tag-KEY: VALUE` becomes the tag KEY (lowercased, as HTTP/2 sends names).
    static let tagPrefix = "x-meterbook-tag-"

    /// Hop-by-hop fields (RFC 9110 7.6.1) and the ones libcurl derives itself; never forwarded either way.
    private static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization", "host", "content-length", "expect",
    ]

    /// The client's auth fields: forwarded, or replaced by the injected credential.
    static let clientAuth: Set<String> = ["authorization", "api-key", "x-api-key"]

    /// What the client sent that must reach upstream, and the tags it carried.
    struct Request {
        var headers: HTTPHeaders
        var tags: [String: String]
        var clientCallID: String?
        var retryCount: Int?
    }

    /// Splits the client's fields into those to forward and the proxy's own.
    ///
    /// `Accept-Encoding` is dropped so upstream answers uncompressed: the proxy must read usage from the
    /// body, and the client still gets exactly the bytes upstream sent.
    static func request(_ fields: HTTPFields, injectingCredential: Bool) -> Request {
        var forwarded = HTTPHeaders()
        var tags: [String: String] = [:]
        var clientCallID: String?
        var retryCount: Int?
        for field in fields {
            let name = field.name.canonicalName
            if name.hasPrefix(tagPrefix) {
                let key = String(name.dropFirst(tagPrefix.count))
                if !key.isEmpty { tags[key] = field.value }
                continue
            }
            if hopByHop.contains(name) || name == accessKeyHeader || name == "accept-encoding" { continue }
            if injectingCredential, clientAuth.contains(name) { continue }
            switch name {
            case "x-ms-client-request-id":
                let value = field.value.trimmingWhitespace()
                if !value.isEmpty, value.lowercased() != "not-set" { clientCallID = value }
                // The call id is set again below, once for every attempt.
                continue
            case "x-stainless-retry-count":
                retryCount = Int(field.value.trimmingWhitespace())
            default:
                break
            }
            forwarded.add(name: field.name.rawName, value: field.value)
        }
        return Request(headers: forwarded, tags: tags, clientCallID: clientCallID, retryCount: retryCount)
    }

    /// Upstream's response fields as the client gets them.
    static func response(_ headers: HTTPHeaders, keepContentLength: Bool) -> HTTPFields {
        var fields = HTTPFields()
        fields.reserveCapacity(headers.fields.count)
        for field in headers {
            // Only a name as long as one of those dropped is lowercased and looked up: this runs for every header of
            // every call, and most names (ids, rate limits, content type) have other lengths.
            if droppedNameLengths.contains(field.name.utf8.count) {
                let name = field.name.lowercased()
                if hopByHop.contains(name), !(keepContentLength && name == "content-length") { continue }
                // Hummingbird sets its own Date.
                if name == "date" { continue }
            }
            guard let fieldName = HTTPField.Name(field.name) else { continue }
            fields.append(HTTPField(name: fieldName, value: field.value))
        }
        return fields
    }

    private static let droppedNameLengths = Set((hopByHop.map(\.utf8.count)) + ["date".utf8.count])
}
