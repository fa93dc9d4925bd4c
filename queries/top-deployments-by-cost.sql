-- Top deployments by cost, with the attempts that had tokens but no price (unknown model).
-- @param from -30d  first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
-- @param limit 10   how many deployments
SELECT deployment,
       round(sum(cost_usd), 6) AS cost_usd,
       count(DISTINCT call_id) AS calls,
       count(*) AS requests,
       sum(cost_usd IS NULL AND coalesce(input_tokens, 0) + coalesce(output_tokens, 0) > 0) AS unpriced_requests
FROM requests
WHERE started_at >= CAST(strftime('%s', :from) AS INTEGER) * 1000
  AND started_at < CAST(strftime('%s', :to, '+1 day') AS INTEGER) * 1000
GROUP BY deployment
ORDER BY sum(cost_usd) DESC, deployment
LIMIT :limit;
