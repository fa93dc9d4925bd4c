import Foundation
import Logging
import Meterbook
import MeterbookProxy
import MeterbookSimulator

/// Issue 5's goals, in one run on loopback: the same load sent straight to the simulator and through the
/// recording proxy (recording into a real SQLite file), at 1, 50 and 200 concurrent clients, streaming and not.
/// Reports added latency (p50, p99), time to first token, and throughput through the proxy against direct.
///
/// Two layouts. `split` (the default) runs the real `meterbook proxy` binary in its own process on CPU 1 and the
/// clients and simulator in this process on CPU 0: as in production, where the upstream is another machine, the
/// proxy's work does not take CPU from the upstream, so the comparison shows what the proxy adds and whether it
/// keeps up. `shared` runs all three in this process on every core, so with an instant upstream the proxy's CPU
/// per call is what the ratio measures.
///
/// With `--baseline PATH` (split layout), a second proxy binary runs beside the first, each behind its own simulator,
/// and every cell measures both, in alternating order, right after the same direct run: an A/B in one run, as the
/// machine's speed drifts by tens of percent from one minute to the next.
///
/// `meterbook-benchmark proxy [--layout split|shared] [--requests N] [--concurrency 1,50,200] [--only json|stream] [--meterbook PATH] [--baseline PATH]`
enum ProxyBenchmark {
    struct Sample {
        var latencyMs: Double
        var ttftMs: Double?
    }

    struct Result {
        var samples: [Sample]
        var seconds: Double
        var failures: Int

        var throughput: Double { Double(samples.count) / seconds }
        func latency(_ p: Double) -> Double { percentile(samples.map(\.latencyMs), p) }
        func ttft(_ p: Double) -> Double { percentile(samples.compactMap(\.ttftMs), p) }
    }

    static func run(_ arguments: [String]) async throws {
        var requestsPerRun = 2_000
        var levels = [1, 50, 200]
        var modes = [false, true]
        var split = true
        var meterbook = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("meterbook").path
        var baseline: String?
        var options = BenchmarkArguments(
            arguments,
            usage: "--requests N --concurrency N,N,... --only json|stream --layout split|shared --meterbook PATH --baseline PATH")
        while let argument = options.next() {
            switch argument {
            case "--requests": requestsPerRun = try options.int(for: argument)
            case "--concurrency":
                let text = try options.string(for: argument)
                levels = text.split(separator: ",").compactMap { Int($0) }
                guard !levels.isEmpty, levels.allSatisfy({ $0 > 0 }) else {
                    throw BenchmarkError("--concurrency takes client counts separated by commas, such as 1,50,200 (got \"\(text)\")")
                }
            case "--only":
                switch try options.string(for: argument) {
                case "json": modes = [false]
                case "stream": modes = [true]
                case let other: throw BenchmarkError("--only takes json or stream (got \"\(other)\")")
                }
            case "--layout":
                switch try options.string(for: argument) {
                case "split": split = true
                case "shared": split = false
                case let other: throw BenchmarkError("--layout takes split or shared (got \"\(other)\")")
                }
            case "--meterbook": meterbook = try options.string(for: argument)
            case "--baseline": baseline = try options.string(for: argument)
            default: throw options.unknown(argument)
            }
        }

        let cores = ProcessInfo.processInfo.activeProcessorCount
        if split {
            guard FileManager.default.isExecutableFile(atPath: meterbook) else {
                throw BenchmarkError("no meterbook binary at \(meterbook): build it (swift build -c release --product meterbook) or pass --meterbook")
            }
            guard cores >= 2 else { throw BenchmarkError("--layout split needs 2 CPUs; use --layout shared") }
            if let baseline, !FileManager.default.isExecutableFile(atPath: baseline) {
                throw BenchmarkError("no meterbook binary at \(baseline) (--baseline)")
            }
            try CPUAffinity.pinThisProcess(to: [0])
        } else if baseline != nil {
            throw BenchmarkError("--baseline needs --layout split")
        }
        print("## Recording proxy (`meterbook-benchmark proxy --layout \(split ? "split" : "shared")`)\n")
        if split {
            print("Clients (libcurl) and simulator in the benchmark process, held to CPU 0; the real `meterbook proxy` binary in "
                + "its own process, held to CPU 1, recording every attempt into SQLite. ", terminator: "")
        } else {
            print("Client (libcurl), proxy and simulator in one process on loopback (\(cores) cores); the proxy records every "
                + "attempt into SQLite. ", terminator: "")
        }
        print("Chat Completions on Azure's deployment path. Streams ask for no usage, "
            + "so the proxy adds include_usage and strips its chunk. Each cell: a warm-up, then the same load direct and through "
            + "the proxy. Latency: send to last byte; TTFT: send to the first content delta; added = proxy − direct, per percentile.")
        // Instant: the simulator answers at once, so every cell is bound by CPU (the proxy's cost shows in full).
        // Paced: time to first byte and gaps between events like a real model, so throughput is bound by
        // latency and concurrency, unless the proxy cannot keep up.
        let scenarios: [(title: String, configuration: SimulatorConfiguration, requests: (Int) -> Int)] = [
            ("Instant upstream (answers at once, CPU-bound)", SimulatorConfiguration(seed: 5),
             { $0 == 1 ? requestsPerRun / 4 : requestsPerRun }),
            ("Paced upstream (500 ms to first byte, 20 ms between stream events)",
             SimulatorConfiguration(seed: 5, latencyMs: 500...500, streamChunkIntervalMs: 20),
             { $0 == 1 ? 20 : min(requestsPerRun, $0 * 4) }),
        ]
        for scenario in scenarios {
            print("\n### \(scenario.title)\n")
            try await runScenario(scenario.configuration, levels: levels, modes: modes, requests: scenario.requests,
                                  proxyProcess: split ? meterbook : nil, baselineProcess: baseline)
        }
    }

    /// With `proxyProcess` (a `meterbook` binary), the proxy runs as that binary on CPU 1; else in this process.
    /// With `baselineProcess`, that binary too, measured in every cell beside it.
    static func runScenario(_ simulatorConfiguration: SimulatorConfiguration, levels: [Int], modes: [Bool], requests: (Int) -> Int,
                            proxyProcess: String?, baselineProcess: String? = nil) async throws {
        // Two simulators with the same seed, one reached directly and one behind the proxy: both serve the same
        // sequence of answers (the simulator's randomness follows its request count), so the runs compare alike.
        let simulator = AzureSimulator(configuration: simulatorConfiguration)
        let upstream = AzureSimulator(configuration: simulatorConfiguration)
        try await simulator.start()
        try await upstream.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-proxy-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("bench.sqlite").path
        let proxy: any BenchmarkProxy
        if let proxyProcess {
            proxy = try ProxyProcess(meterbook: proxyProcess, database: database, upstream: upstream.baseURL, cpus: [1])
        } else {
            proxy = try await InProcessProxy.start(database: database, upstream: upstream.baseURL)
        }
        var baseline: (proxy: ProxyProcess, upstream: AzureSimulator)?
        if let baselineProcess {
            let baselineUpstream = AzureSimulator(configuration: simulatorConfiguration)
            try await baselineUpstream.start()
            let process = try ProxyProcess(
                meterbook: baselineProcess, database: folder.appendingPathComponent("baseline.sqlite").path,
                upstream: baselineUpstream.baseURL, cpus: [1])
            baseline = (process, baselineUpstream)
        }
        var comparisons: [String] = []
        let client = CurlTransport(maxConnectionsPerHost: 512)

        print("| mode | clients | requests | direct p50 / p99 ms | proxy p50 / p99 ms | added p50 / p99 ms | direct TTFT p50 | proxy TTFT p50 | TTFT added | direct req/s | proxy req/s | proxy/direct | proxy CPU µs/call |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        do {
            for stream in modes {
                for level in levels {
                    let count = requests(level)
                    let warmUp = min(count, max(level, 100))
                    _ = try await load(client: client, base: simulator.baseURL, stream: stream, concurrency: level, total: warmUp)
                    let direct = try await load(client: client, base: simulator.baseURL, stream: stream, concurrency: level, total: count)
                    func measure(_ proxy: any BenchmarkProxy) async throws -> (result: Result, cpuPerCall: String) {
                        _ = try await load(client: client, base: proxy.baseURL, stream: stream, concurrency: level, total: warmUp)
                        let cpuBefore = proxy.cpuSeconds()
                        let result = try await load(client: client, base: proxy.baseURL, stream: stream, concurrency: level, total: count)
                        let cpuAfter = proxy.cpuSeconds()
                        let cpuPerCall = cpuBefore.flatMap { before in
                            cpuAfter.map { String(format: "%.0f", ($0 - before) / Double(count) * 1e6) }
                        } ?? "–"
                        return (result, cpuPerCall)
                    }
                    // With a baseline, the two proxies take turns going first, so drift does not favour either.
                    var baselineRun: (result: Result, cpuPerCall: String)?
                    let baselineFirst = (comparisons.count % 2) == 0
                    if let baseline, baselineFirst { baselineRun = try await measure(baseline.proxy) }
                    let (proxied, cpuPerCall) = try await measure(proxy)
                    if let baseline, !baselineFirst { baselineRun = try await measure(baseline.proxy) }
                    func f(_ value: Double) -> String { String(format: "%.2f", value) }
                    if let baselineRun {
                        let other = baselineRun.result
                        func added(_ run: Result) -> String {
                            "\(f(run.latency(0.5) - direct.latency(0.5))) / \(f(run.latency(0.99) - direct.latency(0.99)))"
                        }
                        func ttftAdded(_ run: Result) -> String { stream ? f(run.ttft(0.5) - direct.ttft(0.5)) : "–" }
                        func ratio(_ run: Result) -> String { "\(Int((run.throughput / direct.throughput * 100).rounded()))%" }
                        comparisons.append(
                            "| \(stream ? "stream" : "json") | \(level) | \(baselineFirst ? "baseline" : "proxy") | \(added(other)) | \(added(proxied)) | "
                                + "\(ttftAdded(other)) | \(ttftAdded(proxied)) | \(ratio(other)) | \(ratio(proxied)) | "
                                + "\(baselineRun.cpuPerCall) | \(cpuPerCall) |")
                    }
                    let ttft = stream
                        ? [f(direct.ttft(0.5)), f(proxied.ttft(0.5)), f(proxied.ttft(0.5) - direct.ttft(0.5))]
                        : ["–", "–", "–"]
                    print("| \(stream ? "stream" : "json") | \(level) | \(count) | \(f(direct.latency(0.5))) / \(f(direct.latency(0.99))) | "
                        + "\(f(proxied.latency(0.5))) / \(f(proxied.latency(0.99))) | "
                        + "\(f(proxied.latency(0.5) - direct.latency(0.5))) / \(f(proxied.latency(0.99) - direct.latency(0.99))) | "
                        + "\(ttft.joined(separator: " | ")) | \(Int(direct.throughput)) | \(Int(proxied.throughput)) | "
                        + "\(Int((proxied.throughput / direct.throughput * 100).rounded()))% | \(cpuPerCall) |"
                        + (direct.failures + proxied.failures > 0 ? " (\(direct.failures + proxied.failures) failed)" : ""))
                }
            }
        } catch {
            // Never leave a proxy process behind.
            _ = await proxy.stop()
            _ = baseline?.proxy.stop()
            throw error
        }
        print("\nRecorder: \(await proxy.stop())")
        if let baseline {
            print("\nBaseline (`\(baselineProcess ?? "")`) against the proxy above, measured in the same cells after the same direct run:\n")
            print("| mode | clients | first | baseline added p50 / p99 ms | proxy added p50 / p99 ms | baseline TTFT added | proxy TTFT added | baseline proxy/direct | proxy proxy/direct | baseline CPU µs/call | proxy CPU µs/call |")
            print("|---|---|---|---|---|---|---|---|---|---|---|")
            comparisons.forEach { print($0) }
            print("\nBaseline recorder: \(baseline.proxy.stop())")
            await baseline.upstream.stop()
        }
        await simulator.stop()
        await upstream.stop()
    }

    /// Sends `total` requests from `concurrency` clients, each sending its next request when the last one ended.
    static func load(client: CurlTransport, base: String, stream: Bool, concurrency: Int, total: Int) async throws -> Result {
        let url = base + "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
        let body = Data(#"{"messages":[{"role":"user","content":"Say hello."}],"max_tokens":64\#(stream ? #","stream":true"# : "")}"#.utf8)
        let request = TransportRequest(method: "POST", url: url, headers: ["api-key": "bench", "Content-Type": "application/json"], body: body)
        let counter = Counter(limit: total)
        let started = DispatchTime.now().uptimeNanoseconds
        let perWorker = try await withThrowingTaskGroup(of: ([Sample], Int).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var samples: [Sample] = []
                    var failures = 0
                    while counter.next() {
                        if let sample = await one(client: client, request: request) { samples.append(sample) } else { failures += 1 }
                    }
                    return (samples, failures)
                }
            }
            var all: [([Sample], Int)] = []
            for try await result in group { all.append(result) }
            return all
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return Result(samples: perWorker.flatMap(\.0), seconds: seconds, failures: perWorker.reduce(0) { $0 + $1.1 })
    }

    static func one(client: CurlTransport, request: TransportRequest) async -> Sample? {
        let start = DispatchTime.now().uptimeNanoseconds
        var ttft: Double?
        var status = 0
        do {
            for try await event in client.execute(request) {
                switch event {
                case .head(let head): status = head.status
                case .body(let chunk):
                    if ttft == nil, containsContentDelta(chunk) {
                        ttft = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                    }
                case .end: break
                }
            }
        } catch {
            return nil
        }
        guard status == 200 else { return nil }
        return Sample(latencyMs: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6, ttftMs: ttft)
    }

    /// Whether a chunk carries generated text: a `"delta":{"content":"` with a non-empty string.
    static func containsContentDelta(_ chunk: Data) -> Bool {
        let marker = Data(#""delta":{"content":""#.utf8)
        var from = chunk.startIndex
        while let range = chunk.range(of: marker, in: from..<chunk.endIndex) {
            if range.upperBound < chunk.endIndex, chunk[range.upperBound] != UInt8(ascii: "\"") { return true }
            from = range.upperBound
        }
        return false
    }

    /// Hands out request slots to the workers.
    final class Counter: @unchecked Sendable { // `issued` is only touched under `lock`
        private let lock = NSLock()
        private var issued = 0
        private let limit: Int
        init(limit: Int) { self.limit = limit }
        func next() -> Bool {
            lock.withLock {
                guard issued < limit else { return false }
                issued += 1
                return true
            }
        }
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }
}
