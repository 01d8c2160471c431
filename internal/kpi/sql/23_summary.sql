-- KPI 23 Summary: the covered period (first and last "TKT-Created Time") and the counts of
-- tickets, comments, timesheet entries, resolved and unassigned tickets.
SELECT to_char(min(t."TKT-Created Time"), 'YYYY-MM-DD HH24:MI:SS') AS period_from,
       to_char(max(t."TKT-Created Time"), 'YYYY-MM-DD HH24:MI:SS') AS period_to,
       count(*) AS tickets,
       (SELECT count(*) FROM comments) AS comments,
       (SELECT count(*) FROM timesheets) AS timesheets,
       count(*) FILTER (WHERE t."TKT-Status" = ANY (@resolved::text[])) AS resolved,
       count(*) FILTER (WHERE coalesce(btrim(t."TKT-Assigned To User"), '') IN ('', @unassigned::text)) AS unassigned
FROM tickets t
