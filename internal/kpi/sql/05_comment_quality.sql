-- KPI 5 Overall comment quality: the mean overall score (1-5) and the four dimension means of the
-- optional comment_quality table (schema <schema>_ext). All NULL, i.e. "not available", while the
-- table is empty.
SELECT round(avg(q.overall), 2)         AS overall,
       round(avg(q.clarity), 2)         AS clarity,
       round(avg(q.completeness), 2)    AS completeness,
       round(avg(q.empathy), 2)         AS empathy,
       round(avg(q.professionalism), 2) AS professionalism
FROM comment_quality q
