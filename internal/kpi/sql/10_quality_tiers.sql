-- KPI 10 Quality tier distribution: comment_quality rows per tier, count and share. No rows,
-- i.e. "not available", while the table is empty.
SELECT q.tier, count(*) AS comments,
       round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS share_pct
FROM comment_quality q
GROUP BY q.tier
ORDER BY q.tier COLLATE "C"
