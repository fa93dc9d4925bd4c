import Foundation
import Meterbook
@testable import MeterbookProxy
import MeterbookSimulator
import Testing

/// SDK retries through the proxy: one row per attempt, tied into calls, `final` on the last attempt only.
@Suite struct RetryGroupingTests {
    static let path = "/openai/v1/responses"

    func send(_ harness: ProxyHarness, body: String, retry: Int?, callID: String? = nil) async throws -> Int {
        var headers: HTTPHeaders = ["api-key": "k"]
        if let retry { headers.add(name: "x-stainless-retry-count", value: String(retry)) }
        if let callID { headers.add(name: "x-ms-client-request-id", value: callID) }
        return try await TestClient.send(harness.url + Self.path, headers: headers, body: body).status
    }

    @Test func stainlessRetryCountJoinsTheCallAndClearsFinal() async throws {
        let harness = try await ProxyHarness.start()
        harness.simulator.enqueue([.throttle(retryAfterMs: 10, retryAfterSeconds: nil), .serverError(status: 503)])
        let body = #"{"model":"gpt-4o","input":"same"}"#
        #expect(try await send(harness, body: body, retry: 0) == 429)
        #expect(try await send(harness, body: body, retry: 1) == 503)
        #expect(try await send(harness, body: body, retry: 2) == 200)
        // A new call with the same body (retry count 0) and a different body are separate calls.
        #expect(try await send(harness, body: body, retry: 0) == 200)
        #expect(try await send(harness, body: #"{"model":"gpt-4o","input":"other"}"#, retry: 1) == 200)
        let rows = try await harness.rows()
        #expect(rows.count == 5)
        let first = rows[0].callID
        #expect(rows[0...2].allSatisfy { $0.callID == first })
        #expect(rows[0...2].map(\.attempt) == [1, 2, 3])
        #expect(rows[0...2].map(\.final) == [false, false, true])
        #expect(rows[3].callID != first && rows[3].attempt == 1 && rows[3].final)
        // A retry with no earlier attempt in sight is its own call, numbered as the SDK counts.
        #expect(rows[4].callID != first && rows[4].callID != rows[3].callID && rows[4].attempt == 2 && rows[4].final)
        // Upstream saw the call id on every attempt: rows and served log line up.
        let served = harness.simulator.served()
        #expect(served.map(\.clientRequestID) == rows.map(\.callID))
        await harness.stop()
    }

    @Test func applicationCallIDIsTheCallID() async throws {
        let harness = try await ProxyHarness.start()
        harness.simulator.enqueue([.throttle(retryAfterMs: 10, retryAfterSeconds: nil)])
        let body = #"{"model":"gpt-4o","input":"x"}"#
        #expect(try await send(harness, body: body, retry: nil, callID: "app-call-1") == 429)
        #expect(try await send(harness, body: #"{"model":"gpt-4o","input":"changed"}"#, retry: nil, callID: "app-call-1") == 200)
        #expect(try await send(harness, body: body, retry: nil) == 200)
        let rows = try await harness.rows()
        #expect(rows.map(\.callID).prefix(2) == ["app-call-1", "app-call-1"])
        #expect(rows.map(\.attempt) == [1, 2, 1])
        #expect(rows.map(\.final) == [false, true, true])
        #expect(rows[2].callID != "app-call-1")
        #expect(harness.simulator.served().map(\.clientRequestID).prefix(2) == ["app-call-1", "app-call-1"])
        await harness.stop()
    }

    // MARK: The tracker alone

    @Test func trackerPrefersTheCallWhosePreviousTryEnded() {
        let tracker = CallTracker(window: 600)
        let key = CallTracker.Key(method: "POST", path: "/p", body: Data("b".utf8))
        let a = tracker.begin(key: key, retryCount: 0, clientCallID: nil, now: 1)
        let b = tracker.begin(key: key, retryCount: 0, clientCallID: nil, now: 2)
        // `a` ended (429), `b` is still streaming: the retry belongs to `a`, though `b` is more recent.
        #expect(tracker.finish(callID: a.callID, attempt: 1, now: 3))
        let retry = tracker.begin(key: key, retryCount: 1, clientCallID: nil, now: 4)
        #expect(retry == CallTracker.Assignment(callID: a.callID, attempt: 2, continuesCall: true))
        // An attempt that ends after its retry started is not final.
        #expect(tracker.finish(callID: b.callID, attempt: 1, now: 5))
        let late = tracker.begin(key: key, retryCount: 1, clientCallID: nil, now: 6)
        #expect(late.callID == b.callID)
        #expect(tracker.finish(callID: b.callID, attempt: 2, now: 8))
    }

    @Test func trackerForgetsCallsAfterTheWindow() {
        let tracker = CallTracker(window: 1)
        let key = CallTracker.Key(method: "POST", path: "/p", body: Data())
        let first = tracker.begin(key: key, retryCount: 0, clientCallID: nil, now: 0)
        #expect(tracker.finish(callID: first.callID, attempt: 1, now: 1))
        let retry = tracker.begin(key: key, retryCount: 1, clientCallID: nil, now: 3_000_000_000)
        #expect(retry.callID != first.callID && !retry.continuesCall && retry.attempt == 2)
        // The expired call is dropped from memory at the next sweep.
        #expect(tracker.count == 1)
    }

    @Test func aRetryStartedBeforeTheEarlierAttemptEndedLeavesThatAttemptNotFinal() {
        let tracker = CallTracker()
        let key = CallTracker.Key(method: "POST", path: "/p", body: Data("x".utf8))
        let first = tracker.begin(key: key, retryCount: 0, clientCallID: nil, now: 1)
        _ = tracker.begin(key: key, retryCount: 1, clientCallID: nil, now: 2)
        #expect(!tracker.finish(callID: first.callID, attempt: 1, now: 3))
        #expect(tracker.finish(callID: first.callID, attempt: 2, now: 4))
    }
}
