import Foundation

/// A service principal's client secret from `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET`,
/// exchanged at `AZURE_AUTHORITY_HOST` (default `https://login.microsoftonline.com`). The first link of
/// DefaultAzureCredential's chain.
public struct EnvironmentCredential: TokenCredential {
    public let name = "environment"
    let environment: [String: String]
    let transport: CurlTransport

    /// - Parameter environment: where the variables are read; the process environment unless a test injects one.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, transport: CurlTransport = .shared) {
        self.environment = environment
        self.transport = transport
    }

    public func getToken(scope: String) async throws -> AccessToken {
        let names = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"]
        let missing = names.filter { environment.nonEmpty($0) == nil }
        if environment.nonEmpty("AZURE_CLIENT_SECRET") == nil {
            // azure-identity's other environment flavours: say plainly that they are not supported rather than "not set".
            if environment.nonEmpty("AZURE_CLIENT_CERTIFICATE_PATH") != nil {
                throw CredentialError.unavailable(name, "AZURE_CLIENT_CERTIFICATE_PATH is set, but only client secrets are supported: set AZURE_CLIENT_SECRET")
            }
            if environment.nonEmpty("AZURE_USERNAME") != nil {
                throw CredentialError.unavailable(name, "AZURE_USERNAME is set, but only client secrets are supported: set AZURE_CLIENT_SECRET")
            }
        }
        guard missing.isEmpty, let tenant = environment.nonEmpty("AZURE_TENANT_ID"), let clientID = environment.nonEmpty("AZURE_CLIENT_ID"),
              let secret = environment.nonEmpty("AZURE_CLIENT_SECRET") else {
            throw CredentialError.unavailable(name, "\(missing.joined(separator: ", ")) not set")
        }
        let endpoint = EntraTokenEndpoint(credential: name, environment: environment, http: IdentityHTTP(transport: transport))
        return try await endpoint.requestToken(tenant: tenant, clientID: clientID, scope: scope, proof: [("client_secret", secret)])
    }
}
