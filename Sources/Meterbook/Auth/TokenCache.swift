import Foundation

/// Tokens of one credential, per scope, reused until shortly before they expire.
///
/// - Refresh ahead: a token is replaced at its `refreshOn`, else 5 minutes before expiry (half its lifetime for
///   short-lived tokens), so calls never carry a token about to lapse.
/// - Single flight: concurrent callers needing the same scope share one request to the credential.
/// - A refresh that fails while the old token is still valid returns the old token and waits 30 s before trying again.
public actor TokenCache {
    public nonisolated let credential: any TokenCredential
    private let now: @Sendable () -> Date

    /// Seconds before expiry to refresh at most (azure-core uses 300).
    static let refreshMargin: TimeInterval = 300
    /// Seconds between refresh attempts after one failed while the old token was still valid.
    static let retryInterval: TimeInterval = 30

    private struct Entry {
        var token: AccessToken
        var refreshAt: Date
        var retryAt: Date?
    }

    private struct Fetch {
        var id: UInt64
        var task: Task<AccessToken, Error>
    }

    private var entries: [String: Entry] = [:]
    private var inFlight: [String: Fetch] = [:]
    private var nextFetchID: UInt64 = 0

    /// - Parameter now: the clock (tests move it forward instead of waiting).
    public init(credential: any TokenCredential, now: @escaping @Sendable () -> Date = { Date() }) {
        self.credential = credential
        self.now = now
    }

    /// A valid token for `scope`, fetching one when there is none or it is due for refresh.
    public func token(for scope: String) async throws -> AccessToken {
        let current = now()
        if let entry = entries[scope] {
            if current < entry.refreshAt { return entry.token }
            if let retryAt = entry.retryAt, current < retryAt, current < entry.token.expiresOn { return entry.token }
        }
        let fetch: Fetch
        if let running = inFlight[scope] {
            fetch = running
        } else {
            nextFetchID += 1
            let credential = self.credential
            // Unstructured, so one caller's cancellation does not fail the others waiting on the same fetch.
            fetch = Fetch(id: nextFetchID, task: Task { try await credential.getToken(scope: scope) })
            inFlight[scope] = fetch
        }
        do {
            let token = try await fetch.task.value
            // Every waiter resumes here; the first one stores the result.
            if inFlight[scope]?.id == fetch.id {
                inFlight[scope] = nil
                entries[scope] = Entry(token: token, refreshAt: refreshTime(for: token, fetchedAt: now()))
            }
            return token
        } catch {
            if inFlight[scope]?.id == fetch.id {
                inFlight[scope] = nil
                if var entry = entries[scope], now() < entry.token.expiresOn {
                    entry.retryAt = now().addingTimeInterval(Self.retryInterval)
                    entries[scope] = entry
                } else {
                    entries[scope] = nil
                }
            }
            if let entry = entries[scope], now() < entry.token.expiresOn { return entry.token }
            throw error
        }
    }

    /// Forgets `token` for `scope` (the service rejected it), so the next call fetches a new one. A token that was
    /// already replaced is left alone, so many calls failing with the same old token cause one refresh.
    public func invalidate(scope: String, token: String) {
        if entries[scope]?.token.token == token { entries[scope] = nil }
    }

    private func refreshTime(for token: AccessToken, fetchedAt: Date) -> Date {
        if let refreshOn = token.refreshOn, refreshOn < token.expiresOn { return refreshOn }
        let lifetime = max(0, token.expiresOn.timeIntervalSince(fetchedAt))
        return token.expiresOn.addingTimeInterval(-min(Self.refreshMargin, lifetime / 2))
    }
}
