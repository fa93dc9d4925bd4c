-- Errors by status and code: every attempt that did not end ok (429s, 5xx, transport and stream errors).
-- PostgreSQL version of ../errors-by-code.sql (meterbook query --db postgres://...).
-- @param from -7d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
SELECT status,
       outcome,
       coalesce(error_code, error_type, '') AS error,
       count(*) AS attempts,
       count(DISTINCT call_id) AS calls,
       count(DISTINCT deployment) AS deployments,
       to_char(to_timestamp(max(started_at) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS last_seen
FROM requests
WHERE outcome <> 'ok'
  AND started_at >= (CAST(:from AS date) - DATE '1970-01-01')::bigint * 86400000
  AND started_at < (CAST(:to AS date) - DATE '1970-01-01' + 1)::bigint * 86400000
GROUP BY status, outcome, error
ORDER BY attempts DESC, status, coalesce(error_code, error_type, '') COLLATE "C";
