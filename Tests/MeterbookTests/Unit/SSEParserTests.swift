import Foundation
import Testing
@testable import Meterbook

@Suite struct SSEParserTests {
    static let transcript = """
        event: message_start
        data: {"type":"message_start"}

        : a comment line

        event: content_block_delta
        data: {"type":"content_block_delta","delta":{"text":"Hel"}}

        data: first line
        data: second line

        data:no-space

        data: [DONE]


        """

    static let expected: [SSEEvent] = [
        SSEEvent(event: "message_start", data: #"{"type":"message_start"}"#),
        SSEEvent(event: "content_block_delta", data: #"{"type":"content_block_delta","delta":{"text":"Hel"}}"#),
        SSEEvent(data: "first line\nsecond line"),
        SSEEvent(data: "no-space"),
        SSEEvent(data: "[DONE]"),
    ]

    @Test(arguments: ["\n", "\r\n", "\r"])
    func everyChunkingGivesTheSameEvents(lineEnding: String) {
        let bytes = Array(Self.transcript.replacingOccurrences(of: "\n", with: lineEnding).utf8)
        // Every split into two chunks, and byte by byte.
        for split in 0...bytes.count {
            var parser = SSEParser()
            var events = parser.feed(Data(bytes[..<split]))
            events += parser.feed(Data(bytes[split...]))
            events += parser.finish()
            #expect(events == Self.expected, "split at \(split) with \(lineEnding.debugDescription)")
        }
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for byte in bytes { events += parser.feed(Data([byte])) }
        events += parser.finish()
        #expect(events == Self.expected)
    }

    @Test func eventWithoutFinalBlankLineIsDeliveredAtFinish() {
        var parser = SSEParser()
        #expect(parser.feed(Data("data: {\"a\":1}".utf8)).isEmpty)
        #expect(parser.finish() == [SSEEvent(data: "{\"a\":1}")])
    }

    @Test func eventNameResetsBetweenEvents() {
        var parser = SSEParser()
        let events = parser.feed(Data("event: ping\ndata: {}\n\ndata: x\n\n".utf8))
        #expect(events == [SSEEvent(event: "ping", data: "{}"), SSEEvent(data: "x")])
    }
}
