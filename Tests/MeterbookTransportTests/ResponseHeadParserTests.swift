import Foundation
import Testing
@testable import MeterbookTransport

@Suite struct ResponseHeadParserTests {
    /// Feeds `input` split at every position (and byte by byte) and checks each gives the same heads.
    private func heads(_ input: String) -> [[TransportHead]] {
        let bytes = Array(input.utf8)
        var results: [[TransportHead]] = []
        for split in 0...bytes.count {
            var parser = ResponseHeadParser()
            results.append([parser.feed(bytes[..<split]), parser.feed(bytes[split...])].compactMap { $0 })
        }
        var parser = ResponseHeadParser()
        results.append(bytes.compactMap { parser.feed([$0]) })
        return results
    }

    @Test func finalHeadIsProducedAtTheBlankLine() {
        let input = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Request-Id:  abc \r\n\r\n"
        for result in heads(input) {
            #expect(result == [TransportHead(
                status: 200,
                headers: ["Content-Type": "text/event-stream", "X-Request-Id": "abc"],
                httpVersion: "1.1")])
        }
    }

    @Test func interimResponsesAreSkipped() {
        let input = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nLocation: /x\r\n\r\n"
        for result in heads(input) {
            #expect(result == [TransportHead(status: 201, headers: ["Location": "/x"], httpVersion: "1.1")])
        }
    }

    @Test func trailersAfterTheHeadAreIgnored() {
        let input = "HTTP/2 200 \r\nA: 1\r\n\r\nX-Trailer: t\r\n\r\n"
        for result in heads(input) {
            #expect(result == [TransportHead(status: 200, headers: ["A": "1"], httpVersion: "2")])
        }
    }

    @Test func duplicatesOrderAndFoldedValuesAreKept() {
        let input = "HTTP/1.0 404 Not Found\nSet-Cookie: a=1\nX-Long: part one\n\tpart two\nSet-Cookie: b=2\nEmpty:\n\n"
        for result in heads(input) {
            #expect(result.count == 1)
            let head = result.first
            #expect(head?.status == 404)
            #expect(head?.httpVersion == "1.0")
            #expect(head?.headers.values(for: "set-cookie") == ["a=1", "b=2"])
            #expect(head?.headers["x-long"] == "part one part two")
            #expect(head?.headers["empty"] == "")
        }
    }

    @Test func partialHeadIsAvailableWithoutTheBlankLine() {
        var parser = ResponseHeadParser()
        #expect(parser.feed(Array("HTTP/1.1 204 No Content\r\nA: b\r\n".utf8)) == nil)
        #expect(parser.partialHead() == TransportHead(status: 204, headers: ["A": "b"], httpVersion: "1.1"))
    }
}

@Suite struct HTTPHeadersTests {
    @Test func namesMatchWithoutRegardToASCIICase() {
        var headers: HTTPHeaders = ["X-Request-ID": "a", "apim-request-id": "b", "x-request-id": "c", "Ä-Name": "d"]
        #expect(headers["x-request-id"] == "a")
        #expect(headers.values(for: "X-REQUEST-ID") == ["a", "c"])
        #expect(headers["APIM-Request-Id"] == "b")
        #expect(headers["x-request-i"] == nil && headers["x-request-idd"] == nil)
        // Letters only: "[" and "{" differ by the same bit as "K" and "k".
        #expect(HTTPHeaders.sameName("a[", "a{") == false)
        #expect(HTTPHeaders.sameName("a@", "a`") == false)
        #expect(headers["ä-name"] == "d", "non-ASCII names fall back to Unicode lowercasing")
        headers.remove("X-REQUEST-ID")
        #expect(headers.fields.map(\.name) == ["apim-request-id", "Ä-Name"])
    }
}
