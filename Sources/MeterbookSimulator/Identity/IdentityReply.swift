/// How the identity simulator answers one token request, when scripted with ``IdentitySimulator/enqueue(_:for:)``.
public enum IdentityReply: Sendable, Equatable {
    /// A token; `expiresIn` overrides the configured lifetime (seconds).
    case token(expiresIn: Int? = nil)
    /// An OAuth-style error body `{"error":..., "error_description":...}` with this status.
    case error(status: Int, error: String, description: String)
    /// IMDS's answer when the machine has no (such) managed identity: 400 `Identity not found`.
    case noIdentity
    /// Waits this long before answering with a token (a slow or absent endpoint, for timeout tests).
    case delay(ms: Int)
    /// 200 with a body that is not JSON.
    case garbage
}

/// The endpoints the identity simulator serves.
public enum IdentityRoute: String, Sendable, CaseIterable {
    /// `POST /{tenant}/oauth2/v2.0/token` (client secret or client assertion).
    case tokenEndpoint
    /// `GET /metadata/identity/oauth2/token` (IMDS).
    case imds
    /// `GET /msi/token` (App Service's `IDENTITY_ENDPOINT`).
    case appService
}

/// One token request the identity simulator received.
public struct IdentityRequest: Sendable, Equatable {
    public var route: IdentityRoute
    /// The tenant path segment (token endpoint only).
    public var tenant: String?
    /// Form fields (token endpoint) or query parameters (IMDS, App Service), percent-decoded.
    public var parameters: [String: String]
    /// Request headers, names lowercased.
    public var headers: [String: String]
    /// HTTP status answered.
    public var status: Int
    /// The token issued, when one was.
    public var issuedToken: String?
}
