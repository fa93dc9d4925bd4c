/// How an attempt's cost is computed: the price table plus per-deployment settings from config.
public struct CostPolicy: Sendable {
    public var prices: PriceTable
    /// Custom deployment names mapped to the model they serve (used when the response does not say).
    public var deploymentModels: [String: String]
    /// Deployments of the Data Zone type, billed at Global × 1.10.
    public var dataZoneDeployments: Set<String>

    public init(prices: PriceTable = .builtin, deploymentModels: [String: String] = [:], dataZoneDeployments: Set<String> = []) {
        self.prices = prices
        self.deploymentModels = deploymentModels
        self.dataZoneDeployments = dataZoneDeployments
    }

    public static let builtin = CostPolicy()

    /// The model to price: the one the service reported, else the config mapping, else the deployment name
    /// (Azure deployments are often named after their model).
    public func pricedModel(reported: String?, deployment: String?) -> String? {
        if let reported, prices.price(for: reported) != nil { return reported }
        if let deployment, let mapped = deploymentModels[deployment] { return mapped }
        if let reported { return reported }
        return deployment
    }

    /// Cost in USD; nil when the model has no price; 0 for an attempt without usage (nothing was billed).
    public func cost(usage: TokenUsage?, reportedModel: String?, deployment: String?) -> Double? {
        let uplift = deployment.map { dataZoneDeployments.contains($0) ? 1.10 : 1.0 } ?? 1.0
        // The usual case, a priced reported model, looks its price up once.
        if let reportedModel, let price = prices.price(for: reportedModel) {
            return prices.cost(of: usage, price: price, uplift: uplift)
        }
        let model = pricedModel(reported: reportedModel, deployment: deployment)
        return prices.cost(of: usage, model: model, uplift: uplift)
    }
}
