/// Stable per-deployment facts: served model, region, model session, rate limits.
///
/// Derived from the seed and the deployment name only, so a deployment keeps its region and
/// limits for the whole run and across runs with the same seed.
struct DeploymentProfile: Sendable {
    struct Limits: Sendable {
        var requests: Int
        var tokens: Int
    }

    var deployment: String
    var model: String
    var region: String
    var modelSession: String
    var systemFingerprint: String
    var limits: Limits

    /// Deployment alias → the snapshot the service reports. Unknown names are reported unchanged.
    static let servedModels: [String: String] = [
        "gpt-4o": "gpt-4o-2024-11-20",
        "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
        "gpt-4.1": "gpt-4.1-2025-04-14",
        "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
        "gpt-5": "gpt-5-2025-08-07",
        "gpt-5-mini": "gpt-5-mini-2025-08-07",
        "o4-mini": "o4-mini-2025-04-16",
        "text-embedding-3-small": "text-embedding-3-small",
        "text-embedding-3-large": "text-embedding-3-large",
        "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
        "claude-haiku-4-5": "claude-haiku-4-5-20251001",
        "claude-opus-4-6": "claude-opus-4-6",
        "claude-opus-4-5": "claude-opus-4-5-20251101",
    ]

    static let openAIRegions = [
        "East US", "East US 2", "Sweden Central", "West Europe", "North Central US", "France Central",
        "Japan East", "UK South", "Switzerland North", "Australia East", "South Central US", "West US 3",
    ]
    // Claude on Foundry is offered in fewer regions.
    static let anthropicRegions = ["East US 2", "Sweden Central", "West US"]

    init(deployment: String, seed: UInt64, anthropic: Bool) {
        var rng = SeededGenerator(seed: seed, SeededGenerator.hash(deployment), 0xDE91)
        self.deployment = deployment
        self.model = DeploymentProfile.servedModels[deployment] ?? deployment
        self.region = rng.pick(anthropic ? DeploymentProfile.anthropicRegions : DeploymentProfile.openAIRegions)
        let stamp = "2025" + String(format2: rng.int(in: 1...12)) + String(format2: rng.int(in: 1...28))
            + String(format2: rng.int(in: 0...23)) + String(format2: rng.int(in: 0...59)) + String(format2: rng.int(in: 0...59))
        self.modelSession = "d" + String(rng.int(in: 100...999)) + "-" + stamp
        self.systemFingerprint = "fp_" + Identifiers.random(10, from: Identifiers.hexDigits, using: &rng)
        let requests = rng.pick([300, 1000, 3000, 6000])
        self.limits = Limits(requests: requests, tokens: requests * rng.pick([150, 300, 1000]))
    }

    /// Reasoning models put hidden reasoning tokens inside their output tokens.
    var isReasoningModel: Bool {
        let name = model.lowercased()
        if name.hasPrefix("gpt-5") { return true }
        guard let first = name.first, first == "o", name.count > 1 else { return false }
        return name[name.index(after: name.startIndex)].isNumber
    }
}

extension String {
    /// Two-digit zero-padded number.
    init(format2 value: Int) {
        self = value < 10 ? "0" + String(value) : String(value)
    }
}
