import Foundation

/// Where Entra ID token requests go: `AZURE_AUTHORITY_HOST`, else the public cloud.
enum AuthorityHost {
    static let publicCloud = "https://login.microsoftonline.com"

    /// The authority as `scheme://host[:port]` (no trailing slash). A bare host gets `https://`; plain `http` is
    /// allowed only to loopback (a test or local mock), since the request carries a secret or an assertion.
    static func resolve(_ environment: [String: String]) throws(ResolveError) -> String {
        guard let raw = environment.nonEmpty("AZURE_AUTHORITY_HOST") else { return publicCloud }
        let text = raw.contains("://") ? raw : "https://" + raw
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else {
            throw ResolveError(reason: "AZURE_AUTHORITY_HOST \"\(raw)\" is not a host or URL (e.g. login.microsoftonline.us)")
        }
        if scheme == "http", !isLoopback(host) {
            throw ResolveError(reason: "AZURE_AUTHORITY_HOST \"\(raw)\" uses plain http: use https (http is only for loopback mocks)")
        }
        guard scheme == "https" || scheme == "http" else {
            throw ResolveError(reason: "AZURE_AUTHORITY_HOST \"\(raw)\" must be an https URL")
        }
        var authority = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host)"
        if let port = components.port { authority += ":\(port)" }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        return authority + path
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    struct ResolveError: Error {
        var reason: String
    }
}

extension Dictionary where Key == String, Value == String {
    /// The variable's value, nil when unset or empty (an empty variable counts as unset, as in azure-identity).
    func nonEmpty(_ name: String) -> String? {
        guard let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
}
