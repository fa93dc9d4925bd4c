import Foundation

/// A bearer token and when it stops working. Its `description` and mirror never show the token itself,
/// so printing or dumping one cannot leak it.
public struct AccessToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret sent as `Authorization: Bearer ...`.
    public var token: String
    public var expiresOn: Date
    /// When the issuer asked to be asked again (`refresh_in`); nil lets the cache pick a margin.
    public var refreshOn: Date?

    public init(token: String, expiresOn: Date, refreshOn: Date? = nil) {
        self.token = token
        self.expiresOn = expiresOn
        self.refreshOn = refreshOn
    }

    public var description: String { "AccessToken(redacted, expires \(expiresOn))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["expiresOn": expiresOn, "refreshOn": refreshOn as Any]) }
}
