import Foundation
import Meterbook

/// Issue 4's goals: rotate 1,000,000 attempts in ≤ 10 s; compression ≥ 8× on realistic rows; trace of an absent
/// ID across 365 daily archives ≤ 200 ms; report over 365 archived days ≤ 1 s. One generated database (default
/// 1M attempts over 365 days, all older than the 30-day window), rotated once in-process, then searched and
/// reported on both in-process and through the release `meterbook` binary (a new process per run).
///
///     swift build -c release --product meterbook --product meterbook-benchmark
///     .build/release/meterbook-benchmark rotation [--attempts 1000000] [--days 365] [--db PATH]
enum RotationBenchmark {
    struct Options {
        var attempts = 1_000_000
        var days = 365
        var deployments = 20
        var database = NSTemporaryDirectory() + "meterbook-rotation-benchmark/meterbook.sqlite"
        var meterbook = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("meterbook").path
        var runs = 3

        init(_ arguments: [String]) throws {
            var options = BenchmarkArguments(arguments, usage: "--attempts N --days N --deployments N --db PATH --meterbook PATH --runs N")
            while let argument = options.next() {
                switch argument {
                case "--attempts": attempts = try options.int(for: argument)
                case "--days": days = try options.int(for: argument)
                case "--deployments": deployments = try options.int(for: argument)
                case "--db": database = try options.string(for: argument)
                case "--meterbook": meterbook = try options.string(for: argument)
                case "--runs": runs = try options.int(for: argument)
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
        // Every generated day is older than the 30-day window.
        let lastDay = UTCDay.today().adding(days: -31)
        let firstDay = lastDay.adding(days: -Int64(options.days) + 1)
        let folder = (options.database as NSString).deletingLastPathComponent
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let store = try MeterbookStore(path: options.database)
        var generator = AttemptGenerator(firstDay: firstDay, days: options.days, deploymentCount: options.deployments)
        try generator.generate(total: options.attempts) { batch in try store.insert(batch) }
        let count = try store.count()
        let days = DayRange(from: firstDay, to: lastDay)
        let before = try UsageReport.build(store: store, days: days).totals
        let archive = ArchiveRotation.defaultDirectory(forDatabase: options.database)

        let startLoad = ReportsBenchmark.currentLoad()
        let startCPU = cpuSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try ArchiveRotation.rotate(store: store, archiveDirectory: archive, retentionDays: 30)
        let rotateSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let rotateCPU = cpuSeconds() - startCPU
        let rows = result.archived.map(\.rows).reduce(0, +)
        let bytes = result.archived.map(\.bytes).reduce(0, +)
        let raw = result.archived.map(\.rawBytes).reduce(0, +)
        guard rows == count, try store.count() == 0 else { throw BenchmarkError("rotation archived \(rows) of \(count) attempts") }

        func median(_ body: () throws -> Void) rethrows -> Double {
            var seconds: [Double] = []
            for _ in 0..<options.runs {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return seconds.sorted()[seconds.count / 2]
        }
        func cli(_ arguments: [String], expecting status: Int32 = 0) throws -> Double {
            var seconds: [Double] = []
            for _ in 0..<options.runs {
                let measurement = try ChildProcess.run(options.meterbook, arguments + ["--db", options.database])
                guard measurement.status == status else { throw BenchmarkError("meterbook \(arguments.joined(separator: " ")) exited \(measurement.status)") }
                seconds.append(measurement.seconds)
            }
            return seconds.sorted()[seconds.count / 2]
        }

        let absent = "resp_absent_\(UUID().uuidString)"
        let traceInProcess = try median {
            do {
                _ = try CallTrace.find(absent, in: store)
                throw BenchmarkError("an absent ID was found")
            } catch is CallTrace.NotFound {}
        }
        let traceCLI = try cli(["trace", absent], expecting: 1)
        var after = before
        let reportInProcess = try median { after = try UsageReport.build(store: store, days: days).totals }
        guard after.calls == before.calls, after.requests == before.requests, after.inputTokens == before.inputTokens,
              after.failed == before.failed, after.throttled == before.throttled else {
            throw BenchmarkError("the report after rotation differs from the one before")
        }
        let reportCLI = try cli(["report", "--from", firstDay.description, "--to", lastDay.description, "--format", "json"])
        let tagReport = try median { _ = try UsageReport.build(store: store, days: DayRange(from: lastDay.adding(days: -6), to: lastDay), groupings: [.tag("app")]) }
        let ratio = Double(raw) / Double(max(bytes, 1))
        let levels = try compressionLevels(of: result.archived.map(\.path), scratch: folder)
        let endLoad = ReportsBenchmark.currentLoad()

        func format(_ seconds: Double) -> String { ReportsBenchmark.format(seconds) }
        print("## Rotation and archives (`meterbook-benchmark rotation`, issue 4)")
        print("")
        print("\(count.formatted()) generated attempts (the reports benchmark's generator: ids and usage objects in the services' formats, tags) over "
              + "\(options.days) days and \(options.deployments) deployments, all older than the 30-day window; "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores, shared; release build; median of \(options.runs) runs where repeated. "
              + "`meterbook` rows are the real binary, a new process per run (start-up included).")
        print("")
        print("| what | goal | result |")
        print("|---|---|---|")
        print("| rotate \(count.formatted()) attempts into \(result.archived.count) daily archives (write, fsync, read back, SHA-256, rollups, delete, vacuum), in-process | ≤ 10 s | \(format(rotateSeconds)) (\(Int(Double(count) / rotateSeconds).formatted()) rows/s) |")
        print("| compression: \(raw / 1_000_000) MB of NDJSON into \(bytes / 1_000_000) MB of gzip (level \(ArchiveRotation.compressionLevel), \(ArchiveRotation.compressionStrategy == .filtered ? "Z_FILTERED" : "default strategy")) | ≥ 8× | \(String(format: "%.1f", ratio))× (\(raw / max(count, 1)) B/row raw, \(bytes / max(count, 1)) B/row compressed) |")
        print("| trace of an absent ID across \(result.archived.count) archives, in-process | ≤ 200 ms | \(format(traceInProcess)) |")
        print("| `meterbook trace ABSENT` (exit 1) | ≤ 200 ms | \(format(traceCLI)) |")
        print("| report over \(options.days) archived days (rollups), in-process | ≤ 1 s | \(format(reportInProcess)) |")
        print("| `meterbook report --from \(firstDay) --to \(lastDay) --format json` | ≤ 1 s | \(format(reportCLI)) |")
        print("| report by tag over the last 7 archived days (reads the archive files), in-process | – | \(format(tagReport)) |")
        print("")
        print("Rotation used \(String(format: "%.1f", rotateCPU)) s of CPU (user + system, both cores) in \(format(rotateSeconds)). "
              + "Load average (1 min) before the rotation and after the measurements: \(ReportsBenchmark.loadAverage(startLoad)) and \(ReportsBenchmark.loadAverage(endLoad)).")
        print("")
        print("zlib levels on the same rows (the first archives' NDJSON, \(levels.first.map { $0.rawBytes / 1_000_000 } ?? 0) MB, compressed again on one core, fsync included):")
        print("")
        print("| level | strategy | ratio | B/row compressed | MB/s of NDJSON |")
        print("|---|---|---|---|---|")
        for level in levels {
            let strategy = level.strategy == .filtered ? "Z_FILTERED" : "default"
            let chosen = level.level == ArchiveRotation.compressionLevel && level.strategy == ArchiveRotation.compressionStrategy ? " (archives)" : ""
            print("| \(level.level) | \(strategy)\(chosen) | \(String(format: "%.2f", level.ratio))× | \(level.bytesPerRow) | \(Int(level.megabytesPerSecond)) |")
        }
        print("")
    }

    /// CPU time of this process so far (every thread, user and system).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    struct LevelTrial {
        var level: Int32
        var strategy: GzipWriter.Strategy
        var rawBytes: Int
        var ratio: Double
        var bytesPerRow: Int
        var megabytesPerSecond: Double
    }

    /// Compresses the NDJSON of the first archives (up to ~40 MB) again at zlib levels 1 to 9, with the default strategy and Z_FILTERED.
    static func compressionLevels(of archives: [String], scratch folder: String) throws -> [LevelTrial] {
        var raw: [UInt8] = []
        var rows = 0
        for path in archives where raw.count < 40_000_000 {
            try GzipReader(path: path).forEachLine { line in
                raw.append(contentsOf: line)
                raw.append(0x0A)
                rows += 1
                return true
            }
        }
        let trials: [(Int32, GzipWriter.Strategy)] = [(1, .standard), (3, .standard), (4, .standard), (4, .filtered), (5, .standard),
                                                     (5, .filtered), (6, .standard), (6, .filtered), (9, .standard), (9, .filtered)]
        return try trials.map { level, strategy in
            let path = (folder as NSString).appendingPathComponent("level-\(level)-\(strategy).gz")
            try? FileManager.default.removeItem(atPath: path)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let start = DispatchTime.now().uptimeNanoseconds
            let writer = try GzipWriter(path: path, level: level, strategy: strategy)
            try raw.withUnsafeBytes { try writer.write($0) }
            _ = try writer.finish()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            return LevelTrial(level: level, strategy: strategy, rawBytes: raw.count, ratio: Double(raw.count) / Double(max(1, writer.compressedBytes)),
                              bytesPerRow: writer.compressedBytes / max(1, rows), megabytesPerSecond: Double(raw.count) / seconds / 1e6)
        }
    }
}
