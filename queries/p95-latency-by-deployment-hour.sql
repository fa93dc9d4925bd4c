-- p95 latency by deployment and hour (UTC): exact nearest rank over the attempts, as meterbook report computes it.
-- @param from -1d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
WITH attempts AS (
    SELECT deployment,
           strftime('%Y-%m-%d %H:00', started_at / 1000, 'unixepoch') AS hour,
           latency_ms
    FROM requests
    WHERE latency_ms IS NOT NULL
      AND started_at >= CAST(strftime('%s', :from) AS INTEGER) * 1000
      AND started_at < CAST(strftime('%s', :to, '+1 day') AS INTEGER) * 1000
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
ORDER BY hour, deployment;
