-- KPI 15 Agent productivity: the 10 timesheet users with the most hours (all entries, admin time
-- included), their distinct tickets ("TS-Crm ID" <> 0) and hours per ticket (hours logged on
-- tickets / distinct tickets). Ties: by username (byte order).
SELECT s."TS-User Username" AS username,
       coalesce(sum(s."TS-Hours"), 0) AS hours,
       count(DISTINCT s."TS-Crm ID") FILTER (WHERE s."TS-Crm ID" <> 0) AS tickets,
       round(sum(s."TS-Hours") FILTER (WHERE s."TS-Crm ID" <> 0)
             / nullif(count(DISTINCT s."TS-Crm ID") FILTER (WHERE s."TS-Crm ID" <> 0), 0), 2) AS hours_per_ticket
FROM timesheets s
GROUP BY 1
ORDER BY hours DESC, s."TS-User Username" COLLATE "C"
LIMIT 10
