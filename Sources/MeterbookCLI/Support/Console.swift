import Foundation

/// Writes to stdout and stderr (the `stderr` global is not concurrency-safe in Swift 6).
enum Console {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data(("meterbook: " + line + "\n").utf8))
    }

    static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func out(_ text: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((text + terminator).utf8))
    }
}
