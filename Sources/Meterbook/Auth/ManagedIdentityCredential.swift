import Foundation

/// The managed identity of the Azure host: App Service / Functions when `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`
/// are set (or the legacy `MSI_ENDPOINT` / `MSI_SECRET`), else the VM / VMSS / AKS node's IMDS endpoint.
///
/// The first IMDS request is a probe with a short timeout, so a machine without IMDS fails fast and a chain moves
/// on; once IMDS has answered, requests get the normal timeout and 404, 410, 429 and 5xx are retried (WIRE.md E).
public final class ManagedIdentityCredential: TokenCredential {
    public let name = "managed identity"
    /// Where IMDS answers on Azure.
    public static let defaultIMDSEndpoint = "http://169.254.169.254/metadata/identity/oauth2/token"

    let clientID: String?
    let imdsEndpoint: String?
    let probeTimeout: Double
    let timeout: Double
    let retryDelays: [Double]
    let environment: [String: String]
    let http: IdentityHTTP
    /// Whether IMDS answered once: from then on it is known to exist and gets the normal timeout.
    private let imdsAnswered = Locked(false)

    /// - Parameters:
    ///   - clientID: a user-assigned identity's client id; nil for the system-assigned one.
    ///   - imdsEndpoint: the IMDS token URL; nil reads `METERBOOK_IMDS_ENDPOINT`, then `AZURE_POD_IDENTITY_AUTHORITY_HOST`
    ///     (as azure-identity does), else `defaultIMDSEndpoint`.
    ///   - probeTimeout: seconds the first IMDS request may take before the credential counts as unavailable.
    ///   - retryDelays: seconds to wait before each retry of a retryable answer; its count is the retry limit.
    public init(clientID: String? = nil, imdsEndpoint: String? = nil, probeTimeout: Double = 1, timeout: Double = 10,
                retryDelays: [Double] = [0.5, 1, 2], environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: CurlTransport = .shared) {
        self.clientID = clientID
        self.imdsEndpoint = imdsEndpoint
        self.probeTimeout = probeTimeout
        self.timeout = timeout
        self.retryDelays = retryDelays
        self.environment = environment
        self.http = IdentityHTTP(transport: transport)
    }

    /// The IMDS token URL in force (see `init`).
    public var resolvedIMDSEndpoint: String {
        if let imdsEndpoint { return imdsEndpoint }
        if let explicit = environment.nonEmpty("METERBOOK_IMDS_ENDPOINT") { return explicit }
        if var authority = environment.nonEmpty("AZURE_POD_IDENTITY_AUTHORITY_HOST") {
            while authority.hasSuffix("/") { authority.removeLast() }
            return authority + "/metadata/identity/oauth2/token"
        }
        return Self.defaultIMDSEndpoint
    }

    public func getToken(scope: String) async throws -> AccessToken {
        let resource = EntraScope.resource(for: scope)
        if let endpoint = environment.nonEmpty("IDENTITY_ENDPOINT"), let secret = environment.nonEmpty("IDENTITY_HEADER") {
            var query = [("api-version", "2019-08-01"), ("resource", resource)]
            if let clientID { query.append(("client_id", clientID)) }
            return try await fetch(Target(kind: "App Service identity endpoint", url: endpoint, isIMDS: false),
                                   query: query, headers: ["X-IDENTITY-HEADER": secret], secrets: [secret])
        }
        if let endpoint = environment.nonEmpty("MSI_ENDPOINT"), let secret = environment.nonEmpty("MSI_SECRET") {
            var query = [("api-version", "2017-09-01"), ("resource", resource)]
            if let clientID { query.append(("clientid", clientID)) }
            return try await fetch(Target(kind: "App Service identity endpoint (MSI_ENDPOINT)", url: endpoint, isIMDS: false),
                                   query: query, headers: ["secret": secret], secrets: [secret])
        }
        var query = [("api-version", "2018-02-01"), ("resource", resource)]
        if let clientID { query.append(("client_id", clientID)) }
        return try await fetch(Target(kind: "IMDS endpoint", url: resolvedIMDSEndpoint, isIMDS: true),
                               query: query, headers: ["Metadata": "true"], secrets: [])
    }

    private struct Target {
        var kind: String
        var url: String
        var isIMDS: Bool
    }

    private func fetch(_ target: Target, query: [(String, String)], headers: HTTPHeaders, secrets: [String]) async throws -> AccessToken {
        let url = target.url + (target.url.contains("?") ? "&" : "?") + IdentityHTTP.formEncode(query)
        let host = IdentityHTTP.hostForMessages(target.url)
        var retries = 0
        while true {
            let probing = target.isIMDS && !imdsAnswered.current
            var request = TransportRequest(method: "GET", url: url, headers: headers)
            request.headers.add(name: "Accept", value: "application/json")
            request.connectTimeout = probing ? probeTimeout : min(5, timeout)
            request.timeout = probing ? probeTimeout : timeout
            let response: IdentityHTTP.Response
            do {
                response = try await http.send(request)
            } catch let error as TransportError {
                if error.code == .cancelled { throw CancellationError() }
                if probing {
                    // No IMDS here (not an Azure VM, or a network without the link-local route): not set up, move on.
                    if error.code == .timeout {
                        throw CredentialError.unavailable(name, "no answer from the IMDS endpoint in \(IdentityHTTP.seconds(probeTimeout))")
                    }
                    throw CredentialError.unavailable(name, "no answer from the IMDS endpoint at \(host) (\(error.code.rawValue))")
                }
                if retries < retryDelays.count {
                    try await Task.sleep(nanoseconds: UInt64(retryDelays[retries] * 1_000_000_000))
                    retries += 1
                    continue
                }
                throw CredentialError.failed(name, "could not reach the \(target.kind) at \(host) (\(error.code.rawValue): \(TokenResponse.redact(error.message, secrets: secrets)))")
            }
            if target.isIMDS { imdsAnswered.withLock { $0 = true } }
            let detail = TokenResponse.errorSummary(response.body, secrets: secrets).map { ": \($0)" } ?? ""
            switch response.status {
            case 200:
                guard let token = TokenResponse.parse(response.body) else {
                    throw CredentialError.failed(name, "the \(target.kind) answered without an access_token and expiry")
                }
                return token
            case 400 where target.isIMDS:
                let which = clientID.map { "the managed identity with client id \($0) is" } ?? "no managed identity is"
                throw CredentialError.unavailable(name, "\(which) assigned to this machine (IMDS answered HTTP 400\(detail))")
            case 403 where target.isIMDS && String(decoding: response.body, as: UTF8.self).contains("unreachable"):
                // Docker Desktop and some proxies answer for 169.254.169.254 without being IMDS.
                throw CredentialError.unavailable(name, "the IMDS address is unreachable from here (HTTP 403)")
            case let status where Self.isRetryable(status) && retries < retryDelays.count:
                try await Task.sleep(nanoseconds: UInt64(retryDelays[retries] * 1_000_000_000))
                retries += 1
                continue
            default:
                let tries = retries > 0 ? " after \(retries + 1) tries" : ""
                throw CredentialError.failed(name, "the \(target.kind) at \(host) answered HTTP \(response.status)\(tries)\(detail)")
            }
        }
    }

    /// IMDS answers these while it starts, upgrades or throttles (azure-identity retries the same).
    static func isRetryable(_ status: Int) -> Bool {
        status == 404 || status == 410 || status == 429 || (500...599).contains(status)
    }
}
