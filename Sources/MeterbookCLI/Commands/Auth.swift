import ArgumentParser
import Foundation
import Meterbook

extension MeterbookCommand {
    /// `meterbook auth ...`: keyless (Entra ID) authentication.
    struct AuthCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "auth",
            abstract: "Check keyless (Microsoft Entra ID) authentication.",
            subcommands: [Test.self]
        )

        /// `meterbook auth test`: get a token as `call --auth entra` would, and say where it came from.
        struct Test: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Get an Entra ID token the way --auth entra does; print which credential gave it and when it expires (never the token).",
                discussion: """
                    Credentials are tried in DefaultAzureCredential's order: environment (AZURE_TENANT_ID, AZURE_CLIENT_ID, \
                    AZURE_CLIENT_SECRET), workload identity (AZURE_FEDERATED_TOKEN_FILE), managed identity (App Service's \
                    IDENTITY_ENDPOINT, else IMDS), Azure CLI (az login). AZURE_AUTHORITY_HOST picks the cloud.

                    Examples:
                      meterbook auth test
                      meterbook auth test --scope https://ai.azure.com/.default
                    """
            )

            @OptionGroup var store: StoreOptions

            @Option(help: ArgumentHelp("The scope to get a token for. Default: [auth] scope in the config, else https://cognitiveservices.azure.com/.default.", valueName: "scope"))
            var scope: String?

            func validate() throws {
                if let scope, scope.isEmpty || scope.contains(where: \.isWhitespace) {
                    throw ValidationError("--scope takes one scope URL, e.g. https://ai.azure.com/.default.")
                }
            }

            func run() async throws {
                let config = try store.loadConfig()
                let scope = self.scope ?? config.auth.scope ?? EntraScope.cognitiveServices
                let credential = DefaultAzureCredential()
                let token: AccessToken
                do {
                    token = try await credential.getToken(scope: scope)
                } catch let error as CredentialChainError {
                    throw CommandFailure(message: error.description)
                }
                Console.out(Self.report(credential: credential.selectedCredential ?? credential.name, scope: scope,
                                        expiresOn: token.expiresOn, skipped: credential.skippedCredentials))
            }

            /// What `auth test` prints: facts about the token, never the token.
            static func report(credential: String, scope: String, expiresOn: Date, skipped: [CredentialError], now: Date = Date()) -> String {
                let formatter = ISO8601DateFormatter()
                formatter.timeZone = TimeZone(identifier: "UTC")
                let minutes = Int((expiresOn.timeIntervalSince(now) / 60).rounded())
                let remaining = minutes >= 0 ? "in \(minutes) min" : "\(-minutes) min ago"
                var lines = [
                    "credential: \(credential)",
                    "scope:      \(scope)",
                    "expires:    \(formatter.string(from: expiresOn)) (\(remaining))",
                ]
                if !skipped.isEmpty {
                    lines.append("skipped:    " + skipped.map(\.description).joined(separator: "; "))
                }
                return lines.joined(separator: "\n")
            }
        }
    }
}
