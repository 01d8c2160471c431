// Package stage owns the staging store (stage.db): it reads the exports row by row, maps their
// headers to the contract, keeps every value exactly as read with its source file and row
// (lineage), applies the scope filter of SPEC section 3, and records an audit per file.
// Rows that cannot be mapped to the contract (a wrong field count) are kept as rejects with
// their position, never realigned. Values are not converted here; that is the clean stage's job.
package stage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/spec"
	"github.com/sdetl/sdetl/internal/store"
)

// Options configure an import.
type Options struct {
	Spec *spec.Spec
	Dir  string // directory holding <table.File>.xlsx|csv
	Out  string // the staging store to write (replaced atomically)
	// Progress, when set, is called every few thousand rows with the rows read so far.
	Progress func(table string, rows int)
}

// Audit is what the import did with one file.
type Audit struct {
	Table        string        `json:"table"`
	Path         string        `json:"path"`
	Format       string        `json:"format"`
	Dialect      string        `json:"dialect"`
	Size         int64         `json:"size"`
	SHA256       string        `json:"sha256"`
	RowsRead     int           `json:"rows_read"`
	InScope      int           `json:"rows_in_scope"`
	DroppedScope int           `json:"rows_dropped_scope"`
	Rejected     int           `json:"rows_rejected"`
	Extra        []string      `json:"extra_columns"`
	MinDate      string        `json:"min_date,omitempty"`
	MaxDate      string        `json:"max_date,omitempty"`
	Scope        string        `json:"scope"`
	Duration     time.Duration `json:"duration_ns"`
}

// Result is the outcome of an import.
type Result struct {
	Files []*Audit `json:"files"`
	Scope string   `json:"scope"` // how the scope filter was applied, in words
}

// Import reads every export of the contract from o.Dir into a new staging store at o.Out.
// On error nothing is written (the previous store, if any, is untouched).
func Import(ctx context.Context, o Options) (*Result, error) {
	paths := map[string]string{}
	for _, t := range o.Spec.Tables {
		p, err := findExport(o.Dir, t.File)
		if err != nil {
			if t.Optional && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, err
		}
		paths[t.Name] = p
	}
	b, err := store.Create(ctx, o.Out)
	if err != nil {
		return nil, fmt.Errorf("staging store: %w", err)
	}
	defer b.Abort()
	if err := createSchema(ctx, b.DB, o.Spec); err != nil {
		return nil, err
	}
	im := &importer{o: o, db: b.DB, norm: clean.NewNormalizer(o.Spec.Sentinels)}
	res := &Result{Scope: "none: no scope filter in the contract"}
	order := o.Spec.Tables
	if sc := o.Spec.Scope; sc != nil {
		if _, ok := paths[sc.Roster.Table]; ok {
			im.scope = sc
			im.cutoff = sc.Cutoff
			order = scopeOrder(o.Spec)
		} else {
			res.Scope = "none: no " + o.Spec.Table(sc.Roster.Table).File + " export beside the others"
		}
	}
	for _, t := range order {
		p, ok := paths[t.Name]
		if !ok {
			continue
		}
		a, err := im.importFile(ctx, t, p, len(res.Files)+1)
		if err != nil {
			return nil, err
		}
		res.Files = append(res.Files, a)
		if im.scope != nil && t.Name == im.scope.Roster.Table && len(im.roster) == 0 {
			return nil, fmt.Errorf("%s: the roster lists no usernames, so the scope filter would drop every row", p)
		}
	}
	if im.scope != nil {
		res.Scope = fmt.Sprintf("team-touched: cutoff %s, roster of %d, %d tickets touched", im.cutoff, len(im.roster), len(im.touched))
	}
	if err := im.writeAudit(ctx, res); err != nil {
		return nil, err
	}
	if err := b.Commit(); err != nil {
		return nil, fmt.Errorf("staging store: %w", err)
	}
	return res, nil
}

// scopeOrder puts the roster first, then the activity table (it decides which tickets are
// touched), then the tickets, then the rest in contract order.
func scopeOrder(s *spec.Spec) []*spec.Table {
	first := []string{s.Scope.Roster.Table, s.Scope.Activity.Table, s.Scope.Tickets.Table}
	var out []*spec.Table
	for _, n := range first {
		out = append(out, s.Table(n))
	}
	for _, t := range s.Tables {
		if t.Name != first[0] && t.Name != first[1] && t.Name != first[2] {
			out = append(out, t)
		}
	}
	return out
}

type importer struct {
	o       Options
	db      *sql.DB
	norm    *clean.Normalizer
	scope   *spec.Scope // nil: no filter
	cutoff  string
	roster  map[string]bool
	touched map[int64]bool
}

func (im *importer) importFile(ctx context.Context, t *spec.Table, path string, fileID int) (*Audit, error) {
	start := time.Now()
	a := &Audit{Table: t.Name, Path: path, Format: strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), "."), Scope: "all rows"}
	var err error
	if a.SHA256, a.Size, err = hashFile(path); err != nil {
		return nil, err
	}
	header, src, err := openSource(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	m, err := t.MatchHeaders(header)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	a.Dialect = t.DialectName(m)
	for _, i := range m.Extra {
		a.Extra = append(a.Extra, strings.TrimSpace(header[i]))
	}
	f := im.filterFor(t, m)
	if f != nil {
		a.Scope = f.describe
	}

	tx, err := im.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, insertSQL(t))
	if err != nil {
		return nil, err
	}
	rej, err := tx.PrepareContext(ctx, `INSERT INTO stg_rejects VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	vals := make([]any, 3+len(t.Columns)+1)
	var pending []pendingRow // activity rows whose ticket may turn out untouched
	for {
		row, dataRow, line, err := src.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		a.RowsRead++
		if a.RowsRead%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if im.o.Progress != nil {
				im.o.Progress(t.Name, a.RowsRead)
			}
		}
		if bad := fieldCountProblem(row, len(header), a.Format); bad != "" {
			rec, _ := json.Marshal(row)
			if _, err := rej.ExecContext(ctx, t.Name, fileID, dataRow, line, spec.RuleFieldCount, bad, string(rec)); err != nil {
				return nil, err
			}
			a.InScope++
			a.Rejected++
			continue
		}
		decision := keep
		if f != nil {
			var date string
			decision, date = f.decide(im, row)
			if date != "" {
				a.MinDate, a.MaxDate = minStr(a.MinDate, date), maxStr(a.MaxDate, date)
			}
		}
		if decision == drop {
			a.DroppedScope++
			continue
		}
		vals[0], vals[1], vals[2] = fileID, dataRow, line
		for i, p := range m.Source {
			vals[3+i] = cell(row, p)
		}
		vals[len(vals)-1] = extraJSON(header, row, m.Extra)
		r, err := ins.ExecContext(ctx, vals...)
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: stage: %w", path, dataRow, err)
		}
		a.InScope++
		if decision == keepIfTouched {
			id, _ := r.LastInsertId()
			pending = append(pending, pendingRow{rowid: id, ticket: f.lastTicket})
		}
	}
	if len(pending) > 0 {
		del, err := tx.PrepareContext(ctx, "DELETE FROM "+store.Quote(TableName(t))+" WHERE rowid = ?")
		if err != nil {
			return nil, err
		}
		for _, p := range pending {
			if im.touched[p.ticket] {
				continue
			}
			if _, err := del.ExecContext(ctx, p.rowid); err != nil {
				return nil, err
			}
			a.InScope--
			a.DroppedScope++
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	a.Duration = time.Since(start)
	if im.o.Progress != nil {
		im.o.Progress(t.Name, a.RowsRead)
	}
	return a, nil
}

type pendingRow struct {
	rowid  int64
	ticket int64
}

// fieldCountProblem says why a row cannot be mapped to the header, or "" if it can.
// CSV rows must have exactly the header's field count; XLSX rows may omit trailing empty cells
// but must not have values beyond the header.
func fieldCountProblem(row []string, n int, format string) string {
	if format == "csv" {
		if len(row) != n {
			return fmt.Sprintf("%d fields, header has %d", len(row), n)
		}
		return ""
	}
	for i := n; i < len(row); i++ {
		if row[i] != "" {
			return fmt.Sprintf("value in column %d beyond the header's %d columns", i+1, n)
		}
	}
	return ""
}

func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

func extraJSON(header, row []string, extra []int) any {
	var m map[string]string
	for _, i := range extra {
		if v := cell(row, i); v != "" {
			if m == nil {
				m = map[string]string{}
			}
			m[strings.TrimSpace(header[i])] = v
		}
	}
	if m == nil {
		return nil
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func (im *importer) writeAudit(ctx context.Context, res *Result) error {
	for i, a := range res.Files {
		extra, _ := json.Marshal(a.Extra)
		_, err := im.db.ExecContext(ctx, `INSERT INTO import_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			i+1, a.Table, a.Path, filepath.Base(a.Path), a.Format, a.Dialect, a.Size, a.SHA256,
			a.RowsRead, a.InScope, a.DroppedScope, a.Rejected, string(extra), nullStr(a.MinDate), nullStr(a.MaxDate),
			a.Scope, time.Now().Add(-a.Duration).UTC().Format(time.RFC3339), a.Duration.Milliseconds())
		if err != nil {
			return fmt.Errorf("import audit: %w", err)
		}
	}
	_, err := im.db.ExecContext(ctx, `INSERT INTO meta VALUES ('spec', ?), ('scope', ?)`, im.o.Spec.Name, res.Scope)
	return err
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func minStr(a, b string) string {
	if a == "" || b < a {
		return b
	}
	return a
}

func maxStr(a, b string) string {
	if b > a {
		return b
	}
	return a
}
