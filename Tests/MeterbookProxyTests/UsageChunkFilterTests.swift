import Foundation
@testable import MeterbookProxy
import Testing

/// The include_usage chunk filter on its own: every chunking, every line ending.
@Suite struct UsageChunkFilterTests {
    static let content = #"data: {"id":"c1","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}"#
    static let usage = #"data: {"id":"c1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}"#
    static let done = "data: [DONE]"

    func stream(_ ending: String) -> (full: String, expected: String) {
        let events = [Self.content, Self.usage, Self.done].map { $0 + ending + ending }
        return (events.joined(), events[0] + events[2])
    }

    func run(_ input: String, splitAt cuts: [Int]) -> (output: Data, removed: Int) {
        let bytes = Array(input.utf8)
        var filter = UsageChunkFilter()
        var output = Data()
        var start = 0
        for cut in cuts + [bytes.count] {
            output.append(filter.feed(Data(bytes[start..<cut])))
            start = cut
        }
        output.append(filter.finish())
        return (output, filter.removed)
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func removesOnlyTheUsageChunkWhateverTheChunking(ending: String) {
        let (full, expected) = stream(ending)
        let count = full.utf8.count
        for cut in 0...count {
            let result = run(full, splitAt: [cut])
            #expect(result.output == Data(expected.utf8), "split at \(cut)")
            #expect(result.removed == 1)
        }
        // Byte by byte.
        let single = run(full, splitAt: Array(1..<count))
        #expect(single.output == Data(expected.utf8))
    }

    @Test func eventsGoOutAsSoonAsTheyAreComplete() {
        var filter = UsageChunkFilter()
        #expect(filter.feed(Data((Self.content + "\n").utf8)).isEmpty)
        #expect(filter.feed(Data("\n".utf8)) == Data((Self.content + "\n\n").utf8))
        #expect(filter.feed(Data((Self.usage + "\n\n").utf8)).isEmpty)
        #expect(filter.feed(Data((Self.done + "\n\n").utf8)) == Data((Self.done + "\n\n").utf8))
    }

    @Test func keepsUsageNextToChoicesCommentsAndUnterminatedTails() {
        let mixed = #"data: {"choices":[{"delta":{"content":"x"}}],"usage":{"total_tokens":3}}"# + "\n\n"
        let comment = ": keep-alive\n\n"
        let tail = #"data: {"choices":[],"usage":null}"#
        let input = mixed + comment + tail
        #expect(run(input, splitAt: [5, 40]).output == Data(input.utf8))
        // An unterminated usage chunk at the very end is still the usage chunk.
        let cutUsage = run(Self.usage, splitAt: [10])
        #expect(cutUsage.output.isEmpty && cutUsage.removed == 1)
    }

    @Test func aLongStreamInRandomPiecesLosesOnlyItsUsageChunk() {
        var generator = SystemRandomNumberGenerator()
        let endings = ["\n", "\r\n", "\r"]
        for round in 0..<200 {
            let ending = endings[round % 3]
            var kept = ": comment" + ending + ending
            for index in 0..<20 {
                kept += #"data: {"id":"c1","choices":[{"index":0,"delta":{"content":"w\#(index) "}}],"usage":null}"# + ending + ending
            }
            let input = kept + Self.usage + ending + ending + Self.done + ending + ending
            let expected = kept + Self.done + ending + ending
            let count = input.utf8.count
            let cuts = (0..<Int.random(in: 1...30, using: &generator)).map { _ in Int.random(in: 0...count, using: &generator) }.sorted()
            let result = run(input, splitAt: cuts)
            #expect(result.output == Data(expected.utf8), "cuts \(cuts), ending \(ending.utf8.map { $0 })")
            #expect(result.removed == 1)
        }
    }
}
