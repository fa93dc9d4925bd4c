import Meterbook
import NIOCore

/// One batch of attempts as COPY text for the central `requests` table, with what the writer needs besides the
/// rows: the days they fall on (partitions to create) and the calls they retry (earlier attempts to un-final).
package struct CopyBatch: Sendable {
    /// The rows, in PostgreSQL's COPY text format, columns in `CentralWriter.columns` order.
    package var data = ByteBuffer()
    package var count = 0
    /// The shipped position a live batch was read above.
    var after: Int64 = 0
    /// The highest local id in the batch (0 when empty).
    package var lastID: Int64 = 0
    /// The start (ms) of each UTC day the rows start on.
    var dayStarts: Set<Int64> = []
    /// Calls with a retry (attempt > 1) in this batch whose earlier attempts the store may hold as final: call id →
    /// the highest attempt.
    var retriedCalls: [String: Int] = [:]
    /// The earliest and latest `started_at` of those retries.
    var earliestRetry: Int64 = .max
    var latestRetry: Int64 = .min

    /// The batch of `records` (archived rows, tests).
    init(_ records: [AttemptRecord], from source: ShipSource) throws {
        var encoder = CopyRowEncoder(source: source)
        let collector = Collector()
        collector.data.reserveCapacity(records.count * 768)
        let sink = collector.sink()
        for record in records {
            try encoder.encode(record, sink: sink)
        }
        try sink.flush()
        self.init(data: collector.data, encoder: encoder)
    }

    /// The next live rows of `store` above `position`, at most `limit`, read straight from SQLite's buffers.
    package static func live(of store: MeterbookStore, after position: Int64, limit: Int, source: ShipSource) throws -> CopyBatch {
        var encoder = CopyRowEncoder(source: source)
        let collector = Collector()
        let sink = collector.sink()
        _ = try store.encodeAttempts(after: position, limit: limit, columns: CopyRowEncoder.sqliteColumns, encoder: &encoder, sink: sink)
        try sink.flush()
        var batch = CopyBatch(data: collector.data, encoder: encoder)
        batch.after = position
        return batch
    }

    private init(data: ByteBuffer, encoder: CopyRowEncoder) {
        self.data = data
        count = encoder.rows
        lastID = encoder.lastID
        dayStarts = encoder.dayStarts
        (retriedCalls, earliestRetry, latestRetry) = encoder.callsToUnfinal
    }

    /// Gathers what a sink flushes (256 KiB chunks) into one buffer.
    private final class Collector {
        var data = ByteBuffer()

        func sink() -> ByteSink {
            ByteSink { [self] chunk in data.writeBytes(chunk) }
        }
    }
}
