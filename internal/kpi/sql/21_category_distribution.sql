-- KPI 21 Category distribution: resolved tickets per "TKT-Category" (NULL excluded from the
-- rows, not from the total), count and share of all resolved tickets.
WITH r AS (
  SELECT t."TKT-Category" AS category FROM tickets t WHERE t."TKT-Status" = ANY (@resolved::text[])
)
SELECT r.category, count(*) AS tickets,
       round(100.0 * count(*) / (SELECT count(*) FROM r), 2) AS share_pct
FROM r
WHERE r.category IS NOT NULL
GROUP BY r.category
ORDER BY count(*) DESC, r.category COLLATE "C"
