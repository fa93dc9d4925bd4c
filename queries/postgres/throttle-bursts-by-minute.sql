-- 429 bursts: the minutes (UTC) in which a deployment answered at least :min_429 times with 429.
-- PostgreSQL version of ../throttle-bursts-by-minute.sql (meterbook query --db postgres://...).
-- @param from -7d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
-- @param min_429 3  the fewest 429s in one minute that count as a burst
SELECT to_char(to_timestamp(started_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS minute,
       deployment,
       count(*) AS throttled,
       count(DISTINCT call_id) AS calls,
       max(retry_after_ms) AS max_retry_after_ms
FROM requests
WHERE status = 429
  AND started_at >= (CAST(:from AS date) - DATE '1970-01-01')::bigint * 86400000
  AND started_at < (CAST(:to AS date) - DATE '1970-01-01' + 1)::bigint * 86400000
GROUP BY minute, deployment
HAVING count(*) >= :min_429
ORDER BY throttled DESC, minute, deployment COLLATE "C" NULLS FIRST;
