import Foundation
import TOMLKit

/// `meterbook.toml`: deployment-to-model mappings, price overrides and the proxy's sections (see `ProxyConfig`).
/// Every section is optional.
///
/// ```toml
/// [deployments.prod-chat]
/// model = "gpt-4o"          # what the deployment serves, when responses do not say
/// data_zone = true          # Data Zone deployment: Global price × 1.10
///
/// [prices."gpt-4o"]         # USD per million tokens; replaces the built-in row
/// input = 2.25
/// cached_input = 1.10
/// output = 9.00
///
/// [auth]                    # how `meterbook call` (and the proxy) authenticate
/// mode = "entra"            # "key" (default) or "entra" (Entra ID via DefaultAzureCredential's chain)
/// scope = "https://cognitiveservices.azure.com/.default"   # optional; default depends on the endpoint
///
/// [retention]               # `meterbook rotate` and the proxy's daily rotation
/// days = 30                 # whole days before today kept in the database
/// auto_rotate = true        # the proxy rotates once a day on its own (false: only `meterbook rotate`)
/// ```
public struct MeterbookConfig: Sendable, Equatable {
    /// The `[auth]` section.
    public struct Auth: Sendable, Equatable {
        public var mode: AuthMode?
        public var scope: String?
        public init(mode: AuthMode? = nil, scope: String? = nil) {
            self.mode = mode
            self.scope = scope
        }
    }

    /// The `[retention]` section.
    public struct Retention: Sendable, Equatable {
        /// Whole days before today kept live (default 30).
        public var days: Int?
        /// Whether long-running processes rotate on their own (default true).
        public var autoRotate: Bool?
        public init(days: Int? = nil, autoRotate: Bool? = nil) {
            self.days = days
            self.autoRotate = autoRotate
        }
    }

    /// The `[ship]` section: where and how often to ship attempts to a central PostgreSQL store.
    public struct Ship: Sendable, Equatable {
        /// A postgres:// URL; nil: the libpq environment (PGHOST, ...) when `meterbook ship` runs without `--to`.
        public var to: String?
        /// Seconds between passes of a continuous shipper (`every = "10s"` or `every = 10`).
        public var every: Double?
        /// Attempts per batch (default 10000).
        public var batch: Int?
        /// Whole days before today the central store keeps; older day partitions are dropped. nil: keep all.
        public var retentionDays: Int?
        public init(to: String? = nil, every: Double? = nil, batch: Int? = nil, retentionDays: Int? = nil) {
            self.to = to
            self.every = every
            self.batch = batch
            self.retentionDays = retentionDays
        }
        /// Whether the section says anything; the proxy ships only when it does.
        public var isConfigured: Bool { to != nil || every != nil || batch != nil || retentionDays != nil }
    }

    /// `10s`, `5m`, `1h`, `250ms` or a plain number of seconds; nil when not a positive duration.
    public static func parseDuration(_ text: String) -> Double? {
        let text = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value > 0, value.isFinite { return value * factor }
        }
        if let value = Double(text), value > 0, value.isFinite { return value }
        return nil
    }

    public struct Deployment: Sendable, Equatable {
        public var model: String?
        public var dataZone: Bool
    }

    /// `[proxy]` and `[upstreams]`, for `meterbook proxy`.
    public var proxy = ProxyConfig()
    public var deployments: [String: Deployment] = [:]
    public var prices: [ModelPrice] = []
    public var auth = Auth()
    public var retention = Retention()
    public var ship = Ship()
    /// The file this came from, when any.
    public var path: String?

    public init() {}

    public var costPolicy: CostPolicy {
        CostPolicy(
            prices: PriceTable(overrides: prices),
            deploymentModels: deployments.compactMapValues(\.model),
            dataZoneDeployments: Set(deployments.filter { $0.value.dataZone }.keys)
        )
    }

    /// Where the config is: `--config`, else `$METERBOOK_CONFIG`, else `meterbook.toml` beside the database.
    /// `required` is true when the user named the file, so a missing one is an error.
    public static func location(explicit: String?, databasePath: String,
                                environment: [String: String] = ProcessInfo.processInfo.environment) -> (path: String, required: Bool) {
        if let explicit, !explicit.isEmpty { return (StoreLocation.expand(explicit), true) }
        if let fromEnvironment = environment["METERBOOK_CONFIG"], !fromEnvironment.isEmpty { return (StoreLocation.expand(fromEnvironment), true) }
        let folder = (databasePath as NSString).deletingLastPathComponent
        return ((folder as NSString).appendingPathComponent("meterbook.toml"), false)
    }

    /// Loads the config at `path`; a missing optional file gives the empty config.
    public static func load(path: String, required: Bool) throws -> MeterbookConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw ConfigError("No config file at \(path): create it or drop --config / METERBOOK_CONFIG.") }
            return MeterbookConfig()
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError("Could not read the config file \(path): check its permissions.")
        }
        var config = try parse(text, source: path)
        config.path = path
        return config
    }

    /// Parses TOML text; `source` names it in error messages.
    public static func parse(_ text: String, source: String = "config") throws -> MeterbookConfig {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError("\(source):\(error.source.begin.line): \(error.description). Fix the TOML syntax there.")
        } catch {
            throw ConfigError("\(source) is not valid TOML: \(error). Fix the syntax.")
        }
        var config = MeterbookConfig()
        config.proxy = try ProxyConfig.parse(table, source: source)
        if let deployments = table["deployments"]?.table {
            for (name, value) in deployments {
                guard let entry = value.table else {
                    throw ConfigError("\(source): [deployments.\(name)] must be a table, e.g. model = \"gpt-4o\".")
                }
                config.deployments[name] = Deployment(model: entry["model"]?.string, dataZone: entry["data_zone"]?.bool ?? false)
            }
        }
        if let prices = table["prices"]?.table {
            for (model, value) in prices {
                guard let entry = value.table else {
                    throw ConfigError("\(source): [prices.\"\(model)\"] must be a table, e.g. input = 2.5 and output = 10.")
                }
                func number(_ key: String) throws -> Double? {
                    guard let raw = entry[key] else { return nil }
                    if let double = raw.double { return double }
                    if let int = raw.int { return Double(int) }
                    throw ConfigError("\(source): prices.\"\(model)\".\(key) must be a number of USD per million tokens.")
                }
                var price = ModelPrice(
                    model: model, input: try number("input"), cachedInput: try number("cached_input"),
                    cacheWrite5m: try number("cache_write_5m"), cacheWrite1h: try number("cache_write_1h"),
                    cacheRead: try number("cache_read"), output: try number("output"),
                    longContextMultiplierInput: try number("long_context_multiplier_input"),
                    longContextMultiplierOutput: try number("long_context_multiplier_output"), source: "config"
                )
                price.longContextThreshold = try number("long_context_threshold").map { Int($0) }
                config.prices.append(price)
            }
        }
        if let auth = table["auth"] {
            guard let entry = auth.table else {
                throw ConfigError("\(source): [auth] must be a table, e.g. mode = \"entra\".")
            }
            if let raw = entry["mode"] {
                guard let text = raw.string, let mode = AuthMode(rawValue: text) else {
                    throw ConfigError("\(source): auth.mode must be \"key\" or \"entra\".")
                }
                config.auth.mode = mode
            }
            if let raw = entry["scope"] {
                guard let scope = raw.string, !scope.isEmpty else {
                    throw ConfigError("\(source): auth.scope must be a scope URL, e.g. \"https://cognitiveservices.azure.com/.default\".")
                }
                config.auth.scope = scope
            }
        }
        if let retention = table["retention"] {
            guard let entry = retention.table else {
                throw ConfigError("\(source): [retention] must be a table, e.g. days = 30.")
            }
            if let raw = entry["days"] {
                guard let days = raw.int, (0...36_500).contains(days) else {
                    throw ConfigError("\(source): retention.days must be a whole number of days between 0 and 36500, e.g. 30.")
                }
                config.retention.days = days
            }
            if let raw = entry["auto_rotate"] {
                guard let value = raw.bool else {
                    throw ConfigError("\(source): retention.auto_rotate must be true or false.")
                }
                config.retention.autoRotate = value
            }
        }
        if let ship = table["ship"] {
            guard let entry = ship.table else {
                throw ConfigError("\(source): [ship] must be a table, e.g. to = \"postgres://meterbook@db.example.com/meterbook\".")
            }
            if let raw = entry["to"] {
                guard let to = raw.string, !to.isEmpty else {
                    throw ConfigError("\(source): ship.to must be a postgres:// URL, e.g. \"postgres://meterbook@db.example.com/meterbook\".")
                }
                config.ship.to = to
            }
            if let raw = entry["every"] {
                guard let seconds = raw.string.flatMap(parseDuration) ?? raw.int.map(Double.init) ?? raw.double, seconds > 0 else {
                    throw ConfigError("\(source): ship.every must be a duration such as \"10s\", \"5m\" or a number of seconds.")
                }
                config.ship.every = seconds
            }
            if let raw = entry["batch"] {
                guard let batch = raw.int, (1...1_000_000).contains(batch) else {
                    throw ConfigError("\(source): ship.batch must be a whole number of attempts between 1 and 1000000, e.g. 10000.")
                }
                config.ship.batch = batch
            }
            if let raw = entry["retention_days"] {
                guard let days = raw.int, (1...36_500).contains(days) else {
                    throw ConfigError("\(source): ship.retention_days must be a whole number of days between 1 and 36500, e.g. 400.")
                }
                config.ship.retentionDays = days
            }
        }
        return config
    }
}

/// A config file that cannot be used; the message names the file and the fix.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
