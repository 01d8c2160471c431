-- KPI 7 Root-cause distribution: the 10 most frequent "TKT-Root Cause Category" values of
-- resolved tickets (NULL, i.e. empty, excluded), count and share of the resolved tickets that
-- have a category. Ties: by name (byte order).
WITH r AS (
  SELECT t."TKT-Root Cause Category" AS category
  FROM tickets t
  WHERE t."TKT-Status" = ANY (@resolved::text[]) AND t."TKT-Root Cause Category" IS NOT NULL
)
SELECT r.category, count(*) AS tickets,
       round(100.0 * count(*) / (SELECT count(*) FROM r), 2) AS share_pct
FROM r
GROUP BY r.category
ORDER BY count(*) DESC, r.category COLLATE "C"
LIMIT 10
