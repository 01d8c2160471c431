// Package pgtest owns throwaway PostgreSQL databases for tests. Every DSN call gets a new
// database, dropped when its test ends, on the server SDETL_TEST_DSN names or, by default, on one
// Fast pgcluster per test binary, started on first use and stopped by Main:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// Tests never skip for want of PostgreSQL: without binaries and without SDETL_TEST_DSN they fail
// with the reason.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// EnvDSN names an existing server to use instead of starting a cluster. Its user must be allowed
// to create databases; the database it names is only used to create and drop others.
const EnvDSN = "SDETL_TEST_DSN"

// DSN creates a fresh, uniquely named database and returns a DSN for it. The database is dropped
// (with its connections) when t ends. Any failure, missing binaries included, is t.Fatal.
func DSN(t testing.TB) string {
	t.Helper()
	srv, err := server()
	if err != nil {
		t.Fatal(err)
	}
	name := dbName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := adminExec(ctx, srv.admin, "create database "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := dropDatabase(ctx, srv.admin, name); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	dsn, err := srv.dsn(name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// target is where test databases are made: admin is a DSN for creating and dropping them, dsn
// names one of them.
type target struct {
	admin string
	dsn   func(dbname string) (string, error)
}

// server is SDETL_TEST_DSN's server or the binary's cluster, started on first use.
func server() (target, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return target{admin: dsn, dsn: func(name string) (string, error) { return withDBName(dsn, name) }}, nil
	}
	c, err := cluster()
	if err != nil {
		return target{}, err
	}
	return target{admin: c.DSN("postgres"), dsn: func(name string) (string, error) { return c.DSN(name), nil }}, nil
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

// dbName is a database name that shows which test made it and cannot collide with another
// binary's on a shared server: sdetl_t_<test>_<random>, at most 63 bytes.
func dbName(test string) string {
	s := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(test), "_"), "_")
	if len(s) > 30 {
		s = s[:30]
	}
	var b [6]byte
	rand.Read(b[:])
	return "sdetl_t_" + s + "_" + hex.EncodeToString(b[:])
}

// withDBName points a URL or key/value DSN at another database. In key/value form the last
// setting of a key wins, so appending is enough.
func withDBName(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("pgtest: %s: %w", EnvDSN, err)
		}
		u.Path, u.RawPath = "/"+name, ""
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil // our names need no quoting
}

func adminExec(ctx context.Context, admin, sql string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// dropDatabase drops name even if the test left connections open (WITH (FORCE), PostgreSQL 13+;
// older servers get a plain DROP).
func dropDatabase(ctx context.Context, admin, name string) error {
	id := pgx.Identifier{name}.Sanitize()
	err := adminExec(ctx, admin, "drop database if exists "+id+" with (force)")
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42601" { // syntax_error: no FORCE before 13
		err = adminExec(ctx, admin, "drop database if exists "+id)
	}
	return err
}
