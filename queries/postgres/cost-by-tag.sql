-- Cost per value of one tag (app, team, user, feature, ...); attempts without the tag are the NULL row.
-- PostgreSQL version of ../cost-by-tag.sql (meterbook query --db postgres://...).
-- @param from -7d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
-- @param tag app    the tag key
SELECT CAST(:tag AS text) AS tag,
       tags::jsonb ->> CAST(:tag AS text) AS tag_value,
       count(DISTINCT call_id) AS calls,
       count(*) AS requests,
       round(sum(cost_usd)::numeric, 6)::double precision AS cost_usd
FROM requests
WHERE started_at >= (CAST(:from AS date) - DATE '1970-01-01')::bigint * 86400000
  AND started_at < (CAST(:to AS date) - DATE '1970-01-01' + 1)::bigint * 86400000
GROUP BY tag_value
ORDER BY sum(cost_usd) DESC NULLS LAST, (tags::jsonb ->> CAST(:tag AS text)) COLLATE "C" NULLS FIRST;
