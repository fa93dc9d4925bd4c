/// `meterbook prices`: the price table in force, where each row came from, and the config's deployment mappings.
public struct PriceListing: Sendable {
    public var prices: [ModelPrice]
    public var deployments: [(name: String, model: String?, dataZone: Bool)]
    /// The config file the overrides came from, if any.
    public var configPath: String?

    public init(config: MeterbookConfig) {
        prices = config.costPolicy.prices.prices
        deployments = config.deployments.keys.sorted().map { ($0, config.deployments[$0]?.model, config.deployments[$0]?.dataZone ?? false) }
        configPath = config.path
    }

    /// CONTRACT.md's `{"prices":[...]}` (absent fields: not priced), plus the deployment mappings.
    public func json() -> JSONNode {
        .object([
            ("prices", .array(prices.map { price in
                var members: [(String, JSONNode)] = [("model", .string(price.model))]
                let fields: [(String, Double?)] = [
                    ("input", price.input), ("cached_input", price.cachedInput), ("cache_write_5m", price.cacheWrite5m),
                    ("cache_write_1h", price.cacheWrite1h), ("cache_read", price.cacheRead), ("output", price.output),
                    ("long_context_threshold", price.longContextThreshold.map(Double.init)),
                    ("long_context_multiplier_input", price.longContextMultiplierInput),
                    ("long_context_multiplier_output", price.longContextMultiplierOutput),
                ]
                for (name, value) in fields {
                    guard let value else { continue }
                    members.append((name, name == "long_context_threshold" ? .integer(Int64(value)) : .number(value)))
                }
                members.append(("source", .string(price.source)))
                return .object(members)
            })),
            ("deployments", .array(deployments.map { entry in
                .object([("name", .string(entry.name)), ("model", .text(entry.model)), ("data_zone", .bool(entry.dataZone))])
            })),
        ])
    }

    public func text() -> String {
        func money(_ value: Double?) -> String {
            guard let value else { return "—" }
            // Two decimals where they are exact (2.50, 0.10), else as many as the price has (0.125, 0.0275).
            let cents = value * 100
            return abs(cents - cents.rounded()) < 1e-9 ? String(format: "%.2f", value) : String(format: "%g", value)
        }
        var table = TextTable(headers: ["model", "input", "cached in", "write 5m", "write 1h", "cache read", "output", "long context", "source"],
                              rightAligned: Set(1...6))
        table.rows = prices.map { price in
            var longContext = "—"
            if let threshold = price.longContextThreshold {
                longContext = ">\(threshold / 1000)k: in ×\(money(price.longContextMultiplierInput ?? 1)), out ×\(money(price.longContextMultiplierOutput ?? 1))"
            }
            return [price.model, money(price.input), money(price.cachedInput), money(price.cacheWrite5m), money(price.cacheWrite1h),
                    money(price.cacheRead), money(price.output), longContext, price.source]
        }
        var lines = ["USD per million tokens (— not priced). Overrides: " + (configPath ?? "none (no config file)"), table.render()]
        if !deployments.isEmpty {
            var mapping = TextTable(headers: ["deployment", "model", "data zone"], rightAligned: [])
            mapping.rows = deployments.map { [$0.name, $0.model ?? "(as reported)", $0.dataZone ? "yes (×1.10)" : "no"] }
            lines.append("")
            lines.append(mapping.render())
        }
        return lines.joined(separator: "\n")
    }
}
