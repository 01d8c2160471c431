-- KPI 22 Data-quality indicators: % of resolved tickets with at least one timesheet entry, % of
-- resolved tickets with a root-cause category, % of comments with a comment_quality row (NULL,
-- "not available", while comment_quality is empty; the comments are not even read then).
WITH r AS (
  SELECT t."TKT-Ticket ID" AS id, t."TKT-Root Cause Category" AS root_cause
  FROM tickets t WHERE t."TKT-Status" = ANY (@resolved::text[])
),
ts AS (SELECT DISTINCT s."TS-Crm ID" AS id FROM timesheets s)
SELECT
  round(100.0 * count(ts.id) / nullif(count(*), 0), 2) AS timesheet_coverage_pct,
  round(100.0 * count(r.root_cause) / nullif(count(*), 0), 2) AS root_cause_coverage_pct,
  CASE WHEN EXISTS (SELECT 1 FROM comment_quality) THEN
    (SELECT round(100.0 * count(q.comment_id) / nullif(count(*), 0), 2)
     FROM comments c LEFT JOIN comment_quality q ON q.comment_id = c.comment_id)
  END AS quality_coverage_pct
FROM r
LEFT JOIN ts ON ts.id = r.id
