/// Where the simulator listens and how it misbehaves when no fault is scripted.
public struct SimulatorConfiguration: Sendable {
    /// Address to bind; loopback by default.
    public var host: String
    /// Port to bind; 0 picks a free port (read it from ``AzureSimulator/port`` after start).
    public var port: Int
    /// Seed for every random choice (ids, token counts, text, random faults), so runs are reproducible.
    public var seed: UInt64
    /// Share of API requests answered 429 when nothing is scripted (0...1).
    public var throttleRate: Double
    /// Share of API requests answered 500/503 (529 `overloaded_error` on the Anthropic path) when nothing is scripted.
    public var serverErrorRate: Double
    /// Latency added before the first response byte, drawn from this range (milliseconds).
    public var latencyMs: ClosedRange<Int>
    /// Delay between SSE events on streaming responses (milliseconds).
    public var streamChunkIntervalMs: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        seed: UInt64 = 42,
        throttleRate: Double = 0,
        serverErrorRate: Double = 0,
        latencyMs: ClosedRange<Int> = 0...0,
        streamChunkIntervalMs: Int = 0
    ) {
        self.host = host
        self.port = port
        self.seed = seed
        self.throttleRate = throttleRate
        self.serverErrorRate = serverErrorRate
        self.latencyMs = latencyMs
        self.streamChunkIntervalMs = streamChunkIntervalMs
    }
}
