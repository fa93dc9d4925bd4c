import Foundation
import Testing
@testable import Meterbook

@Suite struct WhitespaceTests {
    @Test func trimmingWhitespaceMatchesFoundation() {
        let samples = [
            "", " ", "\t", "gpt-4o", " gpt-4o", "gpt-4o\t", "\u{00A0}x\u{3000}", "\u{2009}", "a b", "\nx\n", " \r\n",
            "é ", "\u{200B}x", "x\u{1680}",
        ]
        for sample in samples {
            #expect(sample.trimmingWhitespace() == sample.trimmingCharacters(in: .whitespaces), "\(sample.unicodeScalars.map(\.value))")
        }
    }
}
