-- KPI 6 Reassignment rate: % of loaded tickets with timesheet entries ("TS-Crm ID" joins
-- "TKT-Ticket ID") worked by more than one distinct "TS-User Username".
WITH w AS (
  SELECT s."TS-Crm ID" AS id, count(DISTINCT s."TS-User Username") AS users
  FROM timesheets s
  JOIN tickets t ON t."TKT-Ticket ID" = s."TS-Crm ID"
  GROUP BY s."TS-Crm ID"
)
SELECT round(100.0 * count(*) FILTER (WHERE w.users > 1) / nullif(count(*), 0), 2) AS value
FROM w
