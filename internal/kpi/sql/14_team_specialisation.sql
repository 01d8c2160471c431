-- KPI 14 Team specialisation matrix: per team (at least @team_min resolved tickets) the share of
-- its resolved tickets in each "TKT-Category"; only cells of at least @cell_min tickets, NULL
-- category excluded from the cells (not from the team's total).
WITH r AS (
  SELECT t."TKT-Team" AS team, t."TKT-Category" AS category
  FROM tickets t
  WHERE t."TKT-Status" = ANY (@resolved::text[]) AND t."TKT-Team" IS NOT NULL
),
teams AS (SELECT r.team, count(*) AS n FROM r GROUP BY r.team HAVING count(*) >= @team_min)
SELECT r.team, r.category, count(*) AS tickets,
       round(100.0 * count(*) / teams.n, 2) AS share_pct
FROM r
JOIN teams ON teams.team = r.team
WHERE r.category IS NOT NULL
GROUP BY r.team, r.category, teams.n
HAVING count(*) >= @cell_min
ORDER BY r.team COLLATE "C", r.category COLLATE "C"
