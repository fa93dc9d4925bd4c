/// Something that gets Microsoft Entra ID access tokens: one of the credentials of `DefaultAzureCredential`'s chain,
/// the chain itself, or your own.
///
/// Implementations throw `CredentialError` (`.unavailable` when they are not set up here, so a chain moves on;
/// `.authenticationFailed` when they are set up but did not work, so a chain stops). Their messages never contain
/// a token, a secret or an assertion.
public protocol TokenCredential: Sendable {
    /// A short name for messages: "environment", "workload identity", "managed identity", "Azure CLI".
    var name: String { get }
    /// A token for one scope, e.g. `https://cognitiveservices.azure.com/.default`.
    func getToken(scope: String) async throws -> AccessToken
}
