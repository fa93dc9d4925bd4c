-- Slowest calls: from the first attempt's start to the last attempt's end, retries and waits included.
-- PostgreSQL version of ../slowest-calls.sql (meterbook query --db postgres://...).
-- @param from -1d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
-- @param limit 20   how many calls
SELECT call_id,
       (array_agg(deployment ORDER BY started_at DESC, id DESC))[1] AS deployment,
       to_char(to_timestamp(min(started_at) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS started,
       count(*) AS attempts,
       max(started_at + coalesce(latency_ms, 0)) - min(started_at) AS duration_ms,
       (SELECT outcome FROM requests AS last WHERE last.call_id = r.call_id ORDER BY attempt DESC LIMIT 1) AS final_outcome
FROM requests AS r
WHERE started_at >= (CAST(:from AS date) - DATE '1970-01-01')::bigint * 86400000
  AND started_at < (CAST(:to AS date) - DATE '1970-01-01' + 1)::bigint * 86400000
GROUP BY call_id
ORDER BY duration_ms DESC, call_id COLLATE "C"
LIMIT :limit;
