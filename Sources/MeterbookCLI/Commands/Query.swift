import ArgumentParser
import Foundation
import Meterbook
import MeterbookPostgres

extension MeterbookCommand {
    /// Runs a saved SQL query (queries/*.sql) with named parameters, read-only.
    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a SQL file from queries/ against the database (read-only), with named parameters.",
            discussion: """
                Parameters are named in the SQL (:from) and declared in its header (-- @param from -7d ...), which \
                gives their defaults. Day values accept today, yesterday and -7d. A bare name is looked up in ./queries/.

                Examples:
                  meterbook query queries/cost-by-deployment-per-day.sql --param from=-7d
                  meterbook query top-deployments-by-cost --param limit=5 --format json
                  meterbook query queries/call-attempts.sql --param id=chatcmpl-9xYz
                """
        )

        @OptionGroup var store: StoreOptions

        @Argument(help: "The .sql file.")
        var file: String

        @Option(name: .customLong("param"), help: ArgumentHelp("A named parameter (repeatable).", valueName: "name=value"))
        var parameters: [String] = []

        @Option(help: "Output format: table, json or csv.")
        var format: QueryFormat = .table

        @Option(help: ArgumentHelp("Write to this file (atomically) instead of stdout.", valueName: "file"))
        var out: String?

        enum QueryFormat: String, ExpressibleByArgument, CaseIterable {
            case table, json, csv
        }

        func parsedParameters() throws -> [String: String] {
            var result: [String: String] = [:]
            for parameter in parameters {
                guard let equals = parameter.firstIndex(of: "="), equals != parameter.startIndex else {
                    throw ValidationError("--param takes name=value (got \"\(parameter)\").")
                }
                var name = String(parameter[..<equals])
                if let first = name.first, ":@$".contains(first) { name.removeFirst() }
                result[name] = String(parameter[parameter.index(after: equals)...])
            }
            return result
        }

        func validate() throws {
            _ = try parsedParameters()
        }

        func run() async throws {
            let parameters = try parsedParameters()
            let result: QueryRunner.Result
            if let central = try store.centralStore() {
                // queries/NAME.sql is SQLite's dialect: its twin queries/postgres/NAME.sql runs instead when present.
                let query = try QueryFile.load(CentralQuery.postgresVersion(of: file))
                result = try await CentralReader.read(central, logger: .cli("meterbook.postgres")) { source in
                    try CentralQuery.run(query, parameters: parameters, on: source)
                }
            } else {
                let query = try QueryFile.load(file)
                result = try QueryRunner.run(query, parameters: parameters, store: try store.openForReading())
            }
            let text: String
            switch format {
            case .table: text = result.table()
            case .json: text = result.json().render(pretty: true) + "\n"
            case .csv: text = result.csv()
            }
            try OutputTarget(path: out).write(text, what: "the query result")
        }
    }
}
