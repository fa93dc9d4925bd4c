-- Errors by status and code: every attempt that did not end ok (429s, 5xx, transport and stream errors).
-- @param from -7d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
SELECT status,
       outcome,
       coalesce(error_code, error_type, '') AS error,
       count(*) AS attempts,
       count(DISTINCT call_id) AS calls,
       count(DISTINCT deployment) AS deployments,
       strftime('%Y-%m-%d %H:%M:%S', max(started_at) / 1000, 'unixepoch') AS last_seen
FROM requests
WHERE outcome <> 'ok'
  AND started_at >= CAST(strftime('%s', :from) AS INTEGER) * 1000
  AND started_at < CAST(strftime('%s', :to, '+1 day') AS INTEGER) * 1000
GROUP BY status, outcome, error
ORDER BY attempts DESC, status, error;
