extension Credential {
    /// The auth headers one attempt to `provider` carries, for callers that send requests themselves
    /// (the recording proxy injects these in place of its clients' own). Values are secrets: send, never log.
    public func authHeaders(for provider: Provider) async throws -> [(name: String, value: String)] {
        try await headers(for: provider).map { (name: $0.0, value: $0.1) }
    }
}
