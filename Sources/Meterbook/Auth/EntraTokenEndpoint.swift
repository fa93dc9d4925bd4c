import Foundation

/// `POST {authority}/{tenant}/oauth2/v2.0/token` with the client-credentials grant, shared by the client-secret
/// (environment) and federated-assertion (workload identity) credentials (WIRE.md E).
struct EntraTokenEndpoint: Sendable {
    /// The credential asking, for messages.
    let credential: String
    let environment: [String: String]
    let http: IdentityHTTP
    /// Seconds to connect, and for the whole request.
    var connectTimeout = 5.0
    var timeout = 30.0

    /// Requests a token for `scope`. `proof` is the secret part of the form (client_secret, or the assertion
    /// pair); its values never appear in errors.
    func requestToken(tenant: String, clientID: String, scope: String, proof: [(String, String)]) async throws -> AccessToken {
        let authority: String
        do {
            authority = try AuthorityHost.resolve(environment)
        } catch {
            throw CredentialError.failed(credential, error.reason)
        }
        guard !tenant.isEmpty, tenant.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
            throw CredentialError.failed(credential, "AZURE_TENANT_ID \"\(tenant)\" is not a tenant id or domain")
        }
        let url = "\(authority)/\(tenant)/oauth2/v2.0/token"
        let host = IdentityHTTP.hostForMessages(url)
        let form = [("grant_type", "client_credentials"), ("client_id", clientID)] + proof + [("scope", scope)]
        let request = TransportRequest(
            method: "POST", url: url,
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"],
            body: Data(IdentityHTTP.formEncode(form).utf8), connectTimeout: connectTimeout, timeout: timeout)
        let secrets = proof.map(\.1)
        let response: IdentityHTTP.Response
        do {
            response = try await http.send(request)
        } catch let error as TransportError {
            if error.code == .cancelled { throw CancellationError() }
            throw CredentialError.failed(credential, "could not reach the token endpoint at \(host) (\(error.code.rawValue): \(TokenResponse.redact(error.message, secrets: secrets)))")
        }
        guard response.status == 200 else {
            let detail = TokenResponse.errorSummary(response.body, secrets: secrets).map { ": \($0)" } ?? ""
            throw CredentialError.failed(credential, "the token endpoint at \(host) answered HTTP \(response.status)\(detail)")
        }
        guard let token = TokenResponse.parse(response.body) else {
            throw CredentialError.failed(credential, "the token endpoint at \(host) answered without an access_token and expiry")
        }
        return token
    }
}
