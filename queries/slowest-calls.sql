-- Slowest calls: from the first attempt's start to the last attempt's end, retries and waits included.
-- @param from -1d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
-- @param limit 20   how many calls
SELECT call_id,
       deployment,
       strftime('%Y-%m-%d %H:%M:%f', min(started_at) / 1000.0, 'unixepoch') AS started,
       count(*) AS attempts,
       max(started_at + coalesce(latency_ms, 0)) - min(started_at) AS duration_ms,
       (SELECT outcome FROM requests AS last WHERE last.call_id = r.call_id ORDER BY attempt DESC LIMIT 1) AS final_outcome
FROM requests AS r
WHERE started_at >= CAST(strftime('%s', :from) AS INTEGER) * 1000
  AND started_at < CAST(strftime('%s', :to, '+1 day') AS INTEGER) * 1000
GROUP BY call_id
ORDER BY duration_ms DESC, call_id
LIMIT :limit;
