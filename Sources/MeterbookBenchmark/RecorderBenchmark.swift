import Foundation

/// Issue 2's goals: recording overhead on a loopback call (p50, p99) and raw recorder throughput.
enum RecorderBenchmark {
    static func run(_ arguments: [String]) async throws {
        print("recorder benchmark: not written yet")
    }
}
