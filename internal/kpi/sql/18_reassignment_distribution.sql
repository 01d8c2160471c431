-- KPI 18 Reassignment distribution: loaded tickets with timesheet entries by their number of
-- distinct timesheet users, in the buckets 1, 2, 3, 4+ (every bucket listed), count and share.
WITH w AS (
  SELECT CASE count(DISTINCT s."TS-User Username") WHEN 1 THEN '1' WHEN 2 THEN '2' WHEN 3 THEN '3'
              ELSE '4+' END AS bucket
  FROM timesheets s
  JOIN tickets t ON t."TKT-Ticket ID" = s."TS-Crm ID"
  GROUP BY s."TS-Crm ID"
)
SELECT b.bucket, count(w.bucket) AS tickets,
       coalesce(round(100.0 * count(w.bucket) / nullif((SELECT count(*) FROM w), 0), 2), 0) AS share_pct
FROM (VALUES (1, '1'), (2, '2'), (3, '3'), (4, '4+')) AS b (ord, bucket)
LEFT JOIN w ON w.bucket = b.bucket
GROUP BY b.ord, b.bucket
ORDER BY b.ord
