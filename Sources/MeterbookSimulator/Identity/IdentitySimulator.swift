import Hummingbird
import Logging

/// Simulated Microsoft Entra ID endpoints on loopback, for tests and demos of keyless auth: the token endpoint
/// (point `AZURE_AUTHORITY_HOST` at ``baseURL``), IMDS (``imdsEndpoint``) and App Service's identity endpoint
/// (``appServiceEndpoint``, with ``Configuration/appServiceHeader`` as `IDENTITY_HEADER`).
///
/// Every issued token starts with ``tokenPrefix``, so tests can check that no output contains one.
public final class IdentitySimulator: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port.
        public var port: Int
        /// Seconds a token lives (`expires_in`).
        public var tokenLifetime: Int
        /// When set, the token endpoint accepts only this client secret (else 401 `invalid_client`).
        public var clientSecret: String?
        /// When set, the token endpoint accepts only this client assertion (else 401 `invalid_client`).
        public var federatedToken: String?
        /// The `X-IDENTITY-HEADER` value the App Service endpoint requires.
        public var appServiceHeader: String

        public init(host: String = "127.0.0.1", port: Int = 0, tokenLifetime: Int = 3599, clientSecret: String? = nil,
                    federatedToken: String? = nil, appServiceHeader: String = "simulated-identity-header") {
            self.host = host
            self.port = port
            self.tokenLifetime = tokenLifetime
            self.clientSecret = clientSecret
            self.federatedToken = federatedToken
            self.appServiceHeader = appServiceHeader
        }
    }

    /// Every token this simulator issues starts with this.
    public static let tokenPrefix = "simulated-entra-token-"

    let state: IdentityState
    private let server = LoopbackServer(name: "identity simulator")

    public init(configuration: Configuration = .init()) {
        state = IdentityState(configuration: configuration)
    }

    public var configuration: Configuration { state.configuration }

    /// Starts listening; returns once the port is bound.
    public func start() async throws {
        let configuration = state.configuration
        let logger = Logger(label: "meterbook.identity-simulator", factory: { _ in SwiftLogNoOpLogHandler() })
        try await server.start(responder: IdentityResponder(state: state), host: configuration.host, port: configuration.port, logger: logger)
    }

    /// Stops listening; requests still waiting (``IdentityReply/delay(ms:)``) are cut after a second.
    public func stop() async {
        await server.stop(grace: 1)
    }

    public var port: Int { server.port }

    /// `http://127.0.0.1:PORT`: the authority host (`AZURE_AUTHORITY_HOST`).
    public var baseURL: String { "http://\(state.configuration.host):\(port)" }
    /// The IMDS token URL (`METERBOOK_IMDS_ENDPOINT`).
    public var imdsEndpoint: String { baseURL + "/metadata/identity/oauth2/token" }
    /// The App Service identity URL (`IDENTITY_ENDPOINT`).
    public var appServiceEndpoint: String { baseURL + "/msi/token" }

    /// Queues replies for the next requests to `route`, first in first out; unscripted requests get a token.
    public func enqueue(_ replies: [IdentityReply], for route: IdentityRoute) {
        state.enqueue(replies, for: route)
    }

    /// The requests received so far (all routes, or one), in arrival order.
    public func requests(_ route: IdentityRoute? = nil) -> [IdentityRequest] {
        state.requests().filter { route == nil || $0.route == route }
    }
}
