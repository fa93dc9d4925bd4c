/// An error from starting or running the simulator, with a message that says what to do.
public struct SimulatorError: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
