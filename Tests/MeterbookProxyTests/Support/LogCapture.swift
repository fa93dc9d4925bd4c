import Logging
import NIOConcurrencyHelpers

/// Collects every log line (message and metadata) so tests can check that no secret is ever logged.
final class LogCapture: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    var text: String { lines.withLockedValue { $0.joined(separator: "\n") } }

    fileprivate func append(_ line: String) {
        lines.withLockedValue { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            capture.append("\(event.level) \(event.message) \(merged) \(event.error.map { "\($0)" } ?? "")")
        }
    }
}
