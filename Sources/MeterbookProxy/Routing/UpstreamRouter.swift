import Foundation

/// Picks the upstream for a request path and builds the URL to forward to.
///
/// With named upstreams the first path segment picks one by name and is removed
/// (`/claude/anthropic/v1/messages` → `claude`'s base + `/anthropic/v1/messages`); a path whose first segment
/// names no upstream goes, unchanged, to the default (unnamed) upstream. Path and query pass through as
/// received, percent-encoding included.
struct UpstreamRouter: Sendable {
    struct Target: Sendable {
        var upstream: ProxyUpstream
        /// The absolute URL to send to.
        var url: String
    }

    private let named: [String: (ProxyUpstream, String)]
    private let fallback: (ProxyUpstream, String)?

    init(upstreams: [ProxyUpstream]) throws(ProxyConfigurationError) {
        var named: [String: (ProxyUpstream, String)] = [:]
        var fallback: (ProxyUpstream, String)?
        for upstream in upstreams {
            let base = try Self.parseBase(upstream.baseURL)
            if let name = upstream.name { named[name] = (upstream, base) } else { fallback = (upstream, base) }
        }
        self.named = named
        self.fallback = fallback
    }

    /// nil when no upstream takes `path`.
    func route(path: String, query: String?) -> Target? {
        let suffix = query.map { "?" + $0 } ?? ""
        let afterSlash = path.utf8.first == UInt8(ascii: "/") ? path.dropFirst() : Substring(path)
        let segment = afterSlash.prefix { $0 != "/" }
        if !named.isEmpty, let (upstream, base) = named[String(segment)] {
            let rest = afterSlash.dropFirst(segment.count)
            return Target(upstream: upstream, url: base + (rest.isEmpty ? "/" : String(rest)) + suffix)
        }
        guard let (upstream, base) = fallback else { return nil }
        return Target(upstream: upstream, url: base + (path.isEmpty ? "/" : path) + suffix)
    }

    /// The names requests can select, for error messages.
    var names: [String] { named.keys.sorted() }

    /// A base URL without its trailing slash; rejects what cannot be an upstream.
    static func parseBase(_ text: String) throws(ProxyConfigurationError) -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else {
            throw ProxyConfigurationError("The upstream \"\(text)\" is not an http(s) URL: write it as https://RES.openai.azure.com.")
        }
        guard components.query == nil, components.fragment == nil, components.user == nil, components.password == nil else {
            throw ProxyConfigurationError("The upstream \"\(text)\" has a query, fragment or user name: give only scheme, host, port and path.")
        }
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }
}
