/// A runtime failure with its exit code and the one line to print.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 1
}
