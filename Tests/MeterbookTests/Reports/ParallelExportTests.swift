import Foundation
import GRDB
import MeterbookSimulator
import MeterbookTestSupport
import Testing
@testable import Meterbook

/// The export in blocks (worker threads, blocks written in id order) against the single-threaded export: the same
/// bytes, rows and errors.
@Suite struct ParallelExportTests {
    /// Small blocks so a few thousand rows make dozens of them.
    static let blockIDs: Int64 = 32

    /// 40 copies of the seed's attempts (some 900 rows, 30 blocks), times shuffled within the three days so ids and time
    /// disagree, with messages that CSV must quote and neutralise.
    static func seed() throws -> SeededDatabase {
        var generator = SeededGenerator(seed: 7)
        let messages = ["plain", "with, comma", "say \"hi\"", "=1+2", "line\r\nbreak", "ünïcödé ✓"]
        var attempts: [AttemptRecord] = []
        for copy in 0..<40 {
            for (index, original) in Seed.attempts.enumerated() {
                var record = original
                record.callID = "\(original.callID)-\(copy)"
                if copy % 3 != 0 {
                    record.startedAt = Seed.days.bounds.lowerBound + Int64(generator.next() % UInt64(Seed.days.bounds.count))
                }
                if index % 2 == 0 { record.errorMessage = messages[(copy + index) % messages.count] }
                attempts.append(record)
            }
        }
        return try SeededDatabase(attempts: attempts)
    }

    func export(_ seed: SeededDatabase, format: ExportFormat, range: Range<Int64>, filter: AttemptFilter = AttemptFilter(),
                columns: [String] = AttemptExport.columns, workers: Int, sink: ByteSink = ByteSink()) throws -> (text: String, rows: Int) {
        var encoder = format.makeEncoder()
        try encoder.begin(columns: columns, sink: sink)
        let rows = try DatabaseSource(store: seed.store).export(range: range, filter: filter, columns: columns, encoder: &encoder, sink: sink,
                                                                workers: workers, blockIDs: Self.blockIDs)
        try sink.flush()
        return (sink.text, rows)
    }

    @Test(arguments: [ExportFormat.csv, .ndjson])
    func blocksWriteTheBytesOfTheSingleThreadedExport(format: ExportFormat) throws {
        let seed = try Self.seed()
        let cases: [(Range<Int64>, AttemptFilter)] = [
            (0..<Int64.max, AttemptFilter()),
            (Seed.days.bounds, AttemptFilter()),
            (Seed.day2.startMs..<Seed.day2.endMs, AttemptFilter()),
            (Seed.at(Seed.day1, "06:00:00.000")..<Seed.at(Seed.day3, "09:00:00.000"), AttemptFilter()),
            (Seed.days.bounds, AttemptFilter(deployments: ["gpt-4o"])),
            (Seed.days.bounds, AttemptFilter(statuses: [.code(429)])),
            (Seed.day1.startMs..<Seed.day2.endMs, AttemptFilter(deployments: ["gpt-4o"], tags: ["team": "search"])),
        ]
        for (range, filter) in cases {
            let single = try export(seed, format: format, range: range, filter: filter, workers: 1)
            let parallel = try export(seed, format: format, range: range, filter: filter, workers: 2)
            #expect(single.rows > 0)
            #expect(parallel.rows == single.rows)
            #expect(parallel.text == single.text, "\(range) \(filter)")
        }
        // The whole table is well over two blocks: the blocks did run.
        let ran = try DatabaseSource(store: seed.store).exportInBlocks(range: 0..<Int64.max, filter: AttemptFilter(), columns: AttemptExport.columns,
                                                                       encoder: CSVRowEncoder(), sink: ByteSink(), workers: 2, blockIDs: Self.blockIDs)
        #expect(ran == 40 * Seed.attempts.count)
        // Two blocks or less stay on this thread.
        #expect(try DatabaseSource(store: seed.store).exportInBlocks(range: 0..<Int64.max, filter: AttemptFilter(), columns: AttemptExport.columns,
                                                                     encoder: CSVRowEncoder(), sink: ByteSink(), workers: 2, blockIDs: 1 << 20) == nil)
    }

    @Test func aWorkersErrorIsTheSingleThreadedExportsError() throws {
        let seed = try Self.seed()
        let columns = AttemptExport.columns + ["no_such_column"]
        func message(workers: Int) -> String? {
            do {
                _ = try export(seed, format: .csv, range: 0..<Int64.max, columns: columns, workers: workers)
                return nil
            } catch let error as DatabaseError {
                return error.message
            } catch {
                return "\(error)"
            }
        }
        let single = message(workers: 1)
        #expect(single != nil)
        #expect(message(workers: 2) == single)
    }

    /// A sink that fails part way (a closed pipe) stops the workers and throws its own error. The NDJSON of every
    /// row is about 1 MB, so the first 256 KiB chunk reaches the sink while workers are still encoding.
    @Test func aFailingSinkStopsTheExport() throws {
        let seed = try Self.seed()
        for workers in [1, 2, 3] {
            var chunks = 0
            let sink = ByteSink { _ in
                chunks += 1
                throw OutputError("closed")
            }
            var encoder = NDJSONRowEncoder()
            try encoder.begin(columns: AttemptExport.columns, sink: ByteSink())
            #expect(throws: OutputError.self) {
                _ = try DatabaseSource(store: seed.store).exportInBlocks(range: 0..<Int64.max, filter: AttemptFilter(), columns: AttemptExport.columns,
                                                                         encoder: encoder, sink: sink, workers: workers, blockIDs: Self.blockIDs)
            }
            #expect(chunks == 1)
        }
    }
}
