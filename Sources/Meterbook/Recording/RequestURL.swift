import Foundation

/// The parts of a request URL that classify it: host, port, path and `api-version`.
///
/// Every call is classified, and `URLComponents` (IDNA host encoding, percent decoding, query items) was a
/// visible part of a proxied call's CPU. URLs as Azure SDKs and the proxy build them, `scheme://host[:port]/path?query`
/// with a plain ASCII host and no percent escapes, are split by hand; any other URL goes through `URLComponents`,
/// and both give the same answer (tested).
struct RequestURL: Equatable {
    var scheme: String?
    var host: String?
    var port: Int?
    /// The path as written (percent escapes kept), empty when the URL has none.
    var path: String?
    var apiVersion: String?

    /// Through `URLComponents`: nil parts when it cannot parse the URL.
    static func components(_ url: String) -> RequestURL {
        let components = URLComponents(string: url)
        return RequestURL(
            scheme: components?.scheme, host: components?.host, port: components?.port, path: components?.percentEncodedPath,
            apiVersion: components?.queryItems?.first { $0.name == "api-version" }?.value)
    }

    /// The hand split, or nil when the URL is not of the plain kind it handles.
    static func plain(_ url: String) -> RequestURL? {
        let bytes = Array(url.utf8)
        // A scheme (RFC 3986: a letter, then letters, digits, "+", "-" or "."), then "://".
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, bytes[0].isASCIILetter,
              bytes[..<colon].allSatisfy(\.isSchemeByte),
              bytes.count > colon + 2, bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/")
        else { return nil }
        // No escapes, fragments, user info, IPv6 literals or characters URLComponents would reject.
        guard bytes.allSatisfy(\.isPlainURLByte) else { return nil }

        let authorityStart = colon + 3
        var authorityEnd = authorityStart
        while authorityEnd < bytes.count, bytes[authorityEnd] != UInt8(ascii: "/"), bytes[authorityEnd] != UInt8(ascii: "?") {
            authorityEnd += 1
        }
        var hostEnd = authorityEnd
        var port: Int?
        if let portColon = bytes[authorityStart..<authorityEnd].firstIndex(of: UInt8(ascii: ":")) {
            let digits = bytes[(portColon + 1)..<authorityEnd]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy(\.isASCIIDigit) else { return nil }
            port = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard port! <= 65_535 else { return nil }
            hostEnd = portColon
        }
        let host = bytes[authorityStart..<hostEnd]
        guard !host.isEmpty, host.allSatisfy(\.isHostNameByte) else { return nil }

        let queryMark = bytes[authorityEnd...].firstIndex(of: UInt8(ascii: "?"))
        let path = bytes[authorityEnd..<(queryMark ?? bytes.count)]
        var apiVersion: String?
        if let queryMark {
            for item in bytes[(queryMark + 1)...].split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false) {
                let equals = item.firstIndex(of: UInt8(ascii: "="))
                guard item[item.startIndex..<(equals ?? item.endIndex)].elementsEqual("api-version".utf8) else { continue }
                apiVersion = equals.map { String(decoding: item[($0 + 1)...], as: UTF8.self) }
                break
            }
        }
        return RequestURL(
            scheme: String(decoding: bytes[..<colon], as: UTF8.self), host: String(decoding: host, as: UTF8.self), port: port,
            path: String(decoding: path, as: UTF8.self), apiVersion: apiVersion)
    }
}

extension RequestURL {
    // In an extension, so the struct keeps its memberwise initializer.
    init(_ url: String) {
        self = Self.plain(url) ?? Self.components(url)
    }
}

private extension UInt8 {
    var isASCIILetter: Bool { (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) }
    var isASCIIDigit: Bool { self >= 0x30 && self <= 0x39 }
    var isSchemeByte: Bool { isASCIILetter || isASCIIDigit || self == UInt8(ascii: "+") || self == UInt8(ascii: "-") || self == UInt8(ascii: ".") }
    var isHostNameByte: Bool { isASCIILetter || isASCIIDigit || self == UInt8(ascii: ".") || self == UInt8(ascii: "-") }

    /// Unreserved and sub-delimiter characters, `/`, `:`, `?`, `=` and `&`: no `%`, `#`, `@`, brackets, spaces or controls.
    var isPlainURLByte: Bool {
        if isASCIILetter || isASCIIDigit { return true }
        switch self {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"), UInt8(ascii: ":"),
             UInt8(ascii: "?"), UInt8(ascii: "="), UInt8(ascii: "&"), UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "'"),
             UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"):
            return true
        default:
            return false
        }
    }
}
