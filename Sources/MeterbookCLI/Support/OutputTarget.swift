import ArgumentParser
import Foundation
import Meterbook

/// Where a command's document goes: stdout, or `--out FILE` written atomically.
struct OutputTarget {
    var path: String?

    /// Colour only for a terminal, never with NO_COLOR (any non-empty value) or TERM=dumb, never into a file.
    var usesColor: Bool {
        guard path == nil, isatty(STDOUT_FILENO) != 0 else { return false }
        let environment = ProcessInfo.processInfo.environment
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }

    /// Writes the whole text; with --out, says where on stderr.
    func write(_ text: String, what: String) throws {
        if let path {
            try AtomicFile.write(text, to: path)
            Console.note("Wrote \(what) to \(path).")
        } else {
            Console.out(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        }
    }
}

extension ReportFormat: ExpressibleByArgument {}
extension ExportFormat: ExpressibleByArgument {}
extension TraceFormat: ExpressibleByArgument {}
extension ThresholdCheck.Scope: ExpressibleByArgument {}

/// `--format` of commands that print a table or a JSON document (check, prices).
enum TableOrJSON: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
