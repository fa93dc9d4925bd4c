-- Cost by deployment per day (UTC), with calls, attempts and tokens.
-- PostgreSQL version of ../cost-by-deployment-per-day.sql (meterbook query --db postgres://...).
-- @param from -7d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
SELECT to_char(to_timestamp(started_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
       deployment,
       count(DISTINCT call_id) AS calls,
       count(*) AS requests,
       sum(coalesce(input_tokens, 0))::bigint AS input_tokens,
       sum(coalesce(output_tokens, 0))::bigint AS output_tokens,
       round(sum(cost_usd)::numeric, 6)::double precision AS cost_usd
FROM requests
WHERE started_at >= (CAST(:from AS date) - DATE '1970-01-01')::bigint * 86400000
  AND started_at < (CAST(:to AS date) - DATE '1970-01-01' + 1)::bigint * 86400000
GROUP BY day, deployment
ORDER BY day, sum(cost_usd) DESC NULLS LAST, deployment COLLATE "C" NULLS FIRST;
