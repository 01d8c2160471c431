-- KPI 22 Data-quality indicators: % of resolved tickets with at least one timesheet entry, % of
-- resolved tickets with a root-cause category, % of comments with a comment_quality row (NULL,
-- "not available", while comment_quality is empty).
WITH r AS (
  SELECT t."TKT-Ticket ID" AS id, t."TKT-Root Cause Category" AS root_cause
  FROM tickets t WHERE t."TKT-Status" = ANY (@resolved::text[])
)
SELECT
  round(100.0 * count(*) FILTER (WHERE EXISTS (SELECT 1 FROM timesheets s WHERE s."TS-Crm ID" = r.id))
        / nullif(count(*), 0), 2) AS timesheet_coverage_pct,
  round(100.0 * count(r.root_cause) / nullif(count(*), 0), 2) AS root_cause_coverage_pct,
  (SELECT CASE WHEN EXISTS (SELECT 1 FROM comment_quality) THEN
            round(100.0 * count(*) FILTER (WHERE EXISTS (
                    SELECT 1 FROM comment_quality q WHERE q.comment_id = c.comment_id))
                  / nullif(count(*), 0), 2) END
   FROM comments c) AS quality_coverage_pct
FROM r
