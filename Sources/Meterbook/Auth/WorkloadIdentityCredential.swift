import Foundation

/// AKS workload identity: the Kubernetes service-account token in `AZURE_FEDERATED_TOKEN_FILE` exchanged as a
/// client assertion for `AZURE_CLIENT_ID` in `AZURE_TENANT_ID`. The file is read again for every request,
/// because Kubernetes rotates it.
public struct WorkloadIdentityCredential: TokenCredential {
    public let name = "workload identity"
    let tenantID: String?
    let clientID: String?
    let tokenFilePath: String?
    let environment: [String: String]
    let transport: CurlTransport

    /// Explicit values win over `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_FEDERATED_TOKEN_FILE`.
    public init(tenantID: String? = nil, clientID: String? = nil, tokenFilePath: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment, transport: CurlTransport = .shared) {
        self.tenantID = tenantID
        self.clientID = clientID
        self.tokenFilePath = tokenFilePath
        self.environment = environment
        self.transport = transport
    }

    public func getToken(scope: String) async throws -> AccessToken {
        let tenant = tenantID ?? environment.nonEmpty("AZURE_TENANT_ID")
        let client = clientID ?? environment.nonEmpty("AZURE_CLIENT_ID")
        let path = tokenFilePath ?? environment.nonEmpty("AZURE_FEDERATED_TOKEN_FILE")
        let missing = [("AZURE_FEDERATED_TOKEN_FILE", path), ("AZURE_CLIENT_ID", client), ("AZURE_TENANT_ID", tenant)]
            .filter { $0.1 == nil }.map(\.0)
        guard missing.isEmpty, let tenant, let client, let path else {
            throw CredentialError.unavailable(name, "\(missing.joined(separator: ", ")) not set")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CredentialError.failed(name, "cannot read the federated token file \(path): check that it exists and is readable")
        }
        let assertion = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !assertion.isEmpty else {
            throw CredentialError.failed(name, "the federated token file \(path) is empty")
        }
        let endpoint = EntraTokenEndpoint(credential: name, environment: environment, http: IdentityHTTP(transport: transport))
        return try await endpoint.requestToken(tenant: tenant, clientID: client, scope: scope, proof: [
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", assertion),
        ])
    }
}
