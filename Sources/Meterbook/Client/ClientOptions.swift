/// Settings of a `MeterbookClient`.
public struct ClientOptions: Sendable {
    /// Retries after the first attempt (the SDKs' default is 2, so up to 3 attempts).
    public var maxRetries = 2
    /// Seconds to establish a connection (the SDKs use 5).
    public var connectTimeout = 5.0
    /// Seconds for a whole attempt (the SDKs use 600).
    public var timeout = 600.0
    /// Headers added to every call (never stored).
    public var headers: HTTPHeaders = [:]
    /// Tags added to every call's attempts (a call's own tags win).
    public var tags: [String: String] = [:]
    public var userAgent = "meterbook/\(MeterbookVersion.current)"

    public init() {}
}

/// The version string sent as the user agent and shown by `meterbook --version`.
public enum MeterbookVersion {
    public static let current = "0.1.0"
}
