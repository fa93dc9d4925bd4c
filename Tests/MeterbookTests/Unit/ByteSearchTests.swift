import Testing
@testable import Meterbook

@Suite struct ByteSearchTests {
    @Test func findsWhatContainsFinds() {
        let haystacks = ["", "/", "/openai/v1", "/x/openai", "/OPENAI/", "ab/openai/", "/opena/openai/", "é/openai/é", "%", "dep%20x"]
        for haystack in haystacks {
            #expect(haystack.containsBytes("/openai/") == haystack.contains("/openai/"), "\(haystack)")
            #expect(haystack.containsBytes("%") == haystack.contains("%"))
            #expect(haystack.containsBytes(""))
        }
    }
}
