import Foundation
import Meterbook
import MeterbookSimulator
import Testing

/// Each credential alone, against the identity simulator on loopback, a federated token file and a fake `az`.
@Suite struct CredentialTests {
    /// Where the mock IMDS is expected to answer, the probe gets a generous limit: the suite runs many tests and
    /// processes at once on 2 cores, and a loaded machine must not turn an answer into "no answer in 1 s".
    static let answeringProbeTimeout = 10.0

    let scope = EntraScope.cognitiveServices

    // MARK: Environment (client secret)

    @Test func environmentCredentialExchangesTheClientSecret() async throws {
        try await withIdentity(.init(clientSecret: "client-secret-value-1")) { identity in
            let credential = EnvironmentCredential(environment: authEnvironment(identity: identity, servicePrincipal()))
            let token = try await credential.getToken(scope: scope)
            #expect(token.token.hasPrefix(IdentitySimulator.tokenPrefix))
            #expect(abs(token.expiresOn.timeIntervalSinceNow - 3599) < 60)
            let requests = identity.requests(.tokenEndpoint)
            try #require(requests.count == 1)
            #expect(requests[0].tenant == "contoso-tenant")
            #expect(requests[0].parameters == ["grant_type": "client_credentials", "client_id": "app-client-id",
                                               "client_secret": "client-secret-value-1", "scope": scope])
            #expect(requests[0].headers["content-type"] == "application/x-www-form-urlencoded")
        }
    }

    @Test func environmentCredentialNamesTheMissingVariables() async throws {
        let credential = EnvironmentCredential(environment: authEnvironment(identity: nil, ["AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"]))
        let error = await credentialError { try await credential.getToken(scope: scope) }
        #expect(error == CredentialError(.unavailable, credential: "environment", reason: "AZURE_CLIENT_SECRET not set"))
        let none = await credentialError { try await EnvironmentCredential(environment: [:]).getToken(scope: scope) }
        #expect(none?.reason == "AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET not set")
        let certificate = await credentialError {
            try await EnvironmentCredential(environment: ["AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_CERTIFICATE_PATH": "/x.pem"]).getToken(scope: scope)
        }
        #expect(certificate?.code == .unavailable)
        #expect(certificate?.reason.contains("only client secrets are supported") == true)
    }

    @Test func rejectedSecretFailsWithoutShowingIt() async throws {
        try await withIdentity(.init(clientSecret: "the-right-secret")) { identity in
            let credential = EnvironmentCredential(environment: authEnvironment(identity: identity, servicePrincipal(secret: "a-wrong-secret-42")))
            let error = try #require(await credentialError { try await credential.getToken(scope: scope) })
            #expect(error.code == .authenticationFailed)
            #expect(error.reason == "the token endpoint at 127.0.0.1:\(identity.port) answered HTTP 401: invalid_client: AADSTS7000215: Invalid client secret provided.")
            #expect(!error.description.contains("a-wrong-secret-42"))
        }
    }

    @Test func authorityHostIsHonouredAndPlainHTTPOnlyForLoopback() async throws {
        let remote = EnvironmentCredential(environment: servicePrincipal().merging(["AZURE_AUTHORITY_HOST": "http://login.example.com"]) { $1 })
        let error = await credentialError { try await remote.getToken(scope: scope) }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.reason.contains("uses plain http: use https") == true)
        let unreachable = EnvironmentCredential(environment: servicePrincipal().merging(["AZURE_AUTHORITY_HOST": "http://127.0.0.1:1"]) { $1 })
        let refused = await credentialError { try await unreachable.getToken(scope: scope) }
        #expect(refused?.reason.hasPrefix("could not reach the token endpoint at 127.0.0.1:1 (connect") == true)
        #expect(refused?.description.contains("client-secret-value-1") == false)
    }

    @Test func tokenEndpointAnswersWithoutATokenFail() async throws {
        try await withIdentity { identity in
            identity.enqueue([.garbage], for: .tokenEndpoint)
            let credential = EnvironmentCredential(environment: authEnvironment(identity: identity, servicePrincipal()))
            let error = await credentialError { try await credential.getToken(scope: scope) }
            #expect(error?.reason == "the token endpoint at 127.0.0.1:\(identity.port) answered without an access_token and expiry")
        }
    }

    // MARK: Workload identity

    @Test func workloadIdentityReadsTheFederatedTokenFileForEveryRequest() async throws {
        let file = try temporaryFile("first-assertion\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await withIdentity { identity in
            let credential = WorkloadIdentityCredential(environment: authEnvironment(identity: identity, [
                "AZURE_TENANT_ID": "aks-tenant", "AZURE_CLIENT_ID": "aks-client", "AZURE_FEDERATED_TOKEN_FILE": file,
            ]))
            let first = try await credential.getToken(scope: EntraScope.aiFoundry)
            try "second-assertion".write(toFile: file, atomically: true, encoding: .utf8)
            let second = try await credential.getToken(scope: EntraScope.aiFoundry)
            #expect(first.token != second.token)
            let requests = identity.requests(.tokenEndpoint)
            try #require(requests.count == 2)
            #expect(requests[0].tenant == "aks-tenant")
            #expect(requests[0].parameters == [
                "grant_type": "client_credentials", "client_id": "aks-client", "scope": EntraScope.aiFoundry,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": "first-assertion",
            ])
            #expect(requests[1].parameters["client_assertion"] == "second-assertion")
        }
    }

    @Test func workloadIdentityFailures() async throws {
        let unset = await credentialError { try await WorkloadIdentityCredential(environment: ["AZURE_CLIENT_ID": "c"]).getToken(scope: scope) }
        #expect(unset == CredentialError(.unavailable, credential: "workload identity", reason: "AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID not set"))
        let missingFile = await credentialError {
            try await WorkloadIdentityCredential(tenantID: "t", clientID: "c", tokenFilePath: "/nonexistent/token", environment: [:]).getToken(scope: scope)
        }
        #expect(missingFile == CredentialError(.authenticationFailed, credential: "workload identity",
                                               reason: "cannot read the federated token file /nonexistent/token: check that it exists and is readable"))
        let file = try temporaryFile("a-stale-assertion")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await withIdentity(.init(federatedToken: "the-current-assertion")) { identity in
            let credential = WorkloadIdentityCredential(tenantID: "t", clientID: "c", tokenFilePath: file, environment: authEnvironment(identity: identity))
            let rejected = try #require(await credentialError { try await credential.getToken(scope: scope) })
            #expect(rejected.reason.contains("answered HTTP 401: invalid_client: AADSTS700211"))
            #expect(!rejected.description.contains("a-stale-assertion"))
        }
    }

    // MARK: Managed identity

    @Test func imdsSystemAssigned() async throws {
        try await withIdentity { identity in
            let credential = ManagedIdentityCredential(imdsEndpoint: identity.imdsEndpoint, probeTimeout: Self.answeringProbeTimeout, environment: [:])
            let token = try await credential.getToken(scope: scope)
            #expect(token.token.hasPrefix(IdentitySimulator.tokenPrefix))
            #expect(abs(token.expiresOn.timeIntervalSinceNow - 3599) < 60)
            let request = try #require(identity.requests(.imds).first)
            #expect(request.parameters == ["api-version": "2018-02-01", "resource": "https://cognitiveservices.azure.com"])
            #expect(request.headers["metadata"] == "true")
        }
    }

    @Test func imdsUserAssignedAndEndpointOverrides() async throws {
        try await withIdentity { identity in
            // METERBOOK_IMDS_ENDPOINT, and a user-assigned identity's client id.
            let fromVariable = ManagedIdentityCredential(clientID: "user-assigned-id", probeTimeout: Self.answeringProbeTimeout, environment: ["METERBOOK_IMDS_ENDPOINT": identity.imdsEndpoint])
            #expect(fromVariable.resolvedIMDSEndpoint == identity.imdsEndpoint)
            _ = try await fromVariable.getToken(scope: EntraScope.aiFoundry)
            #expect(identity.requests(.imds).last?.parameters == ["api-version": "2018-02-01", "resource": "https://ai.azure.com", "client_id": "user-assigned-id"])
            // azure-identity's AZURE_POD_IDENTITY_AUTHORITY_HOST.
            let pod = ManagedIdentityCredential(probeTimeout: Self.answeringProbeTimeout, environment: ["AZURE_POD_IDENTITY_AUTHORITY_HOST": identity.baseURL + "/"])
            #expect(pod.resolvedIMDSEndpoint == identity.imdsEndpoint)
            _ = try await pod.getToken(scope: scope)
            #expect(identity.requests(.imds).count == 2)
        }
        #expect(ManagedIdentityCredential(environment: [:]).resolvedIMDSEndpoint == "http://169.254.169.254/metadata/identity/oauth2/token")
    }

    @Test func imdsWithoutAnIdentityIsUnavailable() async throws {
        try await withIdentity { identity in
            identity.enqueue([.noIdentity], for: .imds)
            let credential = ManagedIdentityCredential(imdsEndpoint: identity.imdsEndpoint, probeTimeout: Self.answeringProbeTimeout, environment: [:])
            let error = await credentialError { try await credential.getToken(scope: scope) }
            #expect(error == CredentialError(.unavailable, credential: "managed identity",
                                             reason: "no managed identity is assigned to this machine (IMDS answered HTTP 400: invalid_request: Identity not found)"))
        }
    }

    @Test func imdsNotThereIsUnavailable() async throws {
        let refused = await credentialError { try await ManagedIdentityCredential(imdsEndpoint: refusedIMDS, environment: [:]).getToken(scope: scope) }
        #expect(refused == CredentialError(.unavailable, credential: "managed identity", reason: "no answer from the IMDS endpoint at 127.0.0.1:1 (connect)"))
        try await withIdentity { identity in
            identity.enqueue([.delay(ms: 3_000)], for: .imds)
            let credential = ManagedIdentityCredential(imdsEndpoint: identity.imdsEndpoint, probeTimeout: 0.3, environment: [:])
            let slow = await credentialError { try await credential.getToken(scope: scope) }
            #expect(slow == CredentialError(.unavailable, credential: "managed identity", reason: "no answer from the IMDS endpoint in 0.3 s"))
        }
    }

    @Test func imdsRetriesTransientAnswersOnceItIsKnownToExist() async throws {
        try await withIdentity { identity in
            identity.enqueue([.error(status: 503, error: "unavailable", description: "IMDS is restarting"),
                              .error(status: 429, error: "throttled", description: "slow down")], for: .imds)
            let credential = ManagedIdentityCredential(imdsEndpoint: identity.imdsEndpoint, probeTimeout: Self.answeringProbeTimeout, retryDelays: [0.01, 0.01, 0.01], environment: [:])
            let token = try await credential.getToken(scope: scope)
            #expect(token.token.hasPrefix(IdentitySimulator.tokenPrefix))
            #expect(identity.requests(.imds).map(\.status) == [503, 429, 200])

            identity.enqueue(Array(repeating: .error(status: 500, error: "server_error", description: "broken"), count: 4), for: .imds)
            let error = await credentialError { try await credential.getToken(scope: scope) }
            #expect(error == CredentialError(.authenticationFailed, credential: "managed identity",
                                             reason: "the IMDS endpoint at 127.0.0.1:\(identity.port) answered HTTP 500 after 4 tries: server_error: broken"))
        }
    }

    @Test func appServiceIdentityEndpoint() async throws {
        try await withIdentity(.init(appServiceHeader: "app-service-secret-header")) { identity in
            let environment = ["IDENTITY_ENDPOINT": identity.appServiceEndpoint, "IDENTITY_HEADER": "app-service-secret-header",
                               "METERBOOK_IMDS_ENDPOINT": refusedIMDS]
            let token = try await ManagedIdentityCredential(clientID: "app-id", probeTimeout: Self.answeringProbeTimeout, environment: environment).getToken(scope: scope)
            #expect(token.token.hasPrefix(IdentitySimulator.tokenPrefix))
            let request = try #require(identity.requests(.appService).first)
            #expect(request.parameters == ["api-version": "2019-08-01", "resource": "https://cognitiveservices.azure.com", "client_id": "app-id"])
            #expect(request.headers["x-identity-header"] == "app-service-secret-header")
            #expect(identity.requests(.imds).isEmpty)

            var wrong = environment
            wrong["IDENTITY_HEADER"] = "a-wrong-header-value"
            let error = try #require(await credentialError { try await ManagedIdentityCredential(retryDelays: [], environment: wrong).getToken(scope: scope) })
            #expect(error.code == .authenticationFailed)
            #expect(error.reason.hasPrefix("the App Service identity endpoint at 127.0.0.1:\(identity.port) answered HTTP 401"))
            #expect(!error.description.contains("a-wrong-header-value"))
        }
    }

    // MARK: Azure CLI

    @Test func azureCLIReadsExpiresOn() async throws {
        let az = try FakeAzureCLI(behaviour: .token, expiresIn: 1800)
        let token = try await AzureCLICredential(environment: authEnvironment(identity: nil, az: az)).getToken(scope: scope)
        #expect(token.token == az.token)
        #expect(token.expiresOn == Date(timeIntervalSince1970: TimeInterval(az.expiresOn)))
        #expect(az.invocations() == ["account get-access-token --output json --resource https://cognitiveservices.azure.com|AZURE_CORE_NO_COLOR=true"])
        _ = try await AzureCLICredential(tenantID: "contoso.onmicrosoft.com", environment: authEnvironment(identity: nil, az: az)).getToken(scope: EntraScope.aiFoundry)
        #expect(az.invocations().last == "account get-access-token --output json --resource https://ai.azure.com --tenant contoso.onmicrosoft.com|AZURE_CORE_NO_COLOR=true")
    }

    @Test func azureCLIOlderOutputWithLocalTimeOnly() async throws {
        let az = try FakeAzureCLI(behaviour: .localTimeOnly)
        let token = try await AzureCLICredential(environment: authEnvironment(identity: nil, az: az)).getToken(scope: scope)
        let parts = Calendar.current.dateComponents(in: .current, from: token.expiresOn)
        #expect([parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second] == [2031, 5, 6, 7, 8, 9])
    }

    @Test func azureCLIFailures() async throws {
        let notFound = await credentialError { try await AzureCLICredential(environment: authEnvironment(identity: nil)).getToken(scope: scope) }
        #expect(notFound == CredentialError(.unavailable, credential: "Azure CLI", reason: "`az` not found on PATH"))

        let loggedOut = try FakeAzureCLI(behaviour: .notLoggedIn)
        let notLoggedIn = await credentialError { try await AzureCLICredential(environment: authEnvironment(identity: nil, az: loggedOut)).getToken(scope: scope) }
        #expect(notLoggedIn == CredentialError(.unavailable, credential: "Azure CLI", reason: "not logged in: run `az login`"))

        let failing = try FakeAzureCLI(behaviour: .failure)
        let failed = await credentialError { try await AzureCLICredential(environment: authEnvironment(identity: nil, az: failing)).getToken(scope: scope) }
        #expect(failed == CredentialError(.authenticationFailed, credential: "Azure CLI",
                                          reason: "`az account get-access-token` failed (exit 1): AADSTS50173: The provided grant has expired due to it being revoked."))

        let garbage = try FakeAzureCLI(behaviour: .garbage)
        let unreadable = await credentialError { try await AzureCLICredential(environment: authEnvironment(identity: nil, az: garbage)).getToken(scope: scope) }
        #expect(unreadable?.reason == "`az account get-access-token` printed JSON without accessToken and an expiry")

        let hanging = try FakeAzureCLI(behaviour: .hang)
        let slow = await credentialError { try await AzureCLICredential(timeout: 0.5, environment: authEnvironment(identity: nil, az: hanging)).getToken(scope: scope) }
        #expect(slow == CredentialError(.authenticationFailed, credential: "Azure CLI", reason: "`az account get-access-token` did not finish in 0.5 s"))
    }

    @Test func tokensNeverShowInDescriptions() async throws {
        let az = try FakeAzureCLI()
        let token = try await AzureCLICredential(environment: authEnvironment(identity: nil, az: az)).getToken(scope: scope)
        #expect(!"\(token)".contains(az.token))
        #expect(!String(reflecting: token).contains(az.token))
        var dumped = ""
        dump(token, to: &dumped)
        #expect(!dumped.contains(az.token))
    }
}
