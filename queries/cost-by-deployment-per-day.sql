-- Cost by deployment per day (UTC), with calls, attempts and tokens.
-- @param from -7d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
SELECT strftime('%Y-%m-%d', started_at / 1000, 'unixepoch') AS day,
       deployment,
       count(DISTINCT call_id) AS calls,
       count(*) AS requests,
       sum(coalesce(input_tokens, 0)) AS input_tokens,
       sum(coalesce(output_tokens, 0)) AS output_tokens,
       round(sum(cost_usd), 6) AS cost_usd
FROM requests
WHERE started_at >= CAST(strftime('%s', :from) AS INTEGER) * 1000
  AND started_at < CAST(strftime('%s', :to, '+1 day') AS INTEGER) * 1000
GROUP BY day, deployment
ORDER BY day, sum(cost_usd) DESC, deployment;
