import ArgumentParser
import Meterbook

/// `--from` / `--to`, shared by report, export, check and reprice. Both take their value unconditionally, so
/// `--from -7d` is a value, not an unknown option.
struct RangeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("First day (UTC): YYYY-MM-DD, today, yesterday or -7d. Default: the day before --to.", valueName: "day"))
    var from: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Last day (UTC), included. Default: today.", valueName: "day"))
    var to: String?

    func resolve() throws -> DayRange {
        try DayRange.resolve(from: from, to: to)
    }

    func validate() throws {
        _ = try usage { try resolve() }
    }
}

/// The attempt filters shared by report, export and check.
struct FilterOptions: ParsableArguments {
    @Option(name: .customLong("deployment"), help: ArgumentHelp("Only this deployment (repeatable: any of them).", valueName: "name"))
    var deployments: [String] = []

    @Option(name: .customLong("model"), help: ArgumentHelp("Only attempts the service answered with this model (repeatable).", valueName: "name"))
    var models: [String] = []

    @Option(name: .customLong("endpoint"), help: ArgumentHelp("Only this upstream host, e.g. myres.openai.azure.com (repeatable).", valueName: "host"))
    var endpoints: [String] = []

    @Option(name: .customLong("tag"), help: ArgumentHelp("Only attempts with this tag (repeatable: all of them).", valueName: "key=value"))
    var tags: [String] = []

    @Option(name: .customLong("status"), help: ArgumentHelp("Only this HTTP status: 429, 0 (no response) or a family such as 5xx (repeatable).", valueName: "code"))
    var statuses: [String] = []

    @Option(name: .customLong("outcome"), help: ArgumentHelp("Only this outcome: \(Outcome.allCases.map(\.rawValue).joined(separator: ", ")) (repeatable).", valueName: "outcome"))
    var outcomes: [String] = []

    func make() throws -> AttemptFilter {
        let statuses = try self.statuses.map { text -> AttemptFilter.StatusMatch in
            guard let match = AttemptFilter.StatusMatch(text) else {
                throw ValidationError("--status '\(text)' is not a status: give a code such as 429, 0 for no response, or a family such as 5xx.")
            }
            return match
        }
        let outcomes = try self.outcomes.map { text -> Outcome in
            guard let outcome = Outcome(rawValue: text.lowercased()) else {
                throw ValidationError("--outcome '\(text)' is not an outcome: use \(Outcome.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            return outcome
        }
        return AttemptFilter(deployments: deployments, models: models, endpoints: endpoints, tags: try TagParser.parse(tags),
                             statuses: statuses, outcomes: outcomes)
    }

    func validate() throws {
        _ = try make()
    }
}

/// Runs `body`, turning input the library rejects into a usage error (exit 2).
func usage<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ReportInputError {
        throw ValidationError(error.message)
    }
}
