-- Prompt cache hit ratio by deployment: cached input tokens / input tokens (OpenAI cached tokens, Anthropic cache reads).
-- PostgreSQL version of ../cache-hit-ratio-by-deployment.sql (meterbook query --db postgres://...).
-- @param from -7d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
SELECT deployment,
       sum(input_tokens)::bigint AS input_tokens,
       sum(coalesce(cached_input_tokens, 0))::bigint AS cached_input_tokens,
       sum(coalesce(cache_write_tokens, 0))::bigint AS cache_write_tokens,
       round(1.0 * sum(coalesce(cached_input_tokens, 0)) / nullif(sum(input_tokens), 0), 4)::double precision AS cache_hit_ratio
FROM requests
WHERE input_tokens IS NOT NULL
  AND started_at >= (CAST(:from AS date) - DATE '1970-01-01')::bigint * 86400000
  AND started_at < (CAST(:to AS date) - DATE '1970-01-01' + 1)::bigint * 86400000
GROUP BY deployment
ORDER BY cache_hit_ratio DESC NULLS LAST, deployment COLLATE "C" NULLS FIRST;
