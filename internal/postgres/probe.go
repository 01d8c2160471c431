package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ServerFacts is what a short preflight connection learnt about the server.
type ServerFacts struct {
	Target     string // where, without credentials
	Elapsed    time.Duration
	VersionNum int
	Version    string
	CreateErr  error // CREATE SCHEMA refused
	GrantErr   error // GRANT on the new schema refused
	ServerNow  time.Time
	LocalNow   time.Time     // when the server's clock was read, by ours
	RoundTrip  time.Duration // of that query
	ClockErr   error
}

// Probe connects within timeout (a preflight must find an unreachable server in seconds, not
// after pgx's default) and reads the version and clock; it tries CREATE SCHEMA and GRANT in
// a transaction it rolls back, so the privileges are tested, not guessed from catalogs, and
// nothing is left behind. err is a failure to connect or to read the version.
func Probe(ctx context.Context, dsn string, timeout time.Duration) (*ServerFacts, error) {
	f := &ServerFacts{Target: "the PG* environment"}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return f, fmt.Errorf("PostgreSQL DSN %s: %s", Redact(dsn), redactErr(err, dsn))
	}
	f.Target = Target(cfg)
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > timeout {
		cfg.ConnectTimeout = timeout
	}
	ctx, cancel := context.WithTimeout(ctx, 2*timeout)
	defer cancel()
	start := time.Now()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return f, fmt.Errorf("connect to PostgreSQL at %s: %s", f.Target, redactErr(err, dsn))
	}
	defer conn.Close(context.Background())
	f.Elapsed = time.Since(start)
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int, current_setting('server_version')").Scan(&f.VersionNum, &f.Version); err != nil {
		return f, fmt.Errorf("server version: %s", redactErr(err, dsn))
	}
	t0 := time.Now()
	f.ClockErr = conn.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&f.ServerNow)
	f.LocalNow, f.RoundTrip = time.Now(), time.Since(t0)
	f.CreateErr, f.GrantErr = tryPrivileges(ctx, conn)
	return f, nil
}

func tryPrivileges(ctx context.Context, conn *pgx.Conn) (createErr, grantErr error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err, err
	}
	defer tx.Rollback(context.Background())
	const probe = `"sdetl_preflight_probe"`
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+probe); err != nil {
		return err, fmt.Errorf("not tried: %w", err)
	}
	if _, err := tx.Exec(ctx, "GRANT USAGE ON SCHEMA "+probe+" TO PUBLIC"); err != nil {
		return nil, err
	}
	return nil, nil
}
