package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// ClientEnv is the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD) that
// points pg_dump and pg_restore at a DSN's server. The environment, not a --dbname
// argument, so the password never appears in a process list; dbname overrides the DSN's
// database when not empty.
func ClientEnv(dsn, dbname string) ([]string, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL DSN %s: %s", Redact(dsn), redactErr(err, dsn))
	}
	if dbname == "" {
		dbname = cfg.Database
	}
	env := []string{"PGHOST=" + cfg.Host, "PGPORT=" + strconv.Itoa(int(cfg.Port)), "PGUSER=" + cfg.User, "PGDATABASE=" + dbname}
	if cfg.Password != "" {
		env = append(env, "PGPASSWORD="+cfg.Password)
	}
	return env, nil
}

// TableDigest is one table's row count and the MD5 of its rows' text, sorted: two schemas
// with equal digests hold the same rows.
type TableDigest struct {
	Rows int64
	MD5  string
}

// Digests returns the digest of every table in the given schemas (keys "schema.table") of
// the database dsn points at, or of dbname there when not empty.
func Digests(ctx context.Context, dsn, dbname string, schemas []string) (map[string]TableDigest, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL DSN %s: %s", Redact(dsn), redactErr(err, dsn))
	}
	if dbname != "" {
		cfg.Database = dbname
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %s", Target(cfg), redactErr(err, dsn))
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT table_schema, table_name FROM information_schema.tables
		WHERE table_type = 'BASE TABLE' AND table_schema = ANY($1) ORDER BY 1, 2`, schemas)
	if err != nil {
		return nil, err
	}
	var names [][2]string
	for rows.Next() {
		var s, t string
		if err := rows.Scan(&s, &t); err != nil {
			return nil, err
		}
		names = append(names, [2]string{s, t})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[string]TableDigest{}
	for _, n := range names {
		q := ident(n[0], n[1])
		var d TableDigest
		if err := conn.QueryRow(ctx, "SELECT count(*), coalesce(md5(string_agg(r, E'\\n' ORDER BY r)), '') FROM (SELECT t::text AS r FROM "+q+" t) x").Scan(&d.Rows, &d.MD5); err != nil {
			return nil, fmt.Errorf("digest of %s: %w", q, err)
		}
		out[n[0]+"."+n[1]] = d
	}
	return out, nil
}

// CreateScratchDB creates an empty database for a test restore and returns a function
// dropping it.
func CreateScratchDB(ctx context.Context, dsn, name string) (drop func(context.Context) error, err error) {
	conn, err := Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident(name)); err != nil {
		return nil, fmt.Errorf("create scratch database %s: %w", name, err)
	}
	return func(ctx context.Context) error {
		c, err := Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		_, err = c.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)")
		return err
	}, nil
}
