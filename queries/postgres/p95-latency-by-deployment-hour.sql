-- p95 latency by deployment and hour (UTC): exact nearest rank over the attempts, as meterbook report computes it.
-- PostgreSQL version of ../p95-latency-by-deployment-hour.sql (meterbook query --db postgres://...).
-- @param from -1d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
WITH attempts AS (
    SELECT deployment,
           to_char(to_timestamp(started_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:00') AS hour,
           latency_ms
    FROM requests
    WHERE latency_ms IS NOT NULL
      AND started_at >= (CAST(:from AS date) - DATE '1970-01-01')::bigint * 86400000
      AND started_at < (CAST(:to AS date) - DATE '1970-01-01' + 1)::bigint * 86400000
),
ranked AS (
    SELECT hour, deployment, latency_ms,
           row_number() OVER (PARTITION BY hour, deployment ORDER BY latency_ms) AS position,
           count(*) OVER (PARTITION BY hour, deployment) AS attempts
    FROM attempts
)
SELECT hour, deployment, attempts, latency_ms AS latency_p95_ms
FROM ranked
-- The nearest rank of p95 among n values is ceil(0.95 n) = (95 n + 99) / 100 in integers.
WHERE position = (attempts * 95 + 99) / 100
ORDER BY hour, deployment COLLATE "C" NULLS FIRST;
