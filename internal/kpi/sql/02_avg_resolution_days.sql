-- KPI 2 Average resolution time: mean of ("TKT-Actual Resolution Date" - "TKT-Created Time") in
-- fractional days, over resolved tickets with both dates. One division (sum / count*86400) so
-- the numeric result is exact before the rounding.
SELECT round(sum(extract(epoch FROM t."TKT-Actual Resolution Date" - t."TKT-Created Time"))
             / nullif(count(*) * 86400, 0), 2) AS value
FROM tickets t
WHERE t."TKT-Status" = ANY (@resolved::text[])
  AND t."TKT-Actual Resolution Date" IS NOT NULL
