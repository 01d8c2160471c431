package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pinger is the health checks' view of the database: whether the server still answers, asked
// on a connection of its own (opened on first use) because the stage's connections are busy
// streaming a COPY or inside a transaction when a check comes due. Safe for the parallel
// copy workers.
type pinger struct {
	dsn  string
	mu   sync.Mutex
	conn *pgx.Conn
}

func newPinger(dsn string) *pinger { return &pinger{dsn: dsn} }

func (p *pinger) ping() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// A connection that was open may have died with a server restart or a dropped socket since
	// the last check, which says nothing of whether the server answers now: such a failure is
	// asked again on a new connection. (The stage's own connections, lost the same way, fail
	// the stage with their own error.)
	for fresh := p.conn == nil || p.conn.IsClosed(); ; fresh = true {
		if p.conn == nil || p.conn.IsClosed() {
			c, err := Connect(ctx, p.dsn)
			if err != nil {
				return err
			}
			p.conn = c
		}
		err := p.conn.Ping(ctx)
		if err == nil {
			return nil
		}
		p.conn.Close(context.Background())
		p.conn = nil
		if fresh || ctx.Err() != nil {
			return err
		}
	}
}

func (p *pinger) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil {
		p.conn.Close(context.Background())
		p.conn = nil
	}
}
