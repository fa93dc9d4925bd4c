import ArgumentParser
import Foundation
import Meterbook

extension MeterbookCommand {
    /// The price table in force and where each row came from.
    struct Prices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the prices in force (USD per million tokens) and whether each is built in or from the config.",
            discussion: """
                Override or add prices, and map custom deployment names to models, in meterbook.toml (beside the \
                database, or --config):

                  [prices."gpt-4o"]
                  input = 2.25
                  cached_input = 1.10
                  output = 9.00

                  [deployments.prod-chat]
                  model = "gpt-4o"
                  data_zone = true

                Then 'meterbook reprice --from DAY' recomputes stored costs.
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "Output format: table or json.")
        var format: TableOrJSON = .table

        func run() async throws {
            let listing = PriceListing(config: try store.loadConfig())
            switch format {
            case .table: Console.out(listing.text())
            case .json: Console.out(listing.json().render(pretty: true))
            }
        }
    }
}
