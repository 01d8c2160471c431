// Package kpi owns the 23 KPIs of SPEC section 6 as data: their definitions (number, name,
// tier, unit), the conventions they are parameterised by (SPEC 6.1), their red/amber/green
// thresholds (SPEC 6.2) and their SQL, one embedded .sql file per KPI, written against the live
// schema's tables unqualified (the runner sets search_path to the live schema and its
// `<schema>_ext` companion, where comment_quality lives).
//
// It imports no database library: internal/postgres runs the queries and hands back Results;
// the generator (internal/synth) computes the same Results from its model, so a query is
// proven against an independent truth, not against "something came back".
package kpi
