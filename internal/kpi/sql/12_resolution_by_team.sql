-- KPI 12 Resolution time by team: KPI 2 per "TKT-Team" (teams with at least @team_min resolved
-- tickets), with the number of tickets averaged.
WITH teams AS (
  SELECT t."TKT-Team" AS team FROM tickets t
  WHERE t."TKT-Status" = ANY (@resolved::text[]) AND t."TKT-Team" IS NOT NULL
  GROUP BY 1 HAVING count(*) >= @team_min
)
SELECT t."TKT-Team" AS team, count(*) AS tickets,
       round(sum(extract(epoch FROM t."TKT-Actual Resolution Date" - t."TKT-Created Time"))
             / (count(*) * 86400), 2) AS avg_days
FROM tickets t
JOIN teams ON teams.team = t."TKT-Team"
WHERE t."TKT-Status" = ANY (@resolved::text[]) AND t."TKT-Actual Resolution Date" IS NOT NULL
GROUP BY t."TKT-Team"
ORDER BY t."TKT-Team" COLLATE "C"
