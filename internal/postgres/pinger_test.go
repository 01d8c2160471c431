package postgres

import (
	"context"
	"testing"

	"github.com/sdetl/sdetl/internal/pgtest"
)

// TestPingerOutlivesItsConnection: the health ping's own connection dropped since the last
// check (as a server restart drops it) is not a failed check while the server answers; a server
// that does not answer is.
func TestPingerOutlivesItsConnection(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	p := newPinger(dsn)
	defer p.close()
	if err := p.ping(); err != nil {
		t.Fatal(err)
	}
	admin, err := Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var killed bool
	if err := admin.QueryRow(ctx, "SELECT pg_terminate_backend($1)", p.conn.PgConn().PID()).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate the ping's backend: %v %v", killed, err)
	}
	if err := p.ping(); err != nil {
		t.Fatalf("a dropped ping connection failed the check while the server answers: %v", err)
	}
	down := newPinger("host=127.0.0.1 port=1 user=x dbname=x sslmode=disable connect_timeout=2")
	defer down.close()
	if err := down.ping(); err == nil {
		t.Fatal("a server that does not answer passed the check")
	}
}
