-- Top deployments by cost, with the attempts that had tokens but no price (unknown model).
-- PostgreSQL version of ../top-deployments-by-cost.sql (meterbook query --db postgres://...).
-- @param from -30d  first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
-- @param limit 10   how many deployments
SELECT deployment,
       round(sum(cost_usd)::numeric, 6)::double precision AS cost_usd,
       count(DISTINCT call_id) AS calls,
       count(*) AS requests,
       count(*) FILTER (WHERE cost_usd IS NULL AND coalesce(input_tokens, 0) + coalesce(output_tokens, 0) > 0) AS unpriced_requests
FROM requests
WHERE started_at >= (CAST(:from AS date) - DATE '1970-01-01')::bigint * 86400000
  AND started_at < (CAST(:to AS date) - DATE '1970-01-01' + 1)::bigint * 86400000
GROUP BY deployment
ORDER BY sum(cost_usd) DESC NULLS LAST, deployment COLLATE "C" NULLS FIRST
LIMIT :limit;
