-- Cost per value of one tag (app, team, user, feature, ...); attempts without the tag are the NULL row.
-- @param from -7d   first day (UTC): YYYY-MM-DD, today, yesterday or -Nd
-- @param to today   last day (UTC), included
-- @param tag app    the tag key
SELECT :tag AS tag,
       json_extract(tags, '$."' || :tag || '"') AS tag_value,
       count(DISTINCT call_id) AS calls,
       count(*) AS requests,
       round(sum(cost_usd), 6) AS cost_usd
FROM requests
WHERE started_at >= CAST(strftime('%s', :from) AS INTEGER) * 1000
  AND started_at < CAST(strftime('%s', :to, '+1 day') AS INTEGER) * 1000
GROUP BY tag_value
ORDER BY sum(cost_usd) DESC, tag_value;
