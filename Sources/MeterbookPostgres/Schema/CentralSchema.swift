import Foundation
import PostgresNIO

/// The central store's versioned schema. Migrations run in one transaction under an advisory lock, so several
/// shippers connecting to a new database at once apply each migration exactly once; `meterbook_schema` records
/// which ran.
///
/// `requests` has the contract's columns with the same names and meanings as the SQLite table (so the same SQL
/// answers on both), plus where each row came from: `source_id` (the SQLite file's UUID, `meta.source_id`),
/// `source_host` and `source_db`. A row's identity is (source_id, id): ids in a file never repeat (schema 4
/// of the SQLite store uses AUTOINCREMENT). The table is partitioned by UTC day on `started_at` (epoch ms), so
/// central retention drops whole partitions.
public enum CentralSchema {
    struct Migration: Sendable {
        let version: Int
        let name: String
        let statements: [String]
    }

    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The advisory lock key that serialises migrations (and partition creation, in `meterbook_day_partition`).
    static let migrationLock = "select pg_advisory_xact_lock(hashtext('meterbook schema'))"

    static let migrations: [Migration] = [
        Migration(version: 1, name: "requests, sources, shipped archives", statements: [
            """
            CREATE TABLE requests (
                source_id uuid NOT NULL,
                id bigint NOT NULL,
                source_host text NOT NULL,
                source_db text NOT NULL,
                call_id text NOT NULL,
                attempt integer NOT NULL,
                final integer NOT NULL,
                started_at bigint NOT NULL,
                provider text NOT NULL,
                api text NOT NULL,
                endpoint text NOT NULL,
                deployment text,
                model text,
                method text NOT NULL,
                path text NOT NULL,
                api_version text,
                stream integer NOT NULL,
                status integer NOT NULL,
                outcome text NOT NULL,
                error_type text,
                error_code text,
                error_message text,
                latency_ms double precision,
                ttfb_ms double precision,
                ttft_ms double precision,
                dns_ms double precision,
                connect_ms double precision,
                tls_ms double precision,
                request_bytes bigint,
                response_bytes bigint,
                input_tokens bigint,
                output_tokens bigint,
                total_tokens bigint,
                cached_input_tokens bigint,
                cache_write_tokens bigint,
                reasoning_tokens bigint,
                usage_json text,
                cost_usd double precision,
                response_id text,
                request_id text,
                apim_request_id text,
                upstream_request_id text,
                region text,
                retry_after_ms bigint,
                ratelimit_remaining_requests bigint,
                ratelimit_remaining_tokens bigint,
                tags text NOT NULL DEFAULT '{}',
                PRIMARY KEY (source_id, id, started_at)
            ) PARTITION BY RANGE (started_at)
            """,
            "CREATE INDEX requests_started_at ON requests (started_at)",
            "CREATE INDEX requests_deployment_started_at ON requests (deployment, started_at)",
            "CREATE INDEX requests_call_id ON requests (call_id, attempt)",
            "CREATE INDEX requests_response_id ON requests (response_id) WHERE response_id IS NOT NULL",
            "CREATE INDEX requests_request_id ON requests (request_id) WHERE request_id IS NOT NULL",
            "CREATE INDEX requests_apim_request_id ON requests (apim_request_id) WHERE apim_request_id IS NOT NULL",
            "CREATE INDEX requests_upstream_request_id ON requests (upstream_request_id) WHERE upstream_request_id IS NOT NULL",
            // One row per shipped SQLite file: where it is and how far its live rows were shipped. The shipper
            // updates `shipped_id` in the transaction that inserts the rows, so a crash never loses or repeats it.
            """
            CREATE TABLE sources (
                source_id uuid PRIMARY KEY,
                source_host text NOT NULL,
                source_db text NOT NULL,
                shipped_id bigint NOT NULL DEFAULT 0,
                first_shipped_at timestamptz NOT NULL DEFAULT now(),
                last_shipped_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            // Archives of a source whose every row is in `requests` (rows rotated away before they were shipped).
            """
            CREATE TABLE shipped_archives (
                source_id uuid NOT NULL REFERENCES sources ON DELETE CASCADE,
                day date NOT NULL,
                part integer NOT NULL,
                sha256 text NOT NULL,
                rows bigint NOT NULL,
                shipped_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (source_id, day, part)
            )
            """,
            // The partition of a day (named requests_YYYYMMDD), created on first use. Shippers call it for each
            // day of a batch before inserting: PostgreSQL has no automatic partition creation, and a default
            // partition would make every later CREATE ... PARTITION OF scan it.
            """
            CREATE FUNCTION meterbook_day_partition(started_at bigint) RETURNS text LANGUAGE plpgsql AS $$
            DECLARE
                day_start bigint := started_at - (((started_at % 86400000) + 86400000) % 86400000);
                partition_name text := 'requests_' || to_char(to_timestamp(day_start / 1000) AT TIME ZONE 'UTC', 'YYYYMMDD');
            BEGIN
                IF to_regclass(partition_name) IS NULL THEN
                    PERFORM pg_advisory_xact_lock(hashtext('meterbook partitions'));
                    IF to_regclass(partition_name) IS NULL THEN
                        -- Waiting on an advisory lock does not refresh the catalog this transaction sees, so a
                        -- partition another shipper just committed may still look missing here.
                        BEGIN
                            EXECUTE format('CREATE TABLE %I PARTITION OF requests FOR VALUES FROM (%s) TO (%s)',
                                           partition_name, day_start, day_start + 86400000);
                        EXCEPTION WHEN duplicate_table THEN
                            NULL;
                        END;
                    END IF;
                END IF;
                RETURN partition_name;
            END
            $$
            """,
        ]),
        // Correlation ids are only ever looked up by equality (trace), and are random: a hash index holds a 4-byte
        // hash per row instead of the id, and an insert touches one bucket page instead of a random B-tree leaf.
        // The index on (deployment, started_at) goes too: a day partition holds every deployment's rows spread
        // over all its pages, so reads scan the partition anyway. Shipping is bound by PostgreSQL's work per
        // row, which this cuts by a third or more (BENCHMARKS.md).
        Migration(version: 2, name: "hash indexes on correlation ids", statements: [
            "DROP INDEX requests_deployment_started_at, requests_call_id, requests_response_id, requests_request_id, requests_apim_request_id, requests_upstream_request_id",
            "CREATE INDEX requests_call_id ON requests USING hash (call_id)",
            "CREATE INDEX requests_response_id ON requests USING hash (response_id) WHERE response_id IS NOT NULL",
            "CREATE INDEX requests_request_id ON requests USING hash (request_id) WHERE request_id IS NOT NULL",
            "CREATE INDEX requests_apim_request_id ON requests USING hash (apim_request_id) WHERE apim_request_id IS NOT NULL",
            "CREATE INDEX requests_upstream_request_id ON requests USING hash (upstream_request_id) WHERE upstream_request_id IS NOT NULL",
        ]),
    ]

    /// Creates or upgrades the schema; refuses a newer one or a database whose `requests` table is not ours.
    /// Applies every migration newer than the database's, up to `target` (tests stop early to upgrade later).
    static func migrate(_ database: CentralDatabase, upTo target: Int = latestVersion) async throws {
        try await database.transaction("set up the Meterbook schema") { database in
            try await database.run(PostgresQuery(unsafeSQL: migrationLock), "lock the schema for migration")
            let version = try await currentVersion(database)
            guard version < target else { return }
            if version == 0 {
                try await database.run("""
                    CREATE TABLE IF NOT EXISTS meterbook_schema (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                    """, "create the schema version table")
            }
            for migration in migrations where migration.version > version && migration.version <= target {
                for statement in migration.statements {
                    try await database.run(PostgresQuery(unsafeSQL: statement), "apply schema migration \(migration.version) (\(migration.name))")
                }
                try await database.run("INSERT INTO meterbook_schema (version, name) VALUES (\(migration.version), \(migration.name))", "record schema migration \(migration.version)")
            }
        }
    }

    /// Refuses a database without the Meterbook schema (readers never create one), a newer or an older one.
    static func check(_ database: CentralDatabase) async throws {
        let version = try await currentVersion(database)
        if version == 0 {
            throw CentralStoreError(.notMeterbook, "\(database.settings) holds no Meterbook data yet: ship to it first (meterbook ship --to \(database.settings)).")
        }
        if version < latestVersion {
            throw CentralStoreError(.server, "\(database.settings) has Meterbook schema \(version), older than this meterbook's (\(latestVersion)): run meterbook ship --to it once to upgrade it.")
        }
    }

    /// The highest applied migration; 0 for an empty database. Throws for a newer schema or a foreign `requests`.
    static func currentVersion(_ database: CentralDatabase) async throws -> Int {
        let hasSchemaTable = try await database.values("SELECT to_regclass('meterbook_schema') IS NOT NULL", as: Bool.self, "read the schema version").first ?? false
        guard hasSchemaTable else {
            let hasRequests = try await database.values("SELECT to_regclass('requests') IS NOT NULL", as: Bool.self, "look for a requests table").first ?? false
            if hasRequests {
                throw CentralStoreError(.notMeterbook, "\(database.settings) already has a requests table that is not Meterbook's: use another database (the path of the URL).")
            }
            return 0
        }
        let version = try await database.values("SELECT coalesce(max(version), 0) FROM meterbook_schema", as: Int.self, "read the schema version").first ?? 0
        if version > latestVersion {
            throw CentralStoreError(.newerSchema, "\(database.settings) has Meterbook schema \(version), newer than this meterbook understands (\(latestVersion)): upgrade meterbook; nothing was written.")
        }
        return version
    }
}
