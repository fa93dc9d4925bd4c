import Foundation
import Testing

@Suite struct UsageErrorTests {
    @Test func unknownOptionExitsTwoWithOneLine() async throws {
        let result = try await CLI.run(["demo", "--no-such-option"])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.stderr.contains("--no-such-option"))
        #expect(result.stderr.contains("meterbook demo --help"))
    }

    @Test func invalidValueExitsTwo() async throws {
        let result = try await CLI.run(["demo", "--calls", "0"])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("--calls"))
    }

    @Test func helpAndVersionExitZero() async throws {
        let help = try await CLI.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("demo"))
        let version = try await CLI.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }
}
