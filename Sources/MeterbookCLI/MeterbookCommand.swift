import ArgumentParser
import Foundation
import Meterbook

/// `meterbook`: meter every call to Azure OpenAI and Claude on Foundry into a local SQLite file.
struct MeterbookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meterbook",
        abstract: "Meter every call to Azure OpenAI and Claude on Foundry into a local SQLite file.",
        version: MeterbookVersion.current,
        subcommands: [Call.self, Demo.self, Report.self, Export.self, Check.self, Trace.self, Prices.self, Reprice.self, Query.self, Rotate.self, ArchiveCommand.self, Ship.self,
                      Proxy.self, Simulate.self, AuthCommand.self]
    )
}

/// Runs the command with CONTRACT.md's exit codes: 0 success, 1 runtime failure, 2 usage error,
/// each failure with one line on stderr that says what to do.
@main
enum Main {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try MeterbookCommand.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(for: error, arguments: arguments)
        }
    }

    private static func exit(for error: Error, arguments: [String]) -> Never {
        switch error {
        case let failure as CommandFailure:
            Console.error(failure.message)
            Foundation.exit(failure.exitCode)
        case is CancellationError:
            Console.error("Interrupted.")
            Foundation.exit(130)
        case let exitCode as ExitCode:
            Foundation.exit(exitCode.rawValue)
        case let input as ReportInputError:
            // Bad dates, groupings, thresholds and parameters are usage errors, like a bad option value.
            exit(for: ValidationError(input.message), arguments: arguments)
        default:
            break
        }
        let code = MeterbookCommand.exitCode(for: error)
        if code == .success {
            // --help and --version: ArgumentParser prints them and exits 0.
            MeterbookCommand.exit(withError: error)
        }
        if code == .validationFailure {
            var message = oneLine(MeterbookCommand.message(for: error))
            if !message.hasSuffix(".") { message += "." }
            Console.error("\(message) See 'meterbook \(subcommandName(arguments)) --help'.".replacingOccurrences(of: "meterbook  --help", with: "meterbook --help"))
            Foundation.exit(2)
        }
        Console.error(oneLine("\(error)"))
        Foundation.exit(1)
    }

    private static func subcommandName(_ arguments: [String]) -> String {
        let names = MeterbookCommand.configuration.subcommands.map { $0._commandName }
        return arguments.first { names.contains($0) } ?? ""
    }

    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("Usage:") && !$0.hasPrefix("See '") }
            .joined(separator: " ")
        return line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line
    }
}
