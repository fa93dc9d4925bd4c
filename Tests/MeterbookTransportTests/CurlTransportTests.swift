import Foundation
import MeterbookTransport
import Testing
@testable import MeterbookSimulator
import Meterbook

/// The transport against a real HTTP server on 127.0.0.1.
///
/// Timing checks are deliberately loose (hundreds of milliseconds of slack): they tell
/// "streamed" from "buffered to the end" and "aborted" from "ran to completion", nothing finer.
@Suite struct CurlTransportTests {
    @Test func getRoundTripsHeadersAndReportsMetrics() async throws {
        try await withTestServer { base in
            var headers: HTTPHeaders = ["X-Meterbook-Test": "get", "Accept": "application/json"]
            headers.add(name: "X-Empty", value: "")
            let result = await collect(CurlTransport.shared.execute(
                TransportRequest(method: "GET", url: base + "/_sim/echo?a=1&b=two", headers: headers)))

            #expect(result.error == nil)
            #expect(result.order.first == "head")
            #expect(result.order.last == "end")
            let head = try #require(result.head)
            #expect(head.status == 200)
            #expect(head.httpVersion == "1.1")
            #expect(head.headers["content-type"]?.contains("json") == true)

            let echo = try result.json()
            #expect(echo["method"] as? String == "GET")
            #expect(echo["path"] as? String == "/_sim/echo")
            #expect((echo["query"] as? String)?.contains("b=two") == true)
            let echoed = try #require(echo["headers"] as? [String: String])
            #expect(echoed["x-meterbook-test"] == "get")
            #expect(echoed["accept"] == "application/json")
            #expect(echoed["x-empty"] == "")
            #expect(echoed["expect"] == nil)
            #expect(echoed["content-type"] == nil)
            #expect(echoed["accept-encoding"] == nil)
            #expect(echo["body_bytes"] as? Int == 0)

            let metrics = try #require(result.metrics)
            #expect(metrics.responseBytes == result.body.count)
            #expect(metrics.requestBytes == 0)
            #expect((metrics.ttfbMs ?? 0) > 0)
            #expect((metrics.totalMs ?? 0) >= (metrics.ttfbMs ?? 0))
            #expect(metrics.dnsMs != nil)
            #expect(metrics.connectMs != nil)
            #expect(metrics.tlsMs == nil)
            #expect(metrics.httpVersion == "1.1")
        }
    }

    @Test func curlAddsNoHeadersOfItsOwn() async throws {
        try await withTestServer { base in
            let result = await collect(CurlTransport.shared.execute(
                TransportRequest(method: "POST", url: base + "/_sim/echo", body: Data("{}".utf8))))
            let echoed = try #require(try result.json()["headers"] as? [String: String])
            #expect(echoed["accept"] == nil)
            #expect(echoed["content-type"] == nil)
            #expect(echoed["expect"] == nil)
            #expect(echoed["user-agent"] == nil)
            #expect(echoed["content-length"] == "2")
        }
    }

    @Test func postRoundTripsALargeBody() async throws {
        try await withTestServer { base in
            var generator = SystemRandomNumberGenerator()
            let body = Data((0..<300_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let request = TransportRequest(
                method: "POST", url: base + "/_sim/echo",
                headers: ["Content-Type": "application/octet-stream", "X-Client-Tag": "bulk"],
                body: body)
            let result = await collect(CurlTransport.shared.execute(request))

            #expect(result.error == nil)
            #expect(result.head?.status == 200)
            let echo = try result.json()
            #expect(echo["method"] as? String == "POST")
            #expect(echo["body_bytes"] as? Int == body.count)
            #expect(echo["body_sha256"] as? String == SHA256.hex(Array(body)))
            let echoed = try #require(echo["headers"] as? [String: String])
            #expect(echoed["content-type"] == "application/octet-stream")
            #expect(echoed["x-client-tag"] == "bulk")
            #expect(result.metrics?.requestBytes == body.count)
        }
    }

    @Test func customMethodsCarryTheirBody() async throws {
        try await withTestServer { base in
            let body = Data("patch me".utf8)
            let result = await collect(CurlTransport.shared.execute(
                TransportRequest(method: "PUT", url: base + "/_sim/echo", headers: ["Content-Type": "text/plain"], body: body)))
            let echo = try result.json()
            #expect(echo["method"] as? String == "PUT")
            #expect(echo["body_sha256"] as? String == SHA256.hex(Array(body)))
        }
    }

    @Test func bodyChunksArriveAsTheyAreSent() async throws {
        try await withTestServer { base in
            let started = ContinuousClock.now
            let result = await collect(CurlTransport.shared.execute(
                TransportRequest(method: "GET", url: base + "/_sim/stream?chunks=5&interval_ms=300&size=64")))

            #expect(result.error == nil)
            #expect(result.body.count == 5 * 64)
            #expect(result.order.first == "head")
            #expect(result.order.last == "end")
            // Sent 300 ms apart: a buffering transport would deliver everything at once at ~1.2 s.
            #expect(result.chunks.count >= 3)
            let first = try #require(result.chunkTimes.first)
            let last = try #require(result.chunkTimes.last)
            #expect((last - first).milliseconds >= 600)
            #expect((first - started).milliseconds < (last - started).milliseconds - 600)
            #expect(result.metrics?.responseBytes == 5 * 64)
        }
    }

    @Test func errorStatusesAreResponsesNotErrors() async throws {
        try await withTestServer { base in
            let result = await collect(CurlTransport.shared.execute(
                TransportRequest(method: "GET", url: base + "/_sim/status/503")))
            #expect(result.error == nil)
            #expect(result.head?.status == 503)
            #expect(result.order.last == "end")
            #expect(result.metrics?.responseBytes == result.body.count)
        }
    }

    @Test func aResponseWithoutBodyStillHasAHead() async throws {
        try await withTestServer { base in
            let result = await collect(CurlTransport.shared.execute(
                TransportRequest(method: "GET", url: base + "/_sim/status/204")))
            #expect(result.error == nil)
            #expect(result.order == ["head", "end"])
            #expect(result.head?.status == 204)
            #expect(result.metrics?.responseBytes == 0)
        }
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        try await withTestServer { base in
            let transport = CurlTransport()
            let request = TransportRequest(method: "GET", url: base + "/_sim/connection")
            let first = await collect(transport.execute(request))
            let second = await collect(transport.execute(request))

            #expect(first.error == nil)
            #expect(second.error == nil)
            #expect(!first.bodyText.isEmpty)
            #expect(first.bodyText == second.bodyText)
            #expect(first.metrics?.reusedConnection == false)
            #expect(second.metrics?.reusedConnection == true)
            #expect(second.metrics?.dnsMs == 0)
            #expect(second.metrics?.connectMs == 0)
            #expect(second.metrics?.tlsMs == nil)
        }
    }

    @Test func aBurstsConnectionsStayOpenForTheNextBurst() async throws {
        // libcurl by default keeps four idle connections per transfer still running: as a burst ends, most of its
        // connections would be closed, and the next burst would connect again.
        try await withTestServer { base in
            let transport = CurlTransport(maxConnectionsPerHost: 16)
            func burst() async -> [CollectedResponse] {
                await withTaskGroup(of: CollectedResponse.self) { group in
                    for _ in 0..<12 {
                        group.addTask { await collect(transport.execute(TransportRequest(method: "GET", url: base + "/_sim/delay?ms=200"))) }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
            }
            let first = await burst()
            #expect(first.allSatisfy { $0.error == nil && $0.head?.status == 200 })
            let second = await burst()
            #expect(second.allSatisfy { $0.error == nil && $0.head?.status == 200 })
            #expect(second.filter { $0.metrics?.reusedConnection == true }.count == 12)
        }
    }

    @Test func refusedConnectionIsAConnectError() async throws {
        // Nothing listens on port 1 of the loopback interface.
        let result = await collect(CurlTransport.shared.execute(
            TransportRequest(method: "GET", url: "http://127.0.0.1:1/", connectTimeout: 5)))
        let error = try #require(result.error)
        #expect(error.code == .connect)
        #expect(error.curlCode == 7)
        #expect(error.message.contains("127.0.0.1"))
        #expect(result.head == nil)
        #expect(error.metrics.reusedConnection == false)
    }

    @Test func unknownHostIsADNSError() async throws {
        let result = await collect(CurlTransport.shared.execute(
            TransportRequest(method: "GET", url: "http://meterbook-test.invalid/", connectTimeout: 5)))
        let error = try #require(result.error)
        #expect(error.code == .dns)
        #expect(error.metrics.reusedConnection == false)
    }

    @Test func totalTimeoutIsATimeoutError() async throws {
        try await withTestServer { base in
            let started = ContinuousClock.now
            let result = await collect(CurlTransport.shared.execute(
                TransportRequest(method: "GET", url: base + "/_sim/delay?ms=60000", timeout: 0.5)))
            let error = try #require(result.error)
            #expect(error.code == .timeout)
            #expect(!error.message.isEmpty)
            // Far below the server's 60 s delay, yet loose enough for a loaded 2-core machine.
            #expect((ContinuousClock.now - started) < .seconds(30))
            #expect((error.metrics.totalMs ?? 0) >= 400)
        }
    }

    @Test func aCutBodyIsConnectionLostAfterTheBytesThatArrived() async throws {
        try await withTestServer { base in
            let result = await collect(CurlTransport.shared.execute(
                TransportRequest(method: "GET", url: base + "/_sim/cut?bytes=1000")))
            #expect(result.head?.status == 200)
            #expect(!result.chunks.isEmpty)
            let error = try #require(result.error)
            #expect(error.code == .connectionLost)
            #expect(error.metrics.responseBytes == result.body.count)
            #expect(!result.order.contains("end"))
        }
    }

    @Test func taskCancellationAbortsTheTransferAndClosesItsConnection() async throws {
        try await withTestServer { base in
            let transport = CurlTransport()
            let connection = TransportRequest(method: "GET", url: base + "/_sim/connection")
            let before = await collect(transport.execute(connection))
            #expect(before.error == nil)

            // 100 chunks 100 ms apart: ten seconds if nothing stops it.
            let stream = transport.execute(
                TransportRequest(method: "GET", url: base + "/_sim/stream?chunks=600&interval_ms=100&size=32"))
            let firstBody = AsyncStream.makeStream(of: Void.self)
            let consumer = Task {
                var chunks = 0
                do {
                    for try await event in stream {
                        if case .body = event {
                            chunks += 1
                            firstBody.continuation.yield()
                        }
                    }
                    return (chunks, TransportError?.none)
                } catch {
                    return (chunks, error as? TransportError)
                }
            }
            for await _ in firstBody.stream { break }
            let cancelledAt = ContinuousClock.now
            consumer.cancel()
            let (chunks, error) = await consumer.value

            #expect(error?.code == .cancelled)
            #expect(chunks < 600)
            #expect((ContinuousClock.now - cancelledAt) < .seconds(30), "the stream would have run for 60 s")
            #expect((error?.metrics.responseBytes ?? 0) >= 32)

            // The aborted transfer's connection was closed, not put back in the cache.
            let after = await collect(transport.execute(connection))
            #expect(after.error == nil)
            #expect(after.metrics?.reusedConnection == false)
            #expect(after.bodyText != before.bodyText)
        }
    }

    @Test func droppingTheStreamAbortsTheTransfer() async throws {
        try await withTestServer { base in
            let transport = CurlTransport()
            let started = ContinuousClock.now
            // Read the head and one chunk of a ten-second stream, then walk away.
            func readOneChunk() async throws -> Int {
                var seen = 0
                for try await event in transport.execute(
                    TransportRequest(method: "GET", url: base + "/_sim/stream?chunks=600&interval_ms=100&size=32")) {
                    if case .body = event {
                        seen += 1
                        break
                    }
                }
                return seen
            }
            let seen = try await readOneChunk()
            #expect(seen == 1)

            // The next transfer cannot reuse the abandoned connection, so it must open a new one.
            let after = await collect(transport.execute(TransportRequest(method: "GET", url: base + "/_sim/connection")))
            #expect(after.error == nil)
            #expect(after.metrics?.reusedConnection == false)
            #expect((ContinuousClock.now - started) < .seconds(30), "the stream would have run for 60 s")
        }
    }

    @Test func hundredConcurrentRequestsAllSucceed() async throws {
        try await withTestServer { base in
            let results = await withTaskGroup(of: (Int, CollectedResponse).self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let request = TransportRequest(
                            method: "POST", url: base + "/_sim/echo?i=\(index)",
                            headers: ["Content-Type": "text/plain"], body: Data("request \(index)".utf8))
                        return (index, await collect(CurlTransport.shared.execute(request)))
                    }
                }
                var collected: [(Int, CollectedResponse)] = []
                for await result in group { collected.append(result) }
                return collected
            }
            #expect(results.count == 100)
            for (index, result) in results {
                #expect(result.error == nil, "request \(index): \(String(describing: result.error))")
                #expect(result.head?.status == 200)
                let echo = try result.json()
                #expect(echo["body_sha256"] as? String == SHA256.hex(Array("request \(index)".utf8)))
            }
        }
    }

    @Test func malformedRequestsAreRejectedBeforeSending() async throws {
        let cases = [
            TransportRequest(method: "GET", url: "ftp://127.0.0.1/file"),
            TransportRequest(method: "GET", url: "http://127.0.0.1/a b"),
            TransportRequest(method: "GE T", url: "http://127.0.0.1/"),
            TransportRequest(method: "GET", url: "http://127.0.0.1/", headers: ["X-Bad": "a\r\nInjected: 1"]),
            TransportRequest(method: "GET", url: "http://127.0.0.1/", headers: ["Bad Name": "a"]),
            TransportRequest(method: "GET", url: "http://[::1/"),
        ]
        for request in cases {
            let result = await collect(CurlTransport.shared.execute(request))
            #expect(result.error?.code == .invalidRequest, "\(request.method) \(request.url)")
        }
    }
}

@Suite struct CurlTransportEdgeTests {
    @Test func aFailedTLSHandshakeIsATLSError() async throws {
        try await withTestServer { base in
            // The simulator speaks plain HTTP, so a TLS ClientHello gets no handshake back.
            let url = base.replacingOccurrences(of: "http://", with: "https://") + "/_sim/echo"
            let result = await collect(CurlTransport.shared.execute(
                TransportRequest(method: "GET", url: url, connectTimeout: 5, timeout: 10)))
            let error = try #require(result.error)
            #expect(error.code == .tls)
            #expect(result.head == nil)
        }
    }

    @Test func headRequestsGetAHeadAndNoBody() async throws {
        try await withTestServer { base in
            let transport = CurlTransport()
            let result = await collect(transport.execute(TransportRequest(method: "HEAD", url: base + "/_sim/status/200")))
            #expect(result.error == nil)
            #expect(result.order == ["head", "end"])
            #expect(result.head?.status == 200)
            // The connection stays usable after a body-less response.
            let next = await collect(transport.execute(TransportRequest(method: "GET", url: base + "/_sim/status/200")))
            #expect(next.head?.status == 200)
            #expect(next.bodyText == "status 200\n")
        }
    }
}

@Suite struct CurlTransportLifetimeTests {
    @Test func aStreamOutlivesTheTransportThatStartedIt() async throws {
        try await withTestServer { base in
            func startStream() -> AsyncThrowingStream<TransportEvent, Error> {
                CurlTransport().execute(TransportRequest(method: "GET", url: base + "/_sim/stream?chunks=3&interval_ms=100&size=10"))
            }
            // The transport is released here, before the response has even started.
            let result = await collect(startStream())
            #expect(result.error == nil)
            #expect(result.body.count == 30)
            #expect(result.order.last == "end")
        }
    }
}
