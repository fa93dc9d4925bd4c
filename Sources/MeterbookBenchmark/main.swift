import Foundation

// Benchmarks, one subcommand per concern; each writes its results as Markdown to stdout
// (BENCHMARKS.md collects them). Build with -c release: `swift run -c release meterbook-benchmark NAME`.
let benchmarks: [String: @Sendable ([String]) async throws -> Void] = [
    "proxy": ProxyBenchmark.run,
    "recorder": RecorderBenchmark.run,
    "reports": ReportsBenchmark.run,
    "central-report": CentralReportBenchmark.run,
    "rotation": RotationBenchmark.run,
    "ship": ShipBenchmark.run,
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let benchmark = benchmarks[name] else {
    let names = benchmarks.keys.sorted().joined(separator: "|")
    FileHandle.standardError.write(Data("usage: meterbook-benchmark \(names) [options]\n".utf8))
    exit(2)
}
do {
    try await benchmark(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("meterbook-benchmark \(name): \(error)\n".utf8))
    exit(1)
}
