package stage

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// driverStmt is a statement prepared on the SQLite driver's own connection (sql.Conn.Raw), for
// the upsert's lookup and delete, which the import runs once per row of a table earlier files
// staged: database/sql's work around each call (taking the connection, checking and copying
// every argument into a new slice) was a tenth of the time the import's goroutine spent
// writing rows. (The row's inserts bind cheaper still, see store.RawStmt.) Set
// args[i].Value, then exec or query.
// The driver does not count a statement's parameters (NumInput is -1), so the caller says.
type driverStmt struct {
	st   driver.Stmt
	args []driver.NamedValue
}

func prepareDriver(ctx context.Context, dc any, query string, params int) (*driverStmt, error) {
	pc, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("the SQLite driver's connection (%T) cannot prepare a statement", dc)
	}
	st, err := pc.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	_, canExec := st.(driver.StmtExecContext)
	_, canQuery := st.(driver.StmtQueryContext)
	if !canExec || !canQuery {
		st.Close()
		return nil, fmt.Errorf("the SQLite driver's statement (%T) cannot run with a context", st)
	}
	s := &driverStmt{st: st, args: make([]driver.NamedValue, params)}
	for i := range s.args {
		s.args[i].Ordinal = i + 1
	}
	return s, nil
}

// set sets the arguments in order, converted as database/sql would (an int to int64).
func (s *driverStmt) set(vals ...any) error {
	for i, v := range vals {
		cv, err := driver.DefaultParameterConverter.ConvertValue(v)
		if err != nil {
			return fmt.Errorf("argument %d: %w", i+1, err)
		}
		s.args[i].Value = cv
	}
	return nil
}

func (s *driverStmt) exec(ctx context.Context) (driver.Result, error) {
	return s.st.(driver.StmtExecContext).ExecContext(ctx, s.args)
}

func (s *driverStmt) query(ctx context.Context) (driver.Rows, error) {
	return s.st.(driver.StmtQueryContext).QueryContext(ctx, s.args)
}

// closeAll closes the statements that were prepared (nil ones are skipped).
func closeAll(stmts ...*driverStmt) error {
	var first error
	for _, s := range stmts {
		if s == nil {
			continue
		}
		if err := s.st.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
