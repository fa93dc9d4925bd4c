-- Prompt cache hit ratio by deployment: cached input tokens / input tokens (OpenAI cached tokens, Anthropic cache reads).
-- @param from -7d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
SELECT deployment,
       sum(input_tokens) AS input_tokens,
       sum(coalesce(cached_input_tokens, 0)) AS cached_input_tokens,
       sum(coalesce(cache_write_tokens, 0)) AS cache_write_tokens,
       round(1.0 * sum(coalesce(cached_input_tokens, 0)) / nullif(sum(input_tokens), 0), 4) AS cache_hit_ratio
FROM requests
WHERE input_tokens IS NOT NULL
  AND started_at >= CAST(strftime('%s', :from) AS INTEGER) * 1000
  AND started_at < CAST(strftime('%s', :to, '+1 day') AS INTEGER) * 1000
GROUP BY deployment
ORDER BY cache_hit_ratio DESC, deployment;
