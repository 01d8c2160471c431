-- KPI 9 Team efficiency: mean number of comments (any type) per resolved ticket of category
-- "Support Tickets", per team (teams with at least @team_min resolved tickets of any category).
WITH r AS (
  SELECT t."TKT-Ticket ID" AS id, t."TKT-Team" AS team, t."TKT-Category" AS category
  FROM tickets t
  WHERE t."TKT-Status" = ANY (@resolved::text[]) AND t."TKT-Team" IS NOT NULL
),
teams AS (SELECT r.team FROM r GROUP BY r.team HAVING count(*) >= @team_min),
c AS (SELECT c.ticket_id, count(*) AS n FROM comments c GROUP BY c.ticket_id)
SELECT r.team, count(*) AS tickets,
       round(sum(coalesce(c.n, 0))::numeric / count(*), 2) AS comments_per_ticket
FROM r
JOIN teams ON teams.team = r.team
LEFT JOIN c ON c.ticket_id = r.id
WHERE r.category = 'Support Tickets'
GROUP BY r.team
ORDER BY r.team COLLATE "C"
