import ArgumentParser
import Foundation
import Meterbook

/// `meterbook`: meter every call to Azure OpenAI and Claude on Foundry into a local SQLite file.
struct MeterbookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meterbook",
        abstract: "Meter every call to Azure OpenAI and Claude on Foundry into a local SQLite file.",
        version: MeterbookVersion.current,
        subcommands: [Call.self, Demo.self, Simulate.self]
    )
}

/// Runs the command with CONTRACT.md's exit codes: 0 success, 1 runtime failure, 2 usage error,
/// each failure with one line on stderr that says what to do.
@main
enum Main {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let command: ParsableCommand
        do {
            command = try MeterbookCommand.parseAsRoot(arguments)
        } catch {
            exitForParseError(error, arguments: arguments)
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch let failure as CommandFailure {
            Console.error(failure.message)
            Foundation.exit(failure.exitCode)
        } catch is CancellationError {
            Console.error("Interrupted.")
            Foundation.exit(130)
        } catch let error as ValidationError {
            Console.error("\(error.message) See 'meterbook \(subcommandName(arguments)) --help'.")
            Foundation.exit(2)
        } catch {
            Console.error(oneLine("\(error)"))
            Foundation.exit(1)
        }
    }

    private static func exitForParseError(_ error: Error, arguments: [String]) -> Never {
        let code = MeterbookCommand.exitCode(for: error)
        if code == .success {
            // --help, --version: ArgumentParser prints and exits 0.
            MeterbookCommand.exit(withError: error)
        }
        let message = oneLine(MeterbookCommand.message(for: error))
        Console.error("\(message) See 'meterbook \(subcommandName(arguments)) --help'.")
        Foundation.exit(2)
    }

    private static func subcommandName(_ arguments: [String]) -> String {
        let names = MeterbookCommand.configuration.subcommands.compactMap { $0.configuration.commandName ?? String(describing: $0).lowercased() }
        return arguments.first { names.contains($0) } ?? ""
    }

    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("Usage:") && !$0.hasPrefix("See '") }
            .joined(separator: " ")
        return line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line
    }
}
