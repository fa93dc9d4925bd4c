import Testing
@testable import Meterbook

/// The `[ship]` section of meterbook.toml.
struct ShipConfigTests {
    @Test func readsEveryKey() throws {
        let config = try MeterbookConfig.parse("""
            [ship]
            to = "postgres://meterbook@db.example.com/meterbook"
            every = "5m"
            batch = 5000
            retention_days = 400
            """)
        #expect(config.ship == .init(to: "postgres://meterbook@db.example.com/meterbook", every: 300, batch: 5000, retentionDays: 400))
        #expect(config.ship.isConfigured)
        #expect(try MeterbookConfig.parse("[ship]\nevery = 15").ship.every == 15)
        #expect(!(try MeterbookConfig.parse("").ship.isConfigured))
    }

    @Test func durations() {
        #expect(MeterbookConfig.parseDuration("10s") == 10)
        #expect(MeterbookConfig.parseDuration("250ms") == 0.25)
        #expect(MeterbookConfig.parseDuration("1h") == 3600)
        #expect(MeterbookConfig.parseDuration("7") == 7)
        #expect(MeterbookConfig.parseDuration("-1s") == nil)
        #expect(MeterbookConfig.parseDuration("soon") == nil)
    }

    @Test func badValuesNameTheKey() {
        #expect(throws: ConfigError.self) { try MeterbookConfig.parse("[ship]\nevery = \"often\"") }
        #expect(throws: ConfigError.self) { try MeterbookConfig.parse("[ship]\nbatch = 0") }
        #expect(throws: ConfigError.self) { try MeterbookConfig.parse("[ship]\nretention_days = \"x\"") }
        #expect(throws: ConfigError.self) { try MeterbookConfig.parse("ship = 3") }
    }
}
