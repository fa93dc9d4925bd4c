import Foundation
import Testing
@testable import MeterbookSimulator
import Meterbook

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The simulator's public API from async code: scripting, served log, determinism, stop and restart.
@Suite struct SimulatorTests {
    func post(_ url: String, _ body: String, headers: [String: String] = ["api-key": "k"]) async throws -> (Int, [String: String], Data) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (k, v) in http.allHeaderFields { fields[String(describing: k).lowercased()] = String(describing: v) }
        return (http.statusCode, fields, data)
    }

    @Test func scriptedFaultsAndServedLog() async throws {
        let sim = AzureSimulator(configuration: .init(seed: 1))
        try await sim.start()
        #expect(sim.port > 0)
        #expect(sim.baseURL == "http://127.0.0.1:\(sim.port)")
        sim.enqueue([.throttle(retryAfterMs: 80, retryAfterSeconds: 1)], deployment: "gpt-4o")
        sim.enqueue([.serverError(status: 529)])
        let body = #"{"model":"gpt-4o-mini","input":"hi"}"#
        // The deployment-specific fault waits for gpt-4o; the any-deployment one is taken first.
        let (s1, _, _) = try await post(sim.baseURL + "/openai/v1/responses", body)
        #expect(s1 == 529)
        let (s2, _, _) = try await post(sim.baseURL + "/openai/v1/responses", body)
        #expect(s2 == 200)
        let (s3, h3, _) = try await post(sim.baseURL + "/openai/v1/responses", #"{"model":"gpt-4o","input":"hi"}"#,
                                         headers: ["api-key": "k", "x-ms-client-request-id": "call-1", "x-stainless-retry-count": "2"])
        #expect(s3 == 429)
        #expect(h3["retry-after-ms"] == "80")
        let served = sim.served()
        #expect(served.map(\.status) == [529, 200, 429])
        #expect(served[1].usageJSON != nil && served[1].model == "gpt-4o-mini-2024-07-18")
        #expect(served[2].clientRequestID == "call-1" && served[2].retryCount == 2 && served[2].fault == "throttle")
        #expect(served[2].requestID == h3["x-request-id"])
        sim.resetServed()
        #expect(sim.served().isEmpty)
        await sim.stop()
        await sim.stop()
    }

    @Test func sameSeedSameAnswers() async throws {
        func run() async throws -> [ServedAttempt] {
            let sim = AzureSimulator(configuration: .init(seed: 99, throttleRate: 0.2, serverErrorRate: 0.2))
            try await sim.start()
            for i in 0..<12 {
                _ = try await post(sim.baseURL + "/anthropic/v1/messages", #"{"model":"claude-opus-4-6","max_tokens":\#(i * 40),"messages":[]}"#,
                                   headers: ["x-api-key": "k", "anthropic-version": "2023-06-01"])
            }
            let served = sim.served()
            await sim.stop()
            return served
        }
        let a = try await run()
        let b = try await run()
        #expect(a == b)
        #expect(Set(a.map(\.status)).count > 1)
    }

    @Test func closingEventsOfAPacedStreamComeInOneBurst() async throws {
        // 1 s between generated events; the ones after the last generated step carry no tokens and follow at once,
        // as a model's do. Paced, message_stop would come 2 s after content_block_stop.
        let sim = AzureSimulator(configuration: .init(streamChunkIntervalMs: 1_000))
        try await sim.start()
        let request = TransportRequest(
            method: "POST", url: sim.baseURL + "/anthropic/v1/messages",
            headers: ["x-api-key": "k", "anthropic-version": "2023-06-01"],
            body: Data(#"{"model":"claude-haiku-4-5","max_tokens":1,"messages":[],"stream":true}"#.utf8), timeout: 60)
        var text = ""
        var stopSeen: ContinuousClock.Instant?
        var gap: Duration?
        for try await event in CurlTransport().execute(request) {
            guard case .body(let chunk) = event else { continue }
            text += String(decoding: chunk, as: UTF8.self)
            if stopSeen == nil, text.contains("event: content_block_stop") { stopSeen = .now }
            if gap == nil, text.contains("event: message_stop"), let stopSeen { gap = .now - stopSeen }
        }
        #expect(text.contains("event: message_delta"))
        #expect(try #require(gap) < .seconds(1))
        await sim.stop()
    }

    @Test func stopCutsStalledStreams() async throws {
        let sim = AzureSimulator(configuration: .init(streamChunkIntervalMs: 5_000))
        try await sim.start()
        let url = sim.baseURL + "/openai/v1/chat/completions"
        let pending = Task { try? await post(url, #"{"model":"gpt-4o","stream":true}"#) }
        try await Task.sleep(for: .milliseconds(300))
        let clock = ContinuousClock()
        let elapsed = await clock.measure { await sim.stop() }
        // The stream would run for about a minute (5 s between events); stop gives it 2 s of grace, then cuts it.
        // The bound is loose because the suite runs many processes at once on 2 cores.
        #expect(elapsed < .seconds(30))
        _ = await pending.value
        // Restart on the same object works.
        try await sim.start()
        let (status, _, _) = try await post(sim.baseURL + "/openai/v1/embeddings", #"{"model":"text-embedding-3-small","input":"x"}"#)
        #expect(status == 200)
        await sim.stop()
    }

    @Test func busyPortThrowsAndConcurrentStartsShareOneServer() async throws {
        let first = AzureSimulator()
        async let a: Void = first.start()
        async let b: Void = first.start()
        _ = try await (a, b)
        let second = AzureSimulator(configuration: .init(port: first.port))
        await #expect(throws: SimulatorError.self) { try await second.start() }
        #expect(second.port == 0)
        await first.stop()
    }

    @Test func faultJSON() throws {
        let decoded = try JSONDecoder().decode(
            [SimulatedFault].self,
            from: Data(#"["ok",{"type":"throttle","retry_after_ms":5},{"type":"server_error","status":503},{"delay":{"ms":9}},"stream_cut"]"#.utf8))
        #expect(decoded == [.ok, .throttle(retryAfterMs: 5, retryAfterSeconds: nil), .serverError(status: 503), .delay(ms: 9), .streamCut])
        let all: [SimulatedFault] = [.ok, .throttle(retryAfterMs: 1, retryAfterSeconds: 2), .serverError(status: 502), .noRetryServerError,
            .badRequest, .contentFilter, .unauthorized, .htmlBadGateway, .truncatedJSON, .wrongShape, .midStreamError,
            .responseFailed, .streamCut, .delay(ms: 3)]
        let round = try JSONDecoder().decode([SimulatedFault].self, from: JSONEncoder().encode(all))
        #expect(round == all)
    }

    /// `/_sim/echo` reports body digests with the simulator's own SHA-256 (no crypto dependency): FIPS 180-4 vectors.
    @Test func sha256MatchesKnownVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
