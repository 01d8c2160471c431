-- KPI 16 Resolution time trend: KPI 2 per creation month of "TKT-Created Time".
SELECT to_char(date_trunc('month', t."TKT-Created Time"), 'YYYY-MM') AS month, count(*) AS tickets,
       round(sum(extract(epoch FROM t."TKT-Actual Resolution Date" - t."TKT-Created Time"))
             / (count(*) * 86400), 2) AS avg_days
FROM tickets t
WHERE t."TKT-Status" = ANY (@resolved::text[]) AND t."TKT-Actual Resolution Date" IS NOT NULL
GROUP BY 1
ORDER BY 1
