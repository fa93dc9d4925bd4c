import Foundation
import Meterbook
import MeterbookSimulator
import Testing

/// Expiry, refresh ahead of it, and single flight. Time moves by an injected clock, never by waiting.
@Suite struct TokenCacheTests {
    let scope = EntraScope.cognitiveServices

    func cache(_ identity: IdentitySimulator, clock: TestClock) -> TokenCache {
        TokenCache(credential: EnvironmentCredential(environment: authEnvironment(identity: identity, servicePrincipal())), now: clock.now)
    }

    @Test func reusesTheTokenUntilFiveMinutesBeforeExpiry() async throws {
        try await withIdentity(.init(tokenLifetime: 3600)) { identity in
            let clock = TestClock()
            let cache = cache(identity, clock: clock)
            let first = try await cache.token(for: scope)
            clock.set(3000)
            #expect(try await cache.token(for: scope).token == first.token)
            #expect(identity.requests().count == 1)
            clock.set(3320)
            let refreshed = try await cache.token(for: scope)
            #expect(refreshed.token != first.token)
            #expect(identity.requests().count == 2)
            // Scopes are cached apart.
            _ = try await cache.token(for: EntraScope.aiFoundry)
            #expect(identity.requests().map { $0.parameters["scope"] } == [scope, scope, EntraScope.aiFoundry])
        }
    }

    @Test func shortLivedTokensRefreshAtHalfTheirLifetime() async throws {
        try await withIdentity(.init(tokenLifetime: 120)) { identity in
            let clock = TestClock()
            let cache = cache(identity, clock: clock)
            let first = try await cache.token(for: scope)
            clock.set(50)
            #expect(try await cache.token(for: scope).token == first.token)
            clock.set(70)
            #expect(try await cache.token(for: scope).token != first.token)
            #expect(identity.requests().count == 2)
        }
    }

    @Test func aFailedRefreshKeepsTheStillValidTokenAndRetriesLater() async throws {
        try await withIdentity(.init(tokenLifetime: 3600)) { identity in
            let clock = TestClock()
            let cache = cache(identity, clock: clock)
            let first = try await cache.token(for: scope)
            identity.enqueue([.error(status: 503, error: "temporarily_unavailable", description: "try later")], for: .tokenEndpoint)
            clock.set(3400)
            #expect(try await cache.token(for: scope).token == first.token)
            #expect(identity.requests().count == 2)
            clock.set(3420)
            #expect(try await cache.token(for: scope).token == first.token)
            #expect(identity.requests().count == 2, "no new attempt within 30 s of a failed one")
            clock.set(3440)
            #expect(try await cache.token(for: scope).token != first.token)
            #expect(identity.requests().count == 3)
        }
    }

    @Test func anExpiredTokenIsNeverReturned() async throws {
        try await withIdentity(.init(tokenLifetime: 3600)) { identity in
            let clock = TestClock()
            let cache = cache(identity, clock: clock)
            _ = try await cache.token(for: scope)
            identity.enqueue([.error(status: 503, error: "temporarily_unavailable", description: "try later")], for: .tokenEndpoint)
            clock.set(3700)
            await #expect(throws: CredentialError.self) { try await cache.token(for: scope) }
        }
    }

    @Test func honoursRefreshIn() async throws {
        let clock = TestClock()
        // Tokens dated by the test clock: dated by the wall clock, a token fetched late on a loaded machine would
        // fall due later than the test assumes.
        let credential = FixedCredential(lifetime: 7200, refreshIn: 600, now: clock.now)
        let cache = TokenCache(credential: credential, now: clock.now)
        let first = try await cache.token(for: scope)
        clock.set(590)
        #expect(try await cache.token(for: scope).token == first.token)
        clock.set(610)
        #expect(try await cache.token(for: scope).token != first.token)
    }

    @Test func concurrentCallersShareOneRequest() async throws {
        try await withIdentity { identity in
            identity.enqueue([.delay(ms: 300)], for: .tokenEndpoint)
            let cache = TokenCache(credential: EnvironmentCredential(environment: authEnvironment(identity: identity, servicePrincipal())))
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<100 { group.addTask { try await cache.token(for: scope).token } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(tokens.count == 1)
            #expect(identity.requests().count == 1)
        }
    }

    @Test func invalidateDropsOnlyTheRejectedToken() async throws {
        try await withIdentity { identity in
            let cache = TokenCache(credential: EnvironmentCredential(environment: authEnvironment(identity: identity, servicePrincipal())))
            let first = try await cache.token(for: scope)
            await cache.invalidate(scope: scope, token: "some-other-token")
            #expect(try await cache.token(for: scope).token == first.token)
            await cache.invalidate(scope: scope, token: first.token)
            #expect(try await cache.token(for: scope).token != first.token)
            #expect(identity.requests().count == 2)
        }
    }
}

/// A credential that makes tokens itself, numbered, with a `refresh_in`.
final class FixedCredential: TokenCredential {
    let name = "fixed"
    let lifetime: TimeInterval
    let refreshIn: TimeInterval?
    private let count = TestLocked(0)
    private let now: @Sendable () -> Date

    init(lifetime: TimeInterval, refreshIn: TimeInterval? = nil, now: @escaping @Sendable () -> Date = Date.init) {
        self.lifetime = lifetime
        self.refreshIn = refreshIn
        self.now = now
    }

    func getToken(scope: String) async throws -> AccessToken {
        let number = count.withLock { value -> Int in
            value += 1
            return value
        }
        let now = self.now()
        return AccessToken(token: "fixed-\(number)", expiresOn: now.addingTimeInterval(lifetime), refreshOn: refreshIn.map { now.addingTimeInterval($0) })
    }
}
