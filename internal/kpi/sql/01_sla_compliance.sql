-- KPI 1 SLA compliance: % of tickets with "TKT-SLA Met" = yes, over the tickets where it is
-- known (yes or no; NULL is unknown).
SELECT round(100.0 * count(*) FILTER (WHERE t."TKT-SLA Met" = 'yes') / nullif(count(*), 0), 2) AS value
FROM tickets t
WHERE t."TKT-SLA Met" IN ('yes', 'no')
