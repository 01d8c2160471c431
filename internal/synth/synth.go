// Package synth owns the synthetic service-desk exports and their ground truth: it writes
// tickets, comments and timesheets (XLSX or CSV) plus the roster CSV with the volumes,
// distributions and dirt of SPEC sections 2 and 7, and truth.json, which says how many rows the
// importer must keep in scope, load and quarantine, and, for every injected defect, the canonical
// value the cleaner must produce or the rule that must quarantine its row.
//
// One model, many renderings: every row is first drawn as true typed values; each cell is then
// rendered either in its column's normal source format or with injected dirt, and the defect's
// expectation is read from the model. ExpectedRows replays the same model without files, so
// tests can check every loaded cell, not only the dirty ones.
package synth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/kpi"
)

// Options select what Generate writes. The same Options give byte-identical files.
type Options struct {
	Scale   float64 `json:"scale"`   // 1 = the reference volumes after the scope filter
	Seed    int64   `json:"seed"`    // seeds every random stream
	Format  string  `json:"format"`  // "xlsx" | "csv" (the roster is always CSV)
	Dialect string  `json:"dialect"` // comments header dialect: "legacy" | "2026"
	Raw     bool    `json:"raw"`     // add out-of-scope rows up to the raw volumes
	Dirt    string  `json:"dirt"`    // "realistic" | "none"
}

// Tables lists the tables Generate writes, in truth order.
var Tables = []string{"tickets", "comments", "timesheets", "roster"}

// Validate fills the defaults of o and checks it: the one place the options are validated,
// for the CLI and for Generate alike.
func (o *Options) Validate() error {
	if !(o.Scale > 0) || math.IsInf(o.Scale, 0) {
		return fmt.Errorf("synth: scale %v: want a positive number", o.Scale)
	}
	if o.Format == "" {
		o.Format = "csv"
	}
	if o.Format != "csv" && o.Format != "xlsx" {
		return fmt.Errorf("synth: format %q: want csv or xlsx", o.Format)
	}
	if o.Dialect == "" {
		o.Dialect = "legacy"
	}
	if !slices.Contains(contract.ServiceDesk().Table("comments").Dialects, o.Dialect) {
		return fmt.Errorf("synth: dialect %q: want legacy or 2026", o.Dialect)
	}
	if o.Dirt == "" {
		o.Dirt = "realistic"
	}
	if o.Dirt != "realistic" && o.Dirt != "none" {
		return fmt.Errorf("synth: dirt %q: want realistic or none", o.Dirt)
	}
	return nil
}

// gen holds the shared model: the cast, the prose buffer and the in-scope tickets, which the
// comments and timesheets refer to. It is read-only once built, so tables render concurrently.
type gen struct {
	o      Options
	sp     *contract.Spec
	cutoff time.Time
	qEnd   time.Time // last second of the quarter after the cutoff
	cast   *cast
	text   *textBuf
	tk     *ticketPlan
}

func newGen(o Options) (*gen, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	sp := contract.ServiceDesk()
	cutoff, err := sp.Scope.CutoffTime()
	if err != nil {
		return nil, err
	}
	g := &gen{o: o, sp: sp, cutoff: cutoff, qEnd: cutoff.AddDate(0, 3, 0).Add(-time.Second)}
	g.cast = newCast(o.Seed)
	g.text = newTextBuf(newRand(o.Seed, streamText))
	g.tk = g.planTickets()
	return g, nil
}

func (g *gen) dirty() bool { return g.o.Dirt == "realistic" }

func (g *gen) round(x float64) int { return int(math.Round(x)) }

// scaled is round(ref*scale), at least 1.
func (g *gen) scaled(ref int) int { return max(g.round(float64(ref)*g.o.Scale), 1) }

// emit produces the rows of one table in export order.
func (g *gen) emit(ctx context.Context, table string, fn func(*row) error) error {
	switch table {
	case "tickets":
		return g.emitTickets(ctx, fn)
	case "comments":
		return g.emitComments(ctx, fn)
	case "timesheets":
		return g.emitTimesheets(ctx, fn)
	case "roster":
		return g.emitRoster(fn)
	}
	return fmt.Errorf("synth: unknown table %q", table)
}

// merge interleaves nIn in-scope rows with nOut out-of-scope rows at random, keeping each
// side's own order, so out-of-scope rows are spread over the whole file.
func merge(ctx context.Context, r *rand.Rand, nIn, nOut int, in, out func() error) error {
	for n := 0; nIn+nOut > 0; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var err error
		if r.IntN(nIn+nOut) < nIn {
			nIn--
			err = in()
		} else {
			nOut--
			err = out()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) emitRoster(fn func(*row) error) error {
	tbl := g.sp.Table("roster")
	name, email, user := colIndex(tbl, "name"), colIndex(tbl, "email"), colIndex(tbl, "username")
	var r row
	for _, p := range g.cast.roster {
		r.reset(tbl)
		r.cells[name], r.cells[email], r.cells[user] = textCell(p.name), textCell(p.email), textCell(p.user)
		r.key = p.user
		if err := fn(&r); err != nil {
			return err
		}
	}
	return nil
}

// Generate writes tickets.<ext>, comments.<ext>, timesheets.<ext>, roster.csv and truth.json
// into dir, each through a temporary name and a rename. Export files of the other format with
// the same names are removed, so that dir never holds two versions of one export.
func Generate(ctx context.Context, dir string, o Options) (*Truth, error) {
	g, err := newGen(o)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// A failed run must not leave an old truth beside new exports.
	if err := os.Remove(filepath.Join(dir, "truth.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	truth := &Truth{Options: g.o, Cutoff: g.sp.Scope.Cutoff, Counts: map[string]*Count{}}
	type result struct {
		count   *Count
		defects []Defect
		blanks  int
		err     error
	}
	results := make([]result, len(Tables))
	kc := &kpiCollector{}
	var wg sync.WaitGroup
	for i, name := range Tables {
		wg.Go(func() {
			c, d, blanks, err := g.writeTable(ctx, dir, name, kc)
			results[i] = result{c, d, blanks, err}
		})
	}
	wg.Wait()
	var errs []error
	for i, name := range Tables {
		if results[i].err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, results[i].err))
			continue
		}
		truth.Counts[name] = results[i].count
		truth.Defects = append(truth.Defects, results[i].defects...)
		if results[i].blanks > 0 {
			if truth.BlankLines == nil {
				truth.BlankLines = map[string]int{}
			}
			truth.BlankLines[name] = results[i].blanks
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	truth.KPIs = kc.truth(kpi.DefaultParams())
	if err := writeTruth(filepath.Join(dir, "truth.json"), truth); err != nil {
		return nil, err
	}
	return truth, nil
}

// writeTable renders one table to its export file and accounts for its rows; blanks is the
// number of blank lines written between them. kc collects the loaded rows for the KPI truth
// (each table writes only its own part of kc).
func (g *gen) writeTable(ctx context.Context, dir, name string, kc *kpiCollector) (_ *Count, _ []Defect, blanks int, _ error) {
	tbl := g.sp.Table(name)
	format := g.o.Format
	if name == "roster" {
		format = "csv"
	}
	for _, ext := range []string{"csv", "xlsx"} {
		if ext != format {
			if err := os.Remove(filepath.Join(dir, tbl.File+"."+ext)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, nil, 0, err
			}
		}
	}
	dialect := max(slices.Index(tbl.Dialects, g.o.Dialect), 0)
	headers := make([]string, len(tbl.Columns))
	for i, c := range tbl.Columns {
		headers[i] = c.Header(dialect)
	}
	count := &Count{}
	var defects []Defect
	err := writeAtomic(filepath.Join(dir, tbl.File+"."+format), func(w *bufio.Writer) error {
		rd, err := newRenderer(format, w)
		if err != nil {
			return err
		}
		if c, ok := rd.(*csvRenderer); ok && g.dirty() {
			defer func() { blanks = c.blanks }()
			switch name { // some exports, not all: a clean file must stay clean
			case "tickets", "timesheets":
				c.blankEvery = 1009
			case "comments":
				c.blankAtEnd = true
			}
		}
		if err := rd.header(headers); err != nil {
			return err
		}
		err = g.emit(ctx, name, func(r *row) error {
			if r.line == "" && emptyRow(r) {
				// An XLSX reader may skip a row without cells, shifting every later row number.
				return fmt.Errorf("synth: internal error: %s row %d has no value", name, count.Exported+1)
			}
			count.add(r)
			if err := kc.collect(r); err != nil {
				return fmt.Errorf("synth: %s row %d: kpi truth: %w", name, count.Exported, err)
			}
			for _, d := range r.defects {
				d.Row = count.Exported
				defects = append(defects, d)
			}
			return rd.row(r)
		})
		if err != nil {
			return err
		}
		return rd.close()
	})
	return count, defects, blanks, err
}

func emptyRow(r *row) bool {
	for i := range r.cells {
		if r.cells[i].kind != kNone {
			return false
		}
	}
	return true
}

func (c *Count) add(r *row) {
	c.Exported++
	switch r.state {
	case loaded:
		c.InScope++
		c.Loaded++
	case quarantined:
		c.InScope++
		c.Quarantined++
	}
}

// writeAtomic writes path through a temporary file in the same directory and a rename, so a
// reader never sees a half-written export.
func writeAtomic(path string, fill func(w *bufio.Writer) error) (err error) {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if err = fill(w); err != nil {
		return err
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ExpectedRows re-derives, deterministically from the same Options (no files read), the clean
// value of every LOADED row of a table in export order: fn gets the data row number and the
// canonical clean values in spec column order (nil = NULL).
func ExpectedRows(o Options, table string, fn func(row int, values []*string) error) error {
	g, err := newGen(o)
	if err != nil {
		return err
	}
	n := 0
	return g.emit(context.Background(), table, func(r *row) error {
		n++
		if r.state != loaded {
			return nil
		}
		return fn(n, r.values())
	})
}

// CountRows returns the truth's counts for o without writing or rendering files to disk.
func CountRows(ctx context.Context, o Options) (map[string]*Count, error) {
	g, err := newGen(o)
	if err != nil {
		return nil, err
	}
	out := map[string]*Count{}
	for _, name := range Tables {
		c := &Count{}
		if err := g.emit(ctx, name, func(r *row) error { c.add(r); return nil }); err != nil {
			return nil, err
		}
		out[name] = c
	}
	return out, nil
}

// KPITruth computes truth.json's kpis for o with p, from the model alone (no files): what
// every KPI must answer on the loaded exports.
func KPITruth(ctx context.Context, o Options, p kpi.Params) (*kpi.Truth, error) {
	g, err := newGen(o)
	if err != nil {
		return nil, err
	}
	kc := &kpiCollector{}
	for _, name := range Tables {
		if err := g.emit(ctx, name, kc.collect); err != nil {
			return nil, err
		}
	}
	return kc.truth(p), nil
}
