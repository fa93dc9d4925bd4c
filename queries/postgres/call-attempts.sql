-- Every attempt of one call, found by any of its IDs: call_id, response_id, request_id, apim_request_id or
-- upstream_request_id (each lookup uses its own index). The text version of this is meterbook trace ID.
-- PostgreSQL version of ../call-attempts.sql (meterbook query --db postgres://...).
-- @param id required  the ID to look up
WITH match AS (
    SELECT call_id, started_at FROM requests WHERE call_id = :id
    UNION ALL SELECT call_id, started_at FROM requests WHERE response_id = :id
    UNION ALL SELECT call_id, started_at FROM requests WHERE request_id = :id
    UNION ALL SELECT call_id, started_at FROM requests WHERE apim_request_id = :id
    UNION ALL SELECT call_id, started_at FROM requests WHERE upstream_request_id = :id
)
SELECT attempt,
       final,
       to_char(to_timestamp(started_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS started,
       deployment,
       status,
       outcome,
       coalesce(error_code, error_type) AS error,
       latency_ms,
       input_tokens,
       output_tokens,
       cost_usd,
       retry_after_ms,
       response_id,
       request_id,
       apim_request_id,
       upstream_request_id
FROM requests
WHERE call_id = (SELECT call_id FROM match ORDER BY started_at DESC LIMIT 1)
ORDER BY started_at, attempt;
