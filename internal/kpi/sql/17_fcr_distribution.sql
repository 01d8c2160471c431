-- KPI 17 FCR distribution: resolved tickets by their number of customer-facing comments, in the
-- buckets 0, 1, 2-3, 4+ (every bucket listed, empty ones with 0), count and share.
WITH cf AS (
  SELECT c.ticket_id, count(*) AS n FROM comments c WHERE c.customer_facing GROUP BY c.ticket_id
),
r AS (
  SELECT CASE WHEN coalesce(cf.n, 0) = 0 THEN '0' WHEN cf.n = 1 THEN '1'
              WHEN cf.n <= 3 THEN '2-3' ELSE '4+' END AS bucket
  FROM tickets t
  LEFT JOIN cf ON cf.ticket_id = t."TKT-Ticket ID"
  WHERE t."TKT-Status" = ANY (@resolved::text[])
)
SELECT b.bucket, count(r.bucket) AS tickets,
       coalesce(round(100.0 * count(r.bucket) / nullif((SELECT count(*) FROM r), 0), 2), 0) AS share_pct
FROM (VALUES (1, '0'), (2, '1'), (3, '2-3'), (4, '4+')) AS b (ord, bucket)
LEFT JOIN r ON r.bucket = b.bucket
GROUP BY b.ord, b.bucket
ORDER BY b.ord
