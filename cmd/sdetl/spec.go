package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/csvfile"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/specdraft"
	"github.com/sdetl/sdetl/internal/store"
)

func cmdSpec(ctx context.Context, e *env, args []string) error {
	action, args := splitAction(args)
	switch {
	case action == "init":
		return cmdSpecInit(ctx, e, args)
	case wantsHelp(action, args):
		fmt.Fprint(e.stdout, "Usage: sdetl spec init --from FILE [--from FILE...] [--out spec.yaml] [flags]\n\n"+
			"Data contracts. The one action, init, drafts a contract for exports the tool has never\n"+
			"seen by profiling every row of them; see sdetl spec init --help for its flags and\n"+
			"docs/spec-format.md for the format.\n")
		return nil
	}
	return usageError{"spec: want init (sdetl spec init --from FILE ...; see sdetl help spec)"}
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func cmdSpecInit(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "spec init", "--from FILE [--from FILE...] [--out spec.yaml] [flags]",
		"Draft a data contract for exports the tool has never seen: every row of every export is\n"+
			"profiled, and each column gets its inferred type, null count, date format and order,\n"+
			"and examples as comments. Review the draft, then: sdetl run --spec FILE --exports DIR.").withJSON()
	var from stringList
	f.Var(&from, "from", "an export (.xlsx or .csv) to draft a table from; repeat for more tables (required)")
	out := f.String("out", "", "write the contract here (default: print it on stdout)")
	pg := f.String("pg", "", "PostgreSQL DSN (default: $SDETL_PG_DSN): when given, a drafted schema that exists there and is not sdetl's is refused")
	force := f.Bool("force", false, "replace --out if it exists")
	var o specdraft.Options
	f.StringVar(&o.Schema, "schema", "", "target PostgreSQL schema (default: from --name, else the first export's directory name)")
	f.StringVar(&o.Name, "name", "", "contract name (default: the schema)")
	order := f.String("date-order", "", "how ambiguous d/m values are read where neither a column nor the other date columns of its export have evidence: dmy or mdy (default: unresolved, and sdetl run refuses such a column until its order is set)")
	f.withEncoding()
	if _, err := f.parse(args); err != nil {
		return err
	}
	if f.encoding != "" {
		if _, err := csvfile.NormalizeEncoding(f.encoding); err != nil {
			return usageError{"spec init: --" + err.Error()}
		}
		o.Encoding = f.encoding
	}
	switch {
	case len(from) == 0:
		return usageError{"spec init: --from FILE is required"}
	case *order != "" && *order != string(contract.DMY) && *order != string(contract.MDY):
		return usageError{"spec init: --date-order must be dmy or mdy"}
	case o.Schema != "" && !specdraft.ValidSchema(o.Schema):
		return usageError{"spec init: --" + specdraft.SchemaError(o.Schema)}
	}
	if *out != "" && !*force {
		if _, err := os.Stat(*out); err == nil {
			return fmt.Errorf("spec init: %s exists; pass --force to replace it", *out)
		}
	}
	o.Files, o.DateOrder = from, contract.DateOrder(*order)
	p := newProgress(e, "spec init")
	o.Progress = p.update
	d, err := specdraft.New(ctx, o)
	p.done()
	if err != nil {
		return err
	}
	if dsn := cmp.Or(*pg, os.Getenv("SDETL_PG_DSN")); dsn != "" {
		// Only where a database is named: spec init never starts the local one.
		if err := postgres.CheckOwnership(ctx, dsn, d.Spec, ""); err != nil {
			return fmt.Errorf("spec init: %w (pass --schema NAME to draft another)", err)
		}
	}
	if *out != "" {
		if err := writeFileAtomic(*out, d.YAML, *force); err != nil {
			return fmt.Errorf("spec init: %w", err)
		}
	}
	switch {
	case f.json:
		return printReport(ctx, e.stdout, struct {
			Out  string `json:"out,omitempty"`
			YAML string `json:"spec"`
			*specdraft.Draft
		}{*out, string(d.YAML), d}, nil)
	case *out == "":
		_, err := e.stdout.Write(d.YAML)
		return err
	}
	printDraft(e, d, *out)
	return nil
}

func printDraft(e *env, d *specdraft.Draft, out string) {
	fmt.Fprintf(e.stdout, "drafted contract %q (schema %s) in %s\n", d.Name, d.Schema, out)
	for _, n := range d.Notes {
		fmt.Fprintf(e.stdout, "note: %s\n", n)
	}
	fmt.Fprintf(e.stdout, "%-20s %8s %8s  %-24s %s\n", "table", "rows", "columns", "key", "to check")
	for _, t := range d.Tables {
		check := 0
		for _, c := range t.Columns {
			if c.Invalid > 0 || strings.Contains(c.OrderNote, "check this") {
				check++
			}
		}
		key := t.Key
		if key == "" {
			key = "(none)"
		}
		fmt.Fprintf(e.stdout, "%-20s %8d %8d  %-24s %d columns\n", t.Table, t.Rows, len(t.Columns), key, check)
		for _, n := range t.Notes {
			fmt.Fprintf(e.stdout, "  note: %s\n", n)
		}
	}
	fmt.Fprintf(e.stdout, "review the comments in %s, then: sdetl run --spec %s --exports DIR\n", out, out)
}

// writeFileAtomic writes b to path atomically; without force an existing path is never replaced.
func writeFileAtomic(path string, b []byte, force bool) error {
	err := store.WriteFile(path, 0o644, force, func(w io.Writer) error { _, err := w.Write(b); return err })
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; pass --force to replace it", path)
	}
	return err
}
