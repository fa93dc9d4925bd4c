import Foundation
import GRDB

/// The versioned schema. Each migration runs once, in order, inside the transaction that checks
/// `PRAGMA user_version`, so several processes opening a new file at once cannot apply one twice.
enum Schema {
    /// `PRAGMA application_id` of every Meterbook database ("MBK1"), to tell our files from other SQLite files.
    static let applicationID: Int32 = 0x4D42_4B31

    struct Migration {
        let version: Int
        let name: String
        let apply: @Sendable (Database) throws -> Void
    }

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "requests") { db in
            try db.execute(sql: """
                CREATE TABLE requests (
                    id INTEGER PRIMARY KEY,
                    call_id TEXT NOT NULL,
                    attempt INTEGER NOT NULL DEFAULT 1,
                    final INTEGER NOT NULL DEFAULT 1,
                    started_at INTEGER NOT NULL,
                    provider TEXT NOT NULL,
                    api TEXT NOT NULL,
                    endpoint TEXT NOT NULL,
                    deployment TEXT,
                    model TEXT,
                    method TEXT NOT NULL,
                    path TEXT NOT NULL,
                    api_version TEXT,
                    stream INTEGER NOT NULL DEFAULT 0,
                    status INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    error_type TEXT,
                    error_code TEXT,
                    error_message TEXT,
                    latency_ms REAL,
                    ttfb_ms REAL,
                    ttft_ms REAL,
                    dns_ms REAL,
                    connect_ms REAL,
                    tls_ms REAL,
                    request_bytes INTEGER,
                    response_bytes INTEGER,
                    input_tokens INTEGER,
                    output_tokens INTEGER,
                    total_tokens INTEGER,
                    cached_input_tokens INTEGER,
                    cache_write_tokens INTEGER,
                    reasoning_tokens INTEGER,
                    usage_json TEXT,
                    cost_usd REAL,
                    response_id TEXT,
                    request_id TEXT,
                    apim_request_id TEXT,
                    upstream_request_id TEXT,
                    region TEXT,
                    retry_after_ms INTEGER,
                    ratelimit_remaining_requests INTEGER,
                    ratelimit_remaining_tokens INTEGER,
                    tags TEXT NOT NULL DEFAULT '{}'
                );
                CREATE INDEX requests_started_at ON requests(started_at);
                CREATE INDEX requests_deployment_started_at ON requests(deployment, started_at);
                CREATE INDEX requests_call_id ON requests(call_id, attempt);
                CREATE INDEX requests_response_id ON requests(response_id) WHERE response_id IS NOT NULL;
                CREATE INDEX requests_request_id ON requests(request_id) WHERE request_id IS NOT NULL;
                CREATE INDEX requests_apim_request_id ON requests(apim_request_id) WHERE apim_request_id IS NOT NULL;
                CREATE INDEX requests_upstream_request_id ON requests(upstream_request_id) WHERE upstream_request_id IS NOT NULL;
                """)
        },
        // Reports scan one range of this index instead of the table: it holds every column a usage report
        // reads, so a report never touches the 400-byte rows. It starts with started_at, which makes the
        // plain started_at index redundant (one wide index costs inserts less than two).
        Migration(version: 2, name: "report covering index") { db in
            try db.execute(sql: """
                CREATE INDEX requests_report ON requests(
                    started_at, deployment, model, endpoint, status, outcome, final, attempt, call_id,
                    input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
                    cost_usd, latency_ms, ttft_ms
                );
                DROP INDEX requests_started_at;
                """)
        },
        // Rotation: one manifest row per archive file (a day may have several parts when late rows arrive after it
        // was archived), and per-day rollups that keep reports over archived days working after the rows are gone.
        // Rollup keys may be NULL (deployment, model), so rows are matched with IS in code, not by a unique index.
        Migration(version: 3, name: "archives and rollups") { db in
            try db.execute(sql: """
                CREATE TABLE archives (
                    id INTEGER PRIMARY KEY,
                    day TEXT NOT NULL,
                    part INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    rows INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    raw_bytes INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    first_started_at INTEGER NOT NULL,
                    last_started_at INTEGER NOT NULL,
                    id_filter BLOB NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX archives_day_part ON archives(day, part);
                CREATE UNIQUE INDEX archives_path ON archives(path);
                CREATE TABLE rollups (
                    day TEXT NOT NULL,
                    deployment TEXT,
                    model TEXT,
                    endpoint TEXT NOT NULL,
                    status_class TEXT NOT NULL,
                    calls INTEGER NOT NULL,
                    requests INTEGER NOT NULL,
                    succeeded INTEGER NOT NULL,
                    failed INTEGER NOT NULL,
                    throttled INTEGER NOT NULL,
                    server_errors INTEGER NOT NULL,
                    input_tokens INTEGER NOT NULL,
                    output_tokens INTEGER NOT NULL,
                    total_tokens INTEGER NOT NULL,
                    cached_input_tokens INTEGER NOT NULL,
                    cache_write_tokens INTEGER NOT NULL,
                    reasoning_tokens INTEGER NOT NULL,
                    cost_usd REAL NOT NULL,
                    priced_requests INTEGER NOT NULL,
                    unpriced_requests INTEGER NOT NULL,
                    open_call_ids TEXT NOT NULL,
                    latency_histogram TEXT NOT NULL,
                    ttft_histogram TEXT NOT NULL
                );
                CREATE INDEX rollups_day ON rollups(day, deployment, model, endpoint, status_class);
                """)
        },
        // Shipping to a central store (PostgreSQL): every attempt needs an id that no later attempt of this file
        // reuses, and the file needs an identity of its own. Without AUTOINCREMENT SQLite hands out max(id)+1, so
        // once rotation empties the table ids start again at 1 and a shipper's position ("shipped up to id N")
        // would skip new rows. AUTOINCREMENT is part of the table's definition, hence the one-time rebuild.
        Migration(version: 4, name: "monotonic ids and source identity") { db in
            let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(requests)").map { $0["name"] as String }
            let list = columns.joined(separator: ", ")
            let definition = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'requests'") ?? ""
            let rebuilt = definition
                .replacingOccurrences(of: "CREATE TABLE requests (", with: "CREATE TABLE requests_v4 (")
                .replacingOccurrences(of: "id INTEGER PRIMARY KEY,", with: "id INTEGER PRIMARY KEY AUTOINCREMENT,")
            if !definition.contains("AUTOINCREMENT") {
                guard rebuilt.contains("requests_v4"), rebuilt.contains("AUTOINCREMENT") else {
                    throw StoreError(.sqlite, "Could not upgrade the requests table to schema 4: its definition is not the one Meterbook created.")
                }
                // Dropping the table drops its indexes and triggers; they are made again on the new table.
                let dependents = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 'requests' AND sql IS NOT NULL ORDER BY type = 'trigger'")
                try db.execute(sql: rebuilt)
                try db.execute(sql: "INSERT INTO requests_v4 (\(list)) SELECT \(list) FROM requests ORDER BY id")
                try db.execute(sql: "DROP TABLE requests")
                try db.execute(sql: "ALTER TABLE requests_v4 RENAME TO requests")
                for statement in dependents { try db.execute(sql: statement) }
            }
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT OR IGNORE INTO meta (key, value) VALUES ('source_id', ?);
                """, arguments: [UUID().uuidString.lowercased()])
        },
        // Day summaries (DaySummaries): the exact report figures of closed days still in this table, so a report
        // over them need not read their attempts. `summary_days` holds one row per day whose summary is valid (or
        // being built: complete = 0); every Meterbook write to `requests` deletes the rows of the days it touches,
        // in its own transaction. A day's groups belong to the build whose token they carry.
        Migration(version: 5, name: "day summaries") { db in
            try db.execute(sql: """
                CREATE TABLE summary_days (
                    day INTEGER PRIMARY KEY,
                    token INTEGER NOT NULL,
                    format INTEGER NOT NULL,
                    complete INTEGER NOT NULL,
                    rows INTEGER NOT NULL DEFAULT 0,
                    built_at INTEGER NOT NULL
                );
                CREATE TABLE summary_groups (
                    day INTEGER NOT NULL,
                    token INTEGER NOT NULL,
                    deployment TEXT,
                    model TEXT,
                    endpoint TEXT,
                    requests INTEGER NOT NULL,
                    single_attempt_calls INTEGER NOT NULL,
                    succeeded INTEGER NOT NULL,
                    failed INTEGER NOT NULL,
                    throttled INTEGER NOT NULL,
                    server_errors INTEGER NOT NULL,
                    input_tokens INTEGER NOT NULL,
                    output_tokens INTEGER NOT NULL,
                    cached_input_tokens INTEGER NOT NULL,
                    cache_write_tokens INTEGER NOT NULL,
                    reasoning_tokens INTEGER NOT NULL,
                    cost_sum REAL NOT NULL,
                    cost_compensation REAL NOT NULL,
                    priced_requests INTEGER NOT NULL,
                    unpriced_requests INTEGER NOT NULL,
                    retried_calls BLOB NOT NULL,
                    latencies BLOB NOT NULL,
                    ttfts BLOB NOT NULL
                );
                CREATE INDEX summary_groups_day ON summary_groups(day, token);
                """)
        },
    ]

    /// Refuses a database written by a newer Meterbook; returns its version otherwise.
    @discardableResult
    static func checkNotNewer(_ db: Database, path: String) throws -> Int {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if version > latestVersion {
            throw StoreError(.newerSchema, "\(path) has schema version \(version), newer than this meterbook understands (\(latestVersion)): upgrade meterbook; nothing was written.")
        }
        return version
    }

    /// Applies every migration the database lacks; refuses a database from a newer Meterbook.
    static func migrate(_ db: Database, path: String) throws {
        let version = try checkNotNewer(db, path: path)
        guard version < latestVersion else { return }
        for migration in migrations where migration.version > version {
            try migration.apply(db)
        }
        try db.execute(sql: "PRAGMA application_id = \(applicationID)")
        try db.execute(sql: "PRAGMA user_version = \(latestVersion)")
    }
}
