-- KPI 20 Team FCR ranking: KPI 3 per "TKT-Team" (teams with at least @team_min resolved
-- tickets), best first; ties by team name.
WITH cf AS (
  SELECT c.ticket_id, count(*) AS n FROM comments c WHERE c.customer_facing GROUP BY c.ticket_id
)
SELECT t."TKT-Team" AS team, count(*) AS tickets,
       round(100.0 * count(*) FILTER (WHERE coalesce(cf.n, 0) <= 1) / count(*), 2) AS fcr_pct
FROM tickets t
LEFT JOIN cf ON cf.ticket_id = t."TKT-Ticket ID"
WHERE t."TKT-Status" = ANY (@resolved::text[]) AND t."TKT-Team" IS NOT NULL
GROUP BY 1
HAVING count(*) >= @team_min
ORDER BY fcr_pct DESC, t."TKT-Team" COLLATE "C"
