-- KPI 3 First-contact resolution (proxy): % of resolved tickets with at most one customer-facing
-- comment (comments.customer_facing, derived from comment_type, SPEC 6.3).
WITH cf AS (
  SELECT c.ticket_id, count(*) AS n FROM comments c WHERE c.customer_facing GROUP BY c.ticket_id
)
SELECT round(100.0 * count(*) FILTER (WHERE coalesce(cf.n, 0) <= 1) / nullif(count(*), 0), 2) AS value
FROM tickets t
LEFT JOIN cf ON cf.ticket_id = t."TKT-Ticket ID"
WHERE t."TKT-Status" = ANY (@resolved::text[])
