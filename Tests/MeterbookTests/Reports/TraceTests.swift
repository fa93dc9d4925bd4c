import Foundation
import MeterbookTestSupport
import Testing
@testable import Meterbook

@Suite struct TraceTests {
    let seed: SeededDatabase

    init() throws {
        seed = try SeededDatabase()
    }

    @Test(arguments: [
        (Seed.callID("c02"), "call_id", "c02"),
        ("chatcmpl-c02", "response_id", "c02"),
        ("req-c02-1", "request_id", "c02"),
        ("apim-c02-2", "apim_request_id", "c02"),
        ("req_011c04", "upstream_request_id", "c04"),
        ("msg_c14", "response_id", "c14"),
    ])
    func findsTheCallByAnyIDKind(id: String, column: String, call: String) throws {
        let match = try CallTrace.find(id, in: seed.store)
        #expect(match.matchedColumn == column)
        #expect(match.callID == Seed.callID(call))
        #expect(match.attempts.allSatisfy { $0.callID == Seed.callID(call) })
        #expect(match.attempts.map(\.attempt) == Array(1...match.attempts.count))
    }

    @Test func aRetryAcrossMidnightShowsBothAttempts() throws {
        let match = try CallTrace.find("chatcmpl-c15", in: seed.store)
        #expect(match.attempts.map(\.status) == [429, 200])
        #expect(match.attempts.map(\.final) == [false, true])
    }

    @Test func notFoundNamesTheColumnsAndDaysSearched() throws {
        let error = try #require(throws: CallTrace.NotFound.self) { try CallTrace.find("nope-123", in: seed.store) }
        #expect(error.description == "No attempt has call_id, response_id, request_id, apim_request_id or upstream_request_id = 'nope-123' in the database \(seed.path), which holds attempts from 2026-03-01 to 2026-03-04 (UTC): check the ID, or --db if it was recorded elsewhere.")
    }

    @Test func textTimelineShowsEveryAttemptWithItsSplitIDsAndRetryAfter() throws {
        let text = TraceFormat.text.render(try CallTrace.find("chatcmpl-c02", in: seed.store))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "Call \(Seed.callID("c02")) (found by response_id chatcmpl-c02)")
        #expect(lines[1] == "deployment gpt-4o · model gpt-4o-2024-11-20 · azure-openai chat.completions · POST contoso-east.openai.azure.com/openai/v1/chat/completions")
        #expect(lines[2] == "2 attempts from 2026-03-01 10:05:00.000Z, 3000 ms in all · final: ok (200) · cost $0.0150")
        #expect(lines[3] == "tags: app=web, team=search")
        #expect(text.contains("""
            #1  2026-03-01 10:05:00.000Z  +0 ms  HTTP 429  http_error
                error: RateLimitReached: Rate limit reached. Retry after 2 seconds.
                latency 50 ms: wait 48 ms (first byte at 48 ms), body 2 ms
                tokens — · cost $0
                retry-after 2000 ms
                request_id req-c02-1
                apim_request_id apim-c02-1
            """))
        #expect(text.contains("""
            #2  2026-03-01 10:05:02.100Z  +2100 ms  HTTP 200  ok  (final)
                latency 900 ms: wait 100 ms (first byte at 100 ms), body 800 ms, first token at 120 ms
                tokens 2000 in (0 cached) / 1000 out (0 reasoning) · cost $0.0150
                response_id chatcmpl-c02
            """))
        let c01 = TraceFormat.text.render(try CallTrace.find("chatcmpl-c01", in: seed.store))
        #expect(c01.contains("latency 400 ms: dns 5 ms, connect 10 ms, tls 20 ms, wait 115 ms (first byte at 150 ms), body 250 ms"))
        #expect(c01.contains("remaining requests 99 · remaining tokens 90000 · region East US"))
        let c05 = TraceFormat.text.render(try CallTrace.find("chatcmpl-c05", in: seed.store))
        #expect(c05.contains("cost unpriced (unknown model)"))
        let c11 = TraceFormat.text.render(try CallTrace.find(Seed.callID("c11"), in: seed.store))
        #expect(c11.contains("no response  transport_error  (final)"))
        #expect(c11.contains("error: timeout: Operation timed out after 30000 milliseconds."))
    }

    @Test func jsonHasTheContractShape() throws {
        let text = TraceFormat.json.render(try CallTrace.find("apim-c02-2", in: seed.store))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["id"] as? String == "apim-c02-2")
        #expect(object["matched_column"] as? String == "apim_request_id")
        #expect(object["call_id"] as? String == Seed.callID("c02"))
        let attempts = try #require(object["attempts"] as? [[String: Any]])
        #expect(attempts.count == 2)
        #expect(Set(attempts[0].keys) == Set(AttemptExport.columns))
        #expect(attempts[0]["status"] as? Int == 429)
        #expect(attempts[0]["retry_after_ms"] as? Int == 2000)
        #expect(attempts[1]["ttft_ms"] as? Double == 120)
        #expect(attempts[1]["tags"] as? [String: String] == ["app": "web", "team": "search"])
    }
}
