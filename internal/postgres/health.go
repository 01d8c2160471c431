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
	if p.conn == nil || p.conn.IsClosed() {
		c, err := Connect(ctx, p.dsn)
		if err != nil {
			return err
		}
		p.conn = c
	}
	if err := p.conn.Ping(ctx); err != nil {
		p.conn.Close(context.Background())
		p.conn = nil
		return err
	}
	return nil
}

func (p *pinger) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil {
		p.conn.Close(context.Background())
		p.conn = nil
	}
}
