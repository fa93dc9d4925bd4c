import Foundation
import Meterbook
import MeterbookSimulator
import Testing

/// DefaultAzureCredential's order, fall-through, stop-on-failure and reuse, and its one-line error.
@Suite struct CredentialChainTests {
    let scope = EntraScope.cognitiveServices

    @Test func environmentComesFirst() async throws {
        let file = try temporaryFile("assertion")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let az = try FakeAzureCLI()
        try await withIdentity { identity in
            let credential = DefaultAzureCredential(environment: authEnvironment(identity: identity, az: az,
                servicePrincipal().merging(["AZURE_FEDERATED_TOKEN_FILE": file]) { $1 }))
            _ = try await credential.getToken(scope: scope)
            #expect(credential.selectedCredential == "environment")
            #expect(credential.skippedCredentials.isEmpty)
            #expect(identity.requests().map(\.route) == [.tokenEndpoint])
            #expect(identity.requests()[0].parameters["client_secret"] != nil)
            #expect(az.invocations().isEmpty)
        }
    }

    @Test func fallsThroughInOrder() async throws {
        let file = try temporaryFile("assertion")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let az = try FakeAzureCLI()
        try await withIdentity { identity in
            // No secret: workload identity is next.
            let workload = DefaultAzureCredential(environment: authEnvironment(identity: identity, az: az, [
                "AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_FEDERATED_TOKEN_FILE": file]))
            _ = try await workload.getToken(scope: scope)
            #expect(workload.selectedCredential == "workload identity")
            #expect(workload.skippedCredentials.map(\.description) == ["environment: AZURE_CLIENT_SECRET not set"])
            #expect(identity.requests().last?.parameters["client_assertion"] == "assertion")

            // Nothing in the environment: managed identity (IMDS) is next.
            let managed = DefaultAzureCredential(environment: authEnvironment(identity: identity, az: az), imdsProbeTimeout: CredentialTests.answeringProbeTimeout)
            _ = try await managed.getToken(scope: scope)
            #expect(managed.selectedCredential == "managed identity")
            #expect(managed.skippedCredentials.map(\.credential) == ["environment", "workload identity"])
            #expect(identity.requests().last?.route == .imds)

            // No managed identity either: the Azure CLI.
            identity.enqueue([.noIdentity], for: .imds)
            let cli = DefaultAzureCredential(environment: authEnvironment(identity: identity, az: az), imdsProbeTimeout: CredentialTests.answeringProbeTimeout)
            let token = try await cli.getToken(scope: scope)
            #expect(token.token == az.token)
            #expect(cli.selectedCredential == "Azure CLI")
            #expect(cli.skippedCredentials.map(\.credential) == ["environment", "workload identity", "managed identity"])
            #expect(az.invocations().count == 1)
        }
    }

    @Test func appServiceWinsOverIMDS() async throws {
        try await withIdentity { identity in
            let credential = DefaultAzureCredential(environment: authEnvironment(identity: identity, [
                "IDENTITY_ENDPOINT": identity.appServiceEndpoint, "IDENTITY_HEADER": identity.configuration.appServiceHeader]))
            _ = try await credential.getToken(scope: scope)
            #expect(credential.selectedCredential == "managed identity")
            #expect(identity.requests().map(\.route) == [.appService])
        }
    }

    @Test func azureClientIDDoublesAsTheUserAssignedIdentity() async throws {
        try await withIdentity { identity in
            let credential = DefaultAzureCredential(environment: authEnvironment(identity: identity, ["AZURE_CLIENT_ID": "user-assigned"]),
                                                    imdsProbeTimeout: CredentialTests.answeringProbeTimeout)
            _ = try await credential.getToken(scope: scope)
            #expect(identity.requests(.imds).first?.parameters["client_id"] == "user-assigned")
        }
    }

    @Test func everyReasonInOneLine() async throws {
        let credential = DefaultAzureCredential(environment: authEnvironment(identity: nil))
        do {
            _ = try await credential.getToken(scope: scope)
            Issue.record("expected no credential to work")
        } catch let error as CredentialChainError {
            #expect(error.errors.map(\.credential) == ["environment", "workload identity", "managed identity", "Azure CLI"])
            #expect(error.description == """
                No Entra ID token for https://cognitiveservices.azure.com/.default: \
                environment: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET not set; \
                workload identity: AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID not set; \
                managed identity: no answer from the IMDS endpoint at 127.0.0.1:1 (connect); \
                Azure CLI: `az` not found on PATH. \
                Set one up: run `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.
                """)
        }
        try await withIdentity { identity in
            identity.enqueue([.delay(ms: 3_000)], for: .imds)
            let loggedOut = try FakeAzureCLI(behaviour: .notLoggedIn)
            let slow = DefaultAzureCredential(environment: authEnvironment(identity: identity, az: loggedOut, ["AZURE_CLIENT_ID": "c"]),
                                              imdsProbeTimeout: 0.3)
            do {
                _ = try await slow.getToken(scope: scope)
                Issue.record("expected no credential to work")
            } catch let error as CredentialChainError {
                #expect(error.errors.map(\.description) == [
                    "environment: AZURE_TENANT_ID, AZURE_CLIENT_SECRET not set",
                    "workload identity: AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID not set",
                    "managed identity: no answer from the IMDS endpoint in 0.3 s",
                    "Azure CLI: not logged in: run `az login`",
                ])
            }
        }
    }

    @Test func stopsAtACredentialThatIsSetUpButFails() async throws {
        let az = try FakeAzureCLI()
        try await withIdentity(.init(clientSecret: "the-right-secret")) { identity in
            let credential = DefaultAzureCredential(environment: authEnvironment(identity: identity, az: az, servicePrincipal(secret: "an-old-secret-99")),
                                                    imdsProbeTimeout: CredentialTests.answeringProbeTimeout)
            do {
                _ = try await credential.getToken(scope: scope)
                Issue.record("expected the wrong secret to stop the chain")
            } catch let error as CredentialChainError {
                #expect(error.errors.map(\.credential) == ["environment"])
                #expect(error.description.hasSuffix("The environment credential is set up but failed: fix its settings or unset them."))
                #expect(!error.description.contains("an-old-secret-99"))
            }
            #expect(identity.requests(.imds).isEmpty)
            #expect(az.invocations().isEmpty)
        }
    }

    @Test func theFirstCredentialThatWorkedIsReused() async throws {
        let az = try FakeAzureCLI()
        try await withIdentity { identity in
            identity.enqueue([.noIdentity], for: .imds)
            let credential = DefaultAzureCredential(environment: authEnvironment(identity: identity, az: az), imdsProbeTimeout: CredentialTests.answeringProbeTimeout)
            _ = try await credential.getToken(scope: scope)
            // IMDS would answer now, but the chain stays with the Azure CLI.
            _ = try await credential.getToken(scope: EntraScope.aiFoundry)
            #expect(credential.selectedCredential == "Azure CLI")
            #expect(az.invocations().count == 2)
            #expect(identity.requests(.imds).count == 1)
        }
    }
}
