import Foundation
import Meterbook
import MeterbookSimulator

/// Issue 2's goals, measured in one run against the loopback simulator:
/// - caller-visible overhead of recording: the same calls with recording on and off, p50 and p99
///   (goal: at most 5% of a loopback call);
/// - raw recorder throughput in attempts per second (goal: at least 50,000).
enum RecorderBenchmark {
    static func run(_ arguments: [String]) async throws {
        let calls = Int(value(of: "--calls", in: arguments) ?? "") ?? 3000
        let rows = Int(value(of: "--rows", in: arguments) ?? "") ?? 500_000
        let batchSize = Int(value(of: "--batch-size", in: arguments) ?? "") ?? Recorder.Options().batchSize
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("meterbook-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }

        let simulator = AzureSimulator()
        try await simulator.start()
        let store = try MeterbookStore(path: folder.appendingPathComponent("overhead.sqlite").path)
        let recorder = Recorder(store: store)
        let endpoint = try Endpoint.azureOpenAI(baseURL: simulator.baseURL)
        let recording = MeterbookClient(endpoint: endpoint, credential: .apiKey("bench"), recorder: recorder)
        let notRecording = MeterbookClient(endpoint: endpoint, credential: .apiKey("bench"), recorder: nil)
        let request = CallRequest.chat(deployment: "gpt-4o", message: "Write a one-sentence bedtime story about a unicorn.")
        let bare = TransportRequest(method: "POST", url: try endpoint.url(for: .chatCompletions, deployment: nil),
                                    headers: ["api-key": "bench", "content-type": "application/json"], body: request.body)

        // Warm up connections, caches and the simulator.
        for _ in 0..<300 {
            _ = try await recording.send(request)
            _ = try await notRecording.send(request)
            try await drain(bare)
        }
        // Interleaved, one call at a time, so drift in machine load hits all three alike.
        var on: [Double] = [], off: [Double] = [], plain: [Double] = []
        for index in 0..<calls {
            let order = index % 3
            for step in 0..<3 {
                switch (order + step) % 3 {
                case 0: on.append(try await timed { _ = try await recording.send(request) })
                case 1: off.append(try await timed { _ = try await notRecording.send(request) })
                default: plain.append(try await timed { try await drain(bare) })
                }
            }
        }
        await recorder.flush()
        let recorded = try store.count()
        recorder.close()
        await simulator.stop()

        let throughput = try recorderThroughput(rows: rows, batchSize: batchSize, folder: folder)

        print("### Recording overhead on a loopback call (\(calls) calls each, interleaved, one at a time)")
        print("")
        print("| path | p50 | p99 | mean |")
        print("|---|---|---|---|")
        for (name, samples) in [("bare libcurl transport, no Meterbook", plain), ("client, recording off", off), ("client, recording on", on)] {
            print("| \(name) | \(ms(percentile(samples, 50))) | \(ms(percentile(samples, 99))) | \(ms(samples.reduce(0, +) / Double(samples.count))) |")
        }
        print("")
        let p50 = overhead(on, off, 50), p99 = overhead(on, off, 99)
        print("Recording on vs off: p50 \(percent(p50)), p99 \(percent(p99)) (goal ≤ 5%: \(p50 <= 0.05 && p99 <= 0.05 ? "met" : "not met")). "
              + "Whole metering (observer + recorder) vs the bare transport: p50 \(percent(overhead(on, plain, 50))), p99 \(percent(overhead(on, plain, 99))). "
              + "Rows recorded: \(recorded).")
        print("")
        print("### Recorder throughput")
        print("")
        print("| path | attempts/s |")
        print("|---|---|")
        print("| `Recorder.record` of \(rows) attempts until flushed (queue + writer thread + SQLite WAL; batches up to \(batchSize)) | \(Int(throughput.recorder)) |")
        print("| `MeterbookStore.insert`, batches of 2,000 in one transaction | \(Int(throughput.store)) |")
        print("")
        print("Goal ≥ 50,000 attempts/s: \(throughput.recorder >= 50_000 ? "met" : "not met").")
    }

    private static func recorderThroughput(rows: Int, batchSize: Int, folder: URL) throws -> (recorder: Double, store: Double) {
        var template = AttemptRecord(callID: "", attempt: 1, startedAt: Int64(Date().timeIntervalSince1970 * 1000),
                                     provider: .azureOpenAI, api: .chatCompletions, endpoint: "myres.openai.azure.com",
                                     deployment: "gpt-4o", path: "/openai/v1/chat/completions", status: 200, tags: ["app": "bench"])
        template.model = "gpt-4o-2024-11-20"
        template.latencyMs = 812.5
        template.ttfbMs = 240.1
        template.inputTokens = 1200
        template.outputTokens = 300
        template.totalTokens = 1500
        template.cachedInputTokens = 1024
        template.usageJSON = #"{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":1024}}"#
        template.costUSD = 0.0049
        template.region = "East US"
        let records = (0..<rows).map { index -> AttemptRecord in
            var record = template
            record.callID = CallID.make()
            record.responseID = "chatcmpl-\(index)"
            record.requestID = UUID().uuidString
            record.apimRequestID = UUID().uuidString
            record.startedAt += Int64(index)
            return record
        }
        let recorderStore = try MeterbookStore(path: folder.appendingPathComponent("recorder.sqlite").path)
        var options = Recorder.Options()
        options.maxQueued = rows  // all rows are queued at once here; none may be dropped
        options.batchSize = batchSize
        let recorder = Recorder(store: recorderStore, options: options)
        let start = DispatchTime.now().uptimeNanoseconds
        for record in records { recorder.record(record) }
        recorder.flush(timeout: 600)
        let recorderRate = Double(rows) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        recorder.close()
        let stored = try recorderStore.count()
        precondition(stored == rows && recorder.statistics.dropped == 0, "the recorder lost rows")

        let store = try MeterbookStore(path: folder.appendingPathComponent("store.sqlite").path)
        let storeStart = DispatchTime.now().uptimeNanoseconds
        var index = 0
        while index < records.count {
            try store.insert(Array(records[index..<min(index + 2000, records.count)]))
            index += 2000
        }
        let storeRate = Double(rows) / (Double(DispatchTime.now().uptimeNanoseconds - storeStart) / 1e9)
        return (recorderRate, storeRate)
    }

    private static func drain(_ request: TransportRequest) async throws {
        for try await _ in CurlTransport.shared.execute(request) {}
    }

    private static func timed(_ body: () async throws -> Void) async throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try await body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    /// Nearest rank, as the reports compute it.
    static func percentile(_ samples: [Double], _ p: Double) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sorted = samples.sorted()
        let rank = min(max(Int((p / 100 * Double(sorted.count)).rounded(.up)), 1), sorted.count)
        return sorted[rank - 1]
    }

    private static func overhead(_ measured: [Double], _ baseline: [Double], _ p: Double) -> Double {
        percentile(measured, p) / percentile(baseline, p) - 1
    }

    static func ms(_ value: Double) -> String { String(format: "%.3f ms", value) }
    static func percent(_ value: Double) -> String { String(format: "%+.1f%%", value * 100) }

    static func value(of option: String, in arguments: [String]) -> String? {
        guard let index = arguments.firstIndex(of: option), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }
}
