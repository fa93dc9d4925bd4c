-- 429 bursts: the minutes (UTC) in which a deployment answered at least :min_429 times with 429.
-- @param from -7d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
-- @param min_429 3  the fewest 429s in one minute that count as a burst
SELECT strftime('%Y-%m-%d %H:%M', started_at / 1000, 'unixepoch') AS minute,
       deployment,
       count(*) AS throttled,
       count(DISTINCT call_id) AS calls,
       max(retry_after_ms) AS max_retry_after_ms
FROM requests
WHERE status = 429
  AND started_at >= CAST(strftime('%s', :from) AS INTEGER) * 1000
  AND started_at < CAST(strftime('%s', :to, '+1 day') AS INTEGER) * 1000
GROUP BY minute, deployment
HAVING count(*) >= :min_429
ORDER BY throttled DESC, minute, deployment;
