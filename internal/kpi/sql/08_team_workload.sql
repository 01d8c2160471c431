-- KPI 8 Team workload distribution: resolved tickets per "TKT-Team" (teams with at least
-- @team_min resolved tickets), count and share of all resolved tickets.
WITH r AS (
  SELECT t."TKT-Team" AS team FROM tickets t WHERE t."TKT-Status" = ANY (@resolved::text[])
)
SELECT r.team, count(*) AS tickets,
       round(100.0 * count(*) / (SELECT count(*) FROM r), 2) AS share_pct
FROM r
WHERE r.team IS NOT NULL
GROUP BY r.team
HAVING count(*) >= @team_min
ORDER BY r.team COLLATE "C"
