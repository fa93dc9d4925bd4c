import Foundation
import GRDB
import GRDBSQLite

extension DatabaseSource {
    /// Ids per block: about 1.3 MB of NDJSON. Larger blocks cost memory, not time: exporting all 10M rows peaked
    /// at 89 MB (CSV) with 8,192 and 94 MB (NDJSON) with 4,096, against 68 MB with 2,048 (one thread: 38 MB).
    static let exportBlockIDs: Int64 = 2048
    /// An export is one thread's CPU (SQLite decoding rows, then encoding them): two encoders fill two cores, and
    /// the writer (the calling thread) only copies finished blocks out.
    static var exportWorkers: Int { min(2, ProcessInfo.processInfo.activeProcessorCount) }
    /// Blocks claimed and not yet written, at most: what bounds memory, whatever the range holds.
    static let exportBlocksInFlight = 4

    /// Splits the interval of ids into blocks that `workers` threads read and encode, each on its own read
    /// connection with its own copy of the (already begun) encoder, and writes the blocks to `sink` in id order: the
    /// bytes are those of the single-threaded export. Nil when the interval holds two blocks or less, or when the
    /// workers could not be given one snapshot: the caller then exports on this thread.
    ///
    /// One snapshot: each worker keeps one read transaction for the whole export, and all of them must see the same
    /// database, or a row could be exported as two different states of it. Bounding every block by the same
    /// interval would only keep out rows appended meanwhile; attempts are also updated (a retried call clears
    /// `final` on its earlier attempts, repricing sets `cost_usd`) and deleted (rotation, which only takes
    /// RotationLock against another rotation, not against readers). The system SQLite has no sqlite3_snapshot_*,
    /// so this checks instead: `PRAGMA data_version` on a connection outside any transaction changes whenever
    /// another connection commits. Read before the interval is found and again after every worker opened its
    /// transaction, an unchanged value means nothing was committed in between: the interval and every worker
    /// saw one state. A commit in between (a busy proxy) retries; after three tries, one thread does it all.
    func exportInBlocks<Encoder: RowEncoder & Sendable>(range: Range<Int64>, filter: AttemptFilter, columns: [String],
                                                        encoder: Encoder, sink: ByteSink, workers: Int, blockIDs: Int64) throws -> Int? {
        for _ in 0..<3 {
            let blocks = ExportBlocks(workers: workers, inFlight: Self.exportBlocksInFlight)
            let group = DispatchGroup()
            // Whatever happens below, no worker outlives this attempt.
            defer {
                blocks.stop()
                group.wait()
            }
            let plan = try store.pool.unsafeRead { db -> ExportBlocks.Plan?? in
                let before = try Int64.fetchOne(db, sql: "PRAGMA data_version")
                guard let (first, last) = try Self.idBounds(db, range), last - first >= 2 * blockIDs else { return .some(nil) }
                for _ in 0..<workers {
                    group.enter()
                    let store = store
                    Thread.detachNewThread {
                        Self.encodeBlocks(store: store, blocks: blocks, range: range, filter: filter, columns: columns, encoder: encoder)
                        group.leave()
                    }
                }
                blocks.waitForWorkers()
                let after = try Int64.fetchOne(db, sql: "PRAGMA data_version")
                guard before == after else { return nil }
                return ExportBlocks.Plan(first: first, last: last, blockIDs: blockIDs)
            }
            guard let plan else { continue }
            guard let plan else { return nil }
            blocks.start(plan)
            var rows = 0
            while let block = try blocks.next() {
                try sink.append(block.bytes)
                rows += block.rows
            }
            return rows
        }
        return nil
    }

    /// One worker: opens its snapshot, waits for the plan, then encodes the blocks it claims until none is left.
    private static func encodeBlocks<Encoder: RowEncoder>(store: MeterbookStore, blocks: ExportBlocks, range: Range<Int64>,
                                                          filter: AttemptFilter, columns: [String], encoder: Encoder) {
        var waited = false
        do {
            try store.read { db in
                // The read transaction takes its snapshot at its first read, not at BEGIN.
                _ = try Int64.fetchOne(db, sql: "SELECT id FROM requests LIMIT 1")
                waited = true
                guard let plan = blocks.ready() else { return }
                let scope = Self.scope(range, filter)
                let statement = try Self.idScan(db, columns: columns, scopeSQL: scope.sql)
                let output = ByteSink()
                var encoder = encoder
                while let block = blocks.claim() {
                    let ids = plan.ids(of: block)
                    do {
                        try statement.setArguments(Self.idScanArguments(ids, scope.arguments))
                        let rows = try Self.writeRows(statement, db: db, columns: columns, encoder: &encoder, sink: output)
                        blocks.finish(block, bytes: try output.takeCollected(), rows: rows)
                    } catch {
                        blocks.fail(block, error)
                        return
                    }
                }
            }
        } catch {
            if !waited { _ = blocks.ready(failed: true) }
            blocks.fail(nil, error)
        }
    }
}
