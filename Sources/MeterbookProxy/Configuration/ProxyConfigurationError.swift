/// A proxy setup that cannot run; the message says what to change.
public struct ProxyConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
