-- KPI 19 Root-cause audit sample: per "TKT-Root Cause Category" of resolved tickets, @sample_size
-- tickets chosen by md5(@seed || ':' || ticket id): the same seed gives the same rows, a new seed
-- (e.g. the quarter) a new sample. The accuracy review itself is a person's job.
WITH r AS (
  SELECT t."TKT-Root Cause Category" AS category, t."TKT-Ticket ID" AS ticket_id,
         row_number() OVER (PARTITION BY t."TKT-Root Cause Category"
                            ORDER BY md5(@seed::text || ':' || t."TKT-Ticket ID") COLLATE "C", t."TKT-Ticket ID") AS pick
  FROM tickets t
  WHERE t."TKT-Status" = ANY (@resolved::text[]) AND t."TKT-Root Cause Category" IS NOT NULL
)
SELECT r.category, r.pick, r.ticket_id
FROM r
WHERE r.pick <= @sample_size
ORDER BY r.category COLLATE "C", r.pick
