-- KPI 13 Team communication coverage: KPI 4 per "TKT-Team" (teams with at least @team_min
-- resolved tickets).
WITH cf AS (SELECT DISTINCT c.ticket_id FROM comments c WHERE c.customer_facing)
SELECT t."TKT-Team" AS team, count(*) AS tickets,
       round(100.0 * count(cf.ticket_id) / count(*), 2) AS coverage_pct
FROM tickets t
LEFT JOIN cf ON cf.ticket_id = t."TKT-Ticket ID"
WHERE t."TKT-Status" = ANY (@resolved::text[]) AND t."TKT-Team" IS NOT NULL
GROUP BY 1
HAVING count(*) >= @team_min
ORDER BY t."TKT-Team" COLLATE "C"
