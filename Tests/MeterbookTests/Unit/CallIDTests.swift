import Foundation
import Testing
@testable import Meterbook

@Suite struct CallIDTests {
    @Test func isAVersion7UUIDOrderedByTime() throws {
        let earlier = CallID.make(now: Date(timeIntervalSince1970: 1_795_000_000))
        let later = CallID.make(now: Date(timeIntervalSince1970: 1_795_000_000.002))
        for id in [earlier, later] {
            let uuid = try #require(UUID(uuidString: id))
            #expect(id == uuid.uuidString.lowercased())
            let characters = Array(id)
            #expect(characters[14] == "7", "version 7")
            #expect("89ab".contains(characters[19]), "RFC 9562 variant")
        }
        #expect(earlier < later)
        // The first 48 bits are the Unix time in milliseconds.
        #expect(earlier.replacingOccurrences(of: "-", with: "").prefix(12) == String(format: "%012llx", UInt64(1_795_000_000_000)))
        #expect(Set((0..<1000).map { _ in CallID.make() }).count == 1000)
    }

    @Test func tagsJSONEscapesAndSortsKeys() throws {
        var record = AttemptRecord(callID: "c", startedAt: 0, provider: .other, api: .other, endpoint: "e", path: "/")
        record.tags = ["b": "line\nbreak \"quoted\" back\\slash", "a": "ü\u{1}", "é": ""]
        let text = record.tagsJSON
        #expect(text.hasPrefix(#"{"a":"#))
        let decoded = try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        #expect(decoded == record.tags)
    }
}
