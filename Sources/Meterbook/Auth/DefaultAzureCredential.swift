import Foundation

/// azure-identity's DefaultAzureCredential order, without an Azure SDK: environment (client secret) →
/// workload identity → managed identity (App Service, else IMDS) → Azure CLI (WIRE.md E). The Windows-only,
/// editor and interactive credentials are left out.
///
/// ```swift
/// let credential = DefaultAzureCredential()
/// let client = MeterbookClient(endpoint: endpoint, credential: .entra(for: endpoint, credential: credential), recorder: recorder)
/// ```
public final class DefaultAzureCredential: TokenCredential {
    public let name = "DefaultAzureCredential"
    public let chain: ChainedTokenCredential

    /// - Parameters:
    ///   - environment: where every credential reads its variables (and `az` its `PATH`); the process environment unless a test injects one.
    ///   - managedIdentityClientID: a user-assigned identity; nil reads `AZURE_CLIENT_ID`, as azure-identity does.
    ///   - imdsEndpoint: overrides the IMDS URL (else `METERBOOK_IMDS_ENDPOINT`, `AZURE_POD_IDENTITY_AUTHORITY_HOST`, the Azure default).
    ///   - imdsProbeTimeout: seconds the first IMDS request may take before managed identity counts as unavailable.
    ///   - cliTimeout: seconds `az` may take.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, managedIdentityClientID: String? = nil,
                imdsEndpoint: String? = nil, imdsProbeTimeout: Double = 1, cliTimeout: Double = 10,
                transport: CurlTransport = .shared) {
        chain = ChainedTokenCredential([
            EnvironmentCredential(environment: environment, transport: transport),
            WorkloadIdentityCredential(environment: environment, transport: transport),
            ManagedIdentityCredential(clientID: managedIdentityClientID ?? environment.nonEmpty("AZURE_CLIENT_ID"),
                                      imdsEndpoint: imdsEndpoint, probeTimeout: imdsProbeTimeout,
                                      environment: environment, transport: transport),
            // No --tenant from AZURE_TENANT_ID: azure-identity's chain uses the CLI's own tenant too.
            AzureCLICredential(timeout: cliTimeout, environment: environment),
        ])
    }

    /// The credential that gave the first token ("environment", "Azure CLI", ...), nil before one did.
    public var selectedCredential: String? { chain.selectedCredential }

    /// Why the credentials before the selected one were skipped.
    public var skippedCredentials: [CredentialError] { chain.skippedCredentials }

    public func getToken(scope: String) async throws -> AccessToken {
        try await chain.getToken(scope: scope)
    }
}
