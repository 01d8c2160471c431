package specdraft

import (
	"context"
	"fmt"
	"strings"

	"github.com/sdetl/sdetl/internal/report"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/exports"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/values"
)

// The full scan of one export: every row Import would stage is fed to the profiler (types,
// nulls, sentinels, date evidence, distinct counts) and to the draft's own evidence (examples,
// yes/no spellings, leading zeros, date shapes, key uniqueness). Memory is bounded per column.

const (
	maxExamples   = 3
	maxExampleLen = 40 // runes
)

// scanned is one export after its scan.
type scanned struct {
	path, base, format string
	encoding           string // a CSV file's, as read (csvfile.Encodings); "" for XLSX
	rows, misfits      int64  // rows Import stages; rows it rejects (wrong field count)
	trailing           int64  // misfits with one field more than the header, and that one empty
	unnamed            []int  // 1-based positions of columns without a header (Import ignores them)
	cols               []*scanCol
	reports            []*profile.ColumnReport // per col
	notKey             []string                // per col: "" = unique and never null
}

// scanCol is the draft's own evidence about one column.
type scanCol struct {
	header string // as the export spells it, trimmed, without a BOM
	pos    int    // 0-based position in the export row
	name   string // database column name
	// renamed says why name is not the header, when the stores could not take the header as
	// it is (a dropped leading _ alone goes without saying).
	renamed string

	examples []string
	zeros    int64 // values that are the number 0 ("0", "0.0", "-0")
	shapes   shapes
}

// scanFile profiles one export. sentinels are every null marker to count (the defaults and the
// extra candidates); order is the contract's date order, for ambiguous d/m values: unresolved
// unless the user stated one, which the export's other date columns never overrule.
func scanFile(ctx context.Context, path, enc string, sentinels []string, order contract.DateOrder, progress func(string, int)) (*scanned, error) {
	ex, err := exports.OpenEncoding(ctx, path, exports.Limits{}, enc)
	if err != nil {
		return nil, err
	}
	defer ex.Close()
	sc := &scanned{path: path, base: baseName(path), format: ex.Format, encoding: ex.Encoding}
	if err := sc.columns(ex.Header); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	norm := values.NewNormalizer(sentinels)
	// Every column is profiled as if contracted as a timestamp, so that the profiler reports
	// date-form evidence and its date-order decision for all of them; the contract type plays no
	// other part in what the draft reads (parses, nulls, distinct counts).
	ps := &contract.Spec{Sentinels: sentinels, DateOrder: order, Profile: contract.DefaultProfile()}
	pt := &contract.Table{Name: sc.base}
	names := make([]string, len(sc.cols))
	for i, c := range sc.cols {
		pt.Columns = append(pt.Columns, &contract.Column{Name: c.name, Type: contract.Timestamp, DateOrder: order, OrderStated: order != contract.Unresolved})
		names[i] = c.name
	}
	prof := profile.NewTable(ps, pt)
	keys := newKeyTracker(norm, names)
	vals := make([]string, len(sc.cols))
	var onProgress func(int64, float64)
	if progress != nil {
		onProgress = func(n int64, _ float64) { progress(sc.base, int(n)) }
	}
	err = ex.Each(ctx, onProgress, func(r exports.Row) error {
		if r.Misfit != "" {
			sc.misfits++
			if n := len(r.Cells); n == len(ex.Header)+1 && strings.TrimSpace(r.Cells[n-1]) == "" {
				sc.trailing++
			}
			return nil
		}
		sc.rows++
		row := r.Cells
		for i, c := range sc.cols {
			v := exports.Cell(row, c.pos)
			vals[i] = v
			s := strings.TrimSpace(v)
			null := norm.IsNull(s)
			keys.add(i, s, null)
			if !null {
				c.add(s)
			}
		}
		return prof.Add(vals)
	})
	if err != nil {
		return nil, err
	}
	sc.reports = prof.Report(0).Columns
	sc.notKey = keys.finish()
	if progress != nil {
		progress(sc.base, int(sc.rows+sc.misfits))
	}
	return sc, nil
}

// columns maps the header row to contract columns, refusing what Import would refuse.
func (sc *scanned) columns(header []string) error {
	seen := map[string]int{}
	for i, h := range header {
		k := normHeader(h)
		if k == "" {
			sc.unnamed = append(sc.unnamed, i+1)
			continue
		}
		if j, dup := seen[k]; dup {
			return fmt.Errorf("header %q appears twice (columns %d and %d); import cannot tell them apart", trimHeader(h), j+1, i+1)
		}
		seen[k] = i
		sc.cols = append(sc.cols, &scanCol{header: trimHeader(h), pos: i})
	}
	if len(sc.cols) == 0 {
		return fmt.Errorf("the header row names no columns")
	}
	if n, limit := len(sc.cols), contract.MaxTableColumns(); n > limit {
		return fmt.Errorf("%d columns; a table holds at most %d (PostgreSQL's limit of %d columns per table, less the loader's lineage columns): split the export",
			n, limit, contract.PostgresMaxColumns)
	}
	// Headers usable as they are keep their spelling; the others are renamed around them, and
	// never to a system column name.
	taken := map[string]bool{}
	for _, r := range contract.SystemColumnNames() {
		taken[r] = true
	}
	for _, c := range sc.cols {
		if asIs(c.header) && !taken[strings.ToLower(c.header)] {
			c.name = c.header
			taken[strings.ToLower(c.name)] = true
		}
	}
	for _, c := range sc.cols {
		if c.name == "" {
			c.name = columnName(c.header, c.pos, taken)
			if strings.TrimLeft(c.header, "_") != c.name {
				c.renamed = fmt.Sprintf("named %s: %s", c.name, renameReason(c.header))
			}
		}
	}
	return nil
}

// asIs reports whether a header can be its column's database name unchanged.
func asIs(h string) bool { return contract.ColumnProblem(h) == "" }

// add records a trimmed, non-null value.
func (c *scanCol) add(s string) {
	if len(c.examples) < maxExamples {
		e := report.Shorten(s, maxExampleLen)
		if !contains(c.examples, e) {
			c.examples = append(c.examples, e)
		}
	}
	if strings.Trim(s, "+-.0") == "" && strings.Contains(s, "0") && strings.Count(s, ".") <= 1 {
		c.zeros++
	}
	c.shapes.add(s)
}

// invalidExamples reads the export again and returns, for each column drafted in cols (by
// column index; nil and text columns are skipped), the values that do not convert as the clean
// stage converts them: how many and a few examples. It runs only when a column's type leaves
// values out, to show the reviewer what they are.
func invalidExamples(ctx context.Context, sc *scanned, sentinels []string, cols []*contract.Column) ([]int64, [][]string, error) {
	ex, err := exports.OpenEncoding(ctx, sc.path, exports.Limits{}, sc.encoding)
	if err != nil {
		return nil, nil, err
	}
	defer ex.Close()
	norm := values.NewNormalizer(sentinels)
	counts := make([]int64, len(sc.cols))
	examples := make([][]string, len(sc.cols))
	err = ex.Each(ctx, nil, func(r exports.Row) error {
		if r.Misfit != "" {
			return nil
		}
		row := r.Cells
		for i, c := range sc.cols {
			if cols[i] == nil || cols[i].Type == contract.Text || c.pos >= len(row) {
				continue
			}
			if _, err := norm.NormalizeColumn(cols[i], row[c.pos]); err != nil {
				counts[i]++
				if e := report.Shorten(strings.TrimSpace(row[c.pos]), maxExampleLen); len(examples[i]) < maxExamples && !contains(examples[i], e) {
					examples[i] = append(examples[i], e)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return counts, examples, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
