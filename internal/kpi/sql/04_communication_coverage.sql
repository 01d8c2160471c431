-- KPI 4 Customer communication coverage: % of resolved tickets with at least one
-- customer-facing comment.
SELECT round(100.0 * count(*) FILTER (WHERE EXISTS (
         SELECT 1 FROM comments c WHERE c.ticket_id = t."TKT-Ticket ID" AND c.customer_facing))
       / nullif(count(*), 0), 2) AS value
FROM tickets t
WHERE t."TKT-Status" = ANY (@resolved::text[])
