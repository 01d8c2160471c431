-- KPI 11 Monthly ticket volume: tickets created per calendar month of "TKT-Created Time".
SELECT to_char(date_trunc('month', t."TKT-Created Time"), 'YYYY-MM') AS month, count(*) AS tickets
FROM tickets t
GROUP BY 1
ORDER BY 1
