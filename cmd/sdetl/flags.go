package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/csvfile"
)

// flags is the flag set of a subcommand, with the flags most commands share.
type flags struct {
	*flag.FlagSet
	e        *env
	name     string
	args     string // the usage line after the command name
	summary  string
	work     workdir
	specFile string
	json     bool
	pg       string
	files    bool   // positional arguments (files) are accepted
	encoding string // --encoding: every CSV export's, over the contract's (withEncoding)
}

func newFlags(e *env, name, args, summary string) *flags {
	f := &flags{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), e: e, name: name, args: args, summary: summary}
	// The flag package would print errors and usage to one writer; help goes to stdout (so
	// `sdetl run --help | less` works) and an error is one line on stderr, printed by exitWith.
	f.SetOutput(io.Discard)
	f.Usage = func() {}
	return f
}

// help prints the command's help on stdout.
func (f *flags) help() {
	w := f.e.stdout
	fmt.Fprintf(w, "Usage: sdetl %s %s\n\n%s\n\nFlags:\n", f.name, f.args, f.summary)
	f.SetOutput(w)
	f.PrintDefaults()
	f.SetOutput(io.Discard)
}

// withWorkdir adds --workdir, for the commands that read or write the work dir.
func (f *flags) withWorkdir() *flags {
	f.work = defaultWorkdir // before Var, which records the default the help shows
	f.Var(&f.work, "workdir", "work directory `DIR` for the staging and clean stores, run.json and the local PostgreSQL")
	f.Var(&f.e.progress, "progress", progressUsage)
	return f
}

func (f *flags) withSpec() *flags {
	f.StringVar(&f.specFile, "spec", "", "data contract YAML file (default: the built-in ServiceDesk contract)")
	return f
}

func (f *flags) withJSON() *flags {
	f.BoolVar(&f.json, "json", false, "print the report as JSON")
	return f
}

func (f *flags) withPG() *flags {
	f.StringVar(&f.pg, "pg", "", "PostgreSQL DSN (default: $SDETL_PG_DSN, the PG* environment, else the local PostgreSQL under --workdir)")
	return f
}

// withEncoding adds --encoding, the CSV exports' character encoding.
func (f *flags) withEncoding() *flags {
	f.StringVar(&f.encoding, "encoding", "", "the CSV exports' character `encoding`, over each table's encoding: in the contract: "+
		strings.Join(csvfile.Encodings, ", ")+" (default utf-8)")
	return f
}

// applyEncoding sets --encoding on every table of s (a CSV export is read in it; XLSX says its own).
func (f *flags) applyEncoding(s *contract.Spec) error {
	if f.encoding == "" {
		return nil
	}
	enc, err := csvfile.NormalizeEncoding(f.encoding)
	if err != nil {
		return usageError{f.name + ": --" + err.Error()}
	}
	for _, t := range s.Tables {
		t.Encoding = enc
	}
	return nil
}

// withFiles accepts file arguments, returned by parse.
func (f *flags) withFiles() *flags {
	f.files = true
	return f
}

// parse parses args, flags and file arguments in any order ("--" ends the flags), and returns
// the file arguments. --help prints the help and returns flag.ErrHelp (exit 0).
func (f *flags) parse(args []string) ([]string, error) {
	var files []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.help()
				return nil, err
			}
			return nil, usageError{fmt.Sprintf("%s: %v (see sdetl help %s)", f.name, err, strings.Fields(f.name)[0])}
		}
		rest := f.Args()
		if len(rest) == 0 {
			break
		}
		// Parse stops at the first argument that is not a flag, or just after "--".
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			files = append(files, rest...)
			break
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
	if len(files) > 0 && !f.files {
		return nil, usageError{fmt.Sprintf("%s: unexpected argument %q", f.name, files[0])}
	}
	return files, nil
}

// splitAction takes the action word of a command with actions (pg up, quarantine list, spec
// init) off the front of args; "" when args start with a flag or are empty.
func splitAction(args []string) (action string, rest []string) {
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		return args[0], args[1:]
	}
	return "", args
}

// wantsHelp reports whether args ask for help rather than an action.
func wantsHelp(action string, args []string) bool {
	return action == "help" || (action == "" && len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help"))
}

// optFloat is a float flag whose absence is told apart from any value, so the help shows one
// default (the contract's), not a placeholder.
type optFloat struct {
	v   float64
	set bool
}

func (o *optFloat) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.FormatFloat(o.v, 'g', -1, 64)
}

func (o *optFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("not a number")
	}
	if v < 0 || v > 100 {
		return fmt.Errorf("%v is outside 0..100", v)
	}
	o.v, o.set = v, true
	return nil
}

// printReport prints a command's report as JSON with how the command ended (outcome, exit_code,
// error: the mapping of exit.go) added after its own fields, so every JSON report says it,
// also when a judgement (breaker, gate) ends the command after the report.
func printReport(ctx context.Context, w io.Writer, v any, err error) error {
	b, merr := json.Marshal(v)
	if merr != nil {
		return merr
	}
	var end struct {
		Outcome  string `json:"outcome"`
		ExitCode int    `json:"exit_code"`
		Error    string `json:"error"`
	}
	end.ExitCode, end.Outcome = ending(ctx, err)
	if err != nil {
		end.Error = oneLine(err.Error())
	}
	tail, _ := json.Marshal(end)
	if len(b) >= 2 && b[0] == '{' {
		if b = b[:len(b)-1]; len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, tail[1:]...)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, werr := w.Write(out.Bytes())
	return werr
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
