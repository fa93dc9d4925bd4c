import Foundation
import Meterbook

/// Issue 3's goals on a generated database (default 10 million attempts, 30 days, 20 deployments):
/// one-day report ≤ 0.5 s, 30-day report ≤ 2 s, trace by any ID ≤ 50 ms, export ≥ 300,000 rows/s with peak RSS
/// under 100 MB. Commands are timed as a user runs them (the release `meterbook` binary, a new process each
/// time); the report engine and trace lookups are also timed in-process, without process start-up.
///
///     swift build -c release --product meterbook && swift build -c release --product meterbook-benchmark
///     .build/release/meterbook-benchmark reports [--attempts 10000000] [--db PATH] [--keep]
enum ReportsBenchmark {
    struct Options {
        var attempts = 10_000_000
        var days = 30
        var deployments = 20
        var database = NSTemporaryDirectory() + "meterbook-reports-benchmark/meterbook.sqlite"
        var meterbook = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("meterbook").path
        var runs = 3
        /// Keep (and reuse) the generated database between runs.
        var keep = false

        init(_ arguments: [String]) throws {
            var options = BenchmarkArguments(arguments, usage: "--attempts N --days N --deployments N --db PATH --meterbook PATH --runs N --keep")
            while let argument = options.next() {
                switch argument {
                case "--attempts": attempts = try options.int(for: argument)
                case "--days": days = try options.int(for: argument)
                case "--deployments": deployments = try options.int(for: argument)
                case "--db": database = try options.string(for: argument)
                case "--meterbook": meterbook = try options.string(for: argument)
                case "--runs": runs = try options.int(for: argument)
                case "--keep": keep = true
                default: throw options.unknown(argument)
                }
            }
        }
    }

    static func run(_ arguments: [String]) async throws {
        let options = try Options(arguments)
        guard FileManager.default.isExecutableFile(atPath: options.meterbook) else {
            throw BenchmarkError("no meterbook binary at \(options.meterbook): build it (swift build -c release --product meterbook) or pass --meterbook")
        }
        let (store, firstDay) = try prepare(options, firstDay: UTCDay.today().adding(days: -Int64(options.days) - 1))
        let lastDay = firstDay.adding(days: Int64(options.days) - 1)
        let count = try store.count()
        let days = DayRange(from: firstDay, to: lastDay)
        let middle = firstDay.adding(days: Int64(options.days / 2))
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: options.database)[.size] as? Int) ?? 0

        func emit(_ line: String) { print(line) }
        emit("## Reports (issue 3)")
        emit("")
        emit("\(count.formatted()) attempts over \(options.days) days and \(options.deployments) deployments, database \(fileSize / 1_000_000) MB; "
             + "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB, shared; "
             + "release build; median of \(options.runs) runs, database in the OS page cache. "
             + "`meterbook` rows are the real binary, a new process per run (start-up included); in-process rows call the library.")
        emit("")
        let startLoad = currentLoad()
        emit("| what | goal | median wall | runs (wall) | median CPU | peak RSS |")
        emit("|---|---|---|---|---|---|")

        let binary = options.meterbook
        let db = ["--db", options.database]
        func cli(_ name: String, goal: String, _ arguments: [String], rows: Int? = nil, runs: Int = options.runs) throws {
            var measurements: [ChildProcess.Measurement] = []
            for _ in 0..<runs {
                let measurement = try ChildProcess.run(binary, arguments + db)
                guard measurement.status == 0 else { throw BenchmarkError("meterbook \(arguments.joined(separator: " ")) exited \(measurement.status)") }
                measurements.append(measurement)
            }
            let seconds = measurements.map(\.seconds).sorted()
            let median = seconds[seconds.count / 2]
            var cell = format(median)
            if let rows { cell += " (\(Int(Double(rows) / median).formatted()) rows/s)" }
            let peak = measurements.map(\.peakRSSBytes).max() ?? 0
            let cpu = measurements.map(\.cpuSeconds).sorted()[measurements.count / 2]
            emit("| \(name): `meterbook \(arguments.joined(separator: " "))` | \(goal) | \(cell) | \(seconds.map(format).joined(separator: ", ")) | \(format(cpu)) | \(peak / 1_048_576) MB |")
        }
        func inProcess(_ name: String, goal: String, _ body: () throws -> Void) throws {
            var seconds: [Double] = []
            for _ in 0..<options.runs {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            seconds.sort()
            emit("| \(name) (in-process) | \(goal) | \(format(seconds[seconds.count / 2])) | \(seconds.map(format).joined(separator: ", ")) | | |")
        }

        // First without day summaries: every report reads the attempts (what a database gets before its first rotate).
        try DaySummaries.forgetAll(store: store)
        try cli("no day summaries: one-day report", goal: "≤ 0.5 s", ["report", "--from", "\(middle)", "--to", "\(middle)"])
        try cli("no day summaries: 30-day report", goal: "≤ 2 s", ["report", "--from", "\(firstDay)", "--to", "\(lastDay)"])
        try inProcess("no day summaries: 30-day report, by deployment", goal: "≤ 2 s") {
            _ = try UsageReport.build(store: store, days: days)
        }
        // What `meterbook rotate` (or the proxy's daily rotation) does once the days have closed; then every report
        // below finds the closed days summarized.
        try cli("summarize the closed days", goal: "—", ["rotate", "--retention-days", "36500"], runs: 1)
        try cli("one-day report", goal: "≤ 0.5 s", ["report", "--from", "\(middle)", "--to", "\(middle)"])
        try inProcess("one-day report, by deployment", goal: "≤ 0.5 s") {
            _ = try UsageReport.build(store: store, days: DayRange(from: middle, to: middle))
        }
        try cli("30-day report", goal: "≤ 2 s", ["report", "--from", "\(firstDay)", "--to", "\(lastDay)"])
        try inProcess("30-day report, by deployment", goal: "≤ 2 s") {
            _ = try UsageReport.build(store: store, days: days)
        }
        try cli("30-day report by day and deployment", goal: "≤ 2 s", ["report", "--from", "\(firstDay)", "--to", "\(lastDay)", "--by", "day,deployment", "--format", "json"])
        try cli("30-day HTML report", goal: "—", ["report", "--from", "\(firstDay)", "--to", "\(lastDay)", "--format", "html"])

        for (column, id) in try sampleIDs(store, middle: middle) {
            try cli("trace by \(column)", goal: "≤ 50 ms", ["trace", id])
            try inProcess("trace by \(column)", goal: "≤ 50 ms") { _ = try CallTrace.find(id, in: store) }
        }

        let oneDayRows = try UsageReport.build(store: store, days: DayRange(from: middle, to: middle)).totals.requests
        try cli("export one day, CSV", goal: "≥ 300,000 rows/s, < 100 MB", ["export", "--from", "\(middle)", "--to", "\(middle)"], rows: oneDayRows)
        try cli("export all, CSV", goal: "≥ 300,000 rows/s, < 100 MB", ["export", "--from", "\(firstDay)", "--to", "\(lastDay)"], rows: count)
        try cli("export all, NDJSON", goal: "≥ 300,000 rows/s, < 100 MB", ["export", "--from", "\(firstDay)", "--to", "\(lastDay)", "--format", "ndjson"], rows: count)
        emit("")
        emit("Load average (1 min) at the start and the end of the measurements: \(loadAverage(startLoad)) and \(loadAverage(currentLoad())).")
        emit("")

        if !options.keep {
            for suffix in ["", "-wal", "-shm", ".first-day"] { try? FileManager.default.removeItem(atPath: options.database + suffix) }
        }
    }

    /// Generates the database, or reuses a kept one holding the same number of attempts (and the first day it was
    /// generated for, kept beside it, so a run on a later day measures the same days).
    static func prepare(_ options: Options, firstDay: UTCDay) throws -> (MeterbookStore, UTCDay) {
        let folder = (options.database as NSString).deletingLastPathComponent
        let firstDayFile = options.database + ".first-day"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: options.database) {
            let existing = try MeterbookStore(path: options.database)
            if options.keep, try existing.count() >= options.attempts {
                FileHandle.standardError.write(Data("reusing \(options.database)\n".utf8))
                let kept = (try? String(contentsOfFile: firstDayFile, encoding: .utf8)).flatMap { UTCDay(iso: $0) }
                return (existing, kept ?? firstDay)
            }
            for suffix in ["", "-wal", "-shm", ".first-day"] { try? FileManager.default.removeItem(atPath: options.database + suffix) }
        }
        try firstDay.description.write(toFile: firstDayFile, atomically: true, encoding: .utf8)
        let store = try MeterbookStore(path: options.database)
        // Generation only: a big page cache keeps the random-id indexes' inserts in memory.
        try store.write { db in try db.execute(sql: "PRAGMA cache_size = -1048576") }
        var generator = AttemptGenerator(firstDay: firstDay, days: options.days, deploymentCount: options.deployments)
        let start = DispatchTime.now().uptimeNanoseconds
        var written = 0
        try generator.generate(total: options.attempts) { batch in
            try store.insert(batch)
            written += batch.count
            if written % 1_000_000 < batch.count {
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                FileHandle.standardError.write(Data("generated \(written.formatted()) attempts in \(format(seconds))\n".utf8))
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        FileHandle.standardError.write(Data("generated \(written.formatted()) attempts in \(format(seconds)) (\(Int(Double(written) / seconds).formatted())/s)\n".utf8))
        return (store, firstDay)
    }

    /// One ID of each kind from a call in the middle of the range.
    static func sampleIDs(_ store: MeterbookStore, middle: UTCDay) throws -> [(String, String)] {
        let records = try AttemptExportSample.attempts(store, from: middle.startMs + 43_200_000)
        var ids: [(String, String)] = []
        if let record = records.first(where: { $0.apimRequestID != nil && $0.responseID != nil }) {
            ids.append(("call_id", record.callID))
            ids.append(("response_id", record.responseID!))
            ids.append(("request_id", record.requestID!))
            ids.append(("apim_request_id", record.apimRequestID!))
        }
        if let record = records.first(where: { $0.upstreamRequestID != nil }) {
            ids.append(("upstream_request_id", record.upstreamRequestID!))
        }
        return ids
    }

    /// The 1-minute load average: how busy the shared machine was.
    static func currentLoad() -> Double {
        var loads = [0.0, 0.0, 0.0]
        return getloadavg(&loads, 3) > 0 ? loads[0] : 0
    }

    static func loadAverage(_ value: Double) -> String { String(format: "%.1f", value) }

    static func format(_ seconds: Double) -> String {
        seconds < 1 ? String(format: "%.0f ms", seconds * 1000) : String(format: "%.2f s", seconds)
    }
}

/// A few attempts from a given instant, read through the public export path (the benchmark has no SQL access).
enum AttemptExportSample {
    static func attempts(_ store: MeterbookStore, from start: Int64) throws -> [AttemptRecord] {
        let sink = ByteSink()
        try AttemptExport.write(store: store, range: start..<(start + 60_000), format: .ndjson, to: sink)
        let decoder = JSONDecoder()
        return try sink.text.split(separator: "\n").prefix(200).map { line in
            try decoder.decode(AttemptRecordLine.self, from: Data(line.utf8)).record
        }
    }

    private struct AttemptRecordLine: Decodable {
        var record: AttemptRecord

        enum Keys: String, CodingKey {
            case callID = "call_id", responseID = "response_id", requestID = "request_id"
            case apimRequestID = "apim_request_id", upstreamRequestID = "upstream_request_id"
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            record = AttemptRecord(callID: try container.decode(String.self, forKey: .callID), startedAt: 0, provider: .other,
                                   api: .other, endpoint: "", path: "")
            record.responseID = try container.decodeIfPresent(String.self, forKey: .responseID)
            record.requestID = try container.decodeIfPresent(String.self, forKey: .requestID)
            record.apimRequestID = try container.decodeIfPresent(String.self, forKey: .apimRequestID)
            record.upstreamRequestID = try container.decodeIfPresent(String.self, forKey: .upstreamRequestID)
        }
    }
}
