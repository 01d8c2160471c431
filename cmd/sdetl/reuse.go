package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/sdetl/sdetl/internal/backup"
	"github.com/sdetl/sdetl/internal/canary"
	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/filesum"
	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/quality"
	rc "github.com/sdetl/sdetl/internal/reconcile"
	"github.com/sdetl/sdetl/internal/store"
)

// The unchanged re-run. The clean stage is deterministic: the same staging store (by content),
// contract and tool make the same clean store, the same profile and the same scores. So a run
// records what it made the clean store from (in the store, table made_from) and saves the
// reports it computed for it (<workdir>/reuse.json); the next run on the same inputs keeps the
// clean store and those reports instead of redoing profile, scores, clean and measure, skips a
// canary that passed on exactly these inputs while live already holds them, and a backup of a
// staging store already backed up and verified. Any difference — one byte of the staging store,
// the contract, the tool's build — and everything runs. Files are fingerprinted by SHA-256
// through the work dir's filesum cache (sums.json), so an unchanged file costs a stat.

// madeFrom is what a clean store is made from.
type madeFrom struct {
	Stage    string `json:"stage_sha256"`    // the staging store's content
	Contract string `json:"contract_sha256"` // the contract as parsed, defaults included
	Tool     string `json:"tool"`            // version line and the executable's SHA-256
}

func (m madeFrom) String() string {
	b, _ := json.Marshal(m)
	return string(b)
}

// differs names what changed between the inputs an earlier clean was made from and now.
func (m madeFrom) differs(now madeFrom) string {
	switch {
	case m.Stage != now.Stage:
		return "the staging store changed"
	case m.Contract != now.Contract:
		return "the contract changed"
	case m.Tool != now.Tool:
		return "the tool changed (" + now.Tool + ")"
	}
	return ""
}

// reuseRecord is reuse.json: the clean store a run made, what from, and its reports.
type reuseRecord struct {
	Format     int             `json:"format"`
	MadeFrom   madeFrom        `json:"made_from"`
	Clean      string          `json:"clean_sha256"` // the clean store these reports describe
	RunID      int64           `json:"run_id"`
	Profile    *profile.Report `json:"profile"`
	DateOrders []string        `json:"date_orders_by_evidence"`
	StageScore *quality.Report `json:"stage_score"`
	CleanScore *quality.Report `json:"clean_score"`
	Report     *clean.Report   `json:"clean"`
	Measures   *rc.Measures    `json:"measures"`
	// CanaryPassed is the key (canaryKey) of the inputs a canary last passed on, with its run.
	CanaryPassed string `json:"canary_passed,omitempty"`
	CanaryRun    int64  `json:"canary_run,omitempty"`
	// KPIs of the live generation, computed in run KPIRun, for the key (kpiKey) of the
	// generation's fingerprint, the KPI parameters and the tool.
	KPIKey string `json:"kpi_key,omitempty"`
	// A record this run made: the clean store's hash still being taken (nil once in Clean),
	// and whether it changed since it was last written (save).
	cleanSum *ahead[string]
	unsaved  bool
	KPIRun   int64        `json:"kpi_run,omitempty"`
	KPIs     []kpi.Result `json:"kpis,omitempty"`
}

const reuseFormat = 1

// specFingerprint is the SHA-256 of the contract as parsed (before a run applies the profile's
// date orders to it): every setting, defaults included.
func specFingerprint(s *contract.Spec) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("contract fingerprint: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// toolIdentity names this build: the version line and the executable's SHA-256, so a rebuilt
// binary is a new tool even at the same commit. "" when the executable cannot be read: then
// nothing is reused. A variable, so tests can be a new tool.
var toolIdentity = func(ctx context.Context, sums *filesum.Cache) string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	sha, _, err := sums.Sum(ctx, exe)
	if err != nil {
		return ""
	}
	return versionLine() + " " + sha[:16]
}

// currentMadeFrom fingerprints what a clean made now would be made from; contract is
// specFingerprint taken before the run changed the spec.
func currentMadeFrom(ctx context.Context, o runOptions, contract string) (madeFrom, error) {
	sha, _, err := o.sums.Sum(ctx, o.work.stage())
	if err != nil {
		return madeFrom{}, fmt.Errorf("staging store: %w", err)
	}
	return madeFrom{Stage: sha, Contract: contract, Tool: toolIdentity(ctx, o.sums)}, nil
}

func (w workdir) reuseJSON() string { return w.path("reuse.json") }
func (w workdir) sumsJSON() string  { return w.path("sums.json") }

func readReuse(w workdir) *reuseRecord {
	b, err := os.ReadFile(w.reuseJSON())
	if err != nil {
		return nil
	}
	var r reuseRecord
	if json.Unmarshal(b, &r) != nil || r.Format != reuseFormat {
		return nil
	}
	return &r
}

func writeReuse(w workdir, r *reuseRecord) error {
	r.Format = reuseFormat
	return store.WriteFile(w.reuseJSON(), 0o644, true, func(out io.Writer) error { return json.NewEncoder(out).Encode(r) })
}

// reusableClean returns the record of the clean store in the work dir when it was made from
// exactly what mf returns and is unchanged since, with the reports to reuse; else nil and why
// not. Without a record it does not wait for mf; mf's error is returned.
func reusableClean(ctx context.Context, o runOptions, mf *ahead[madeFrom], gate float64) (*reuseRecord, string, error) {
	r := readReuse(o.work)
	if r == nil || r.Profile == nil || r.StageScore == nil || r.CleanScore == nil || r.Report == nil || r.Measures == nil {
		return nil, "no earlier clean recorded in this work dir", nil
	}
	now, err := mf.get()
	if err != nil {
		return nil, "", err
	}
	if now.Tool == "" {
		return nil, "the tool's executable could not be fingerprinted", nil
	}
	if why := r.MadeFrom.differs(now); why != "" {
		return nil, why, nil
	}
	sha, _, err := o.sums.Sum(ctx, o.work.clean())
	if err != nil || sha != r.Clean {
		return nil, "the clean store changed since it was made", nil
	}
	if in, err := clean.MadeFrom(ctx, o.work.clean()); err != nil || in != now.String() {
		return nil, "the clean store does not record these inputs", nil
	}
	if r.Profile.Breaker.Halt {
		return nil, "the saved profile tripped the breaker", nil
	}
	// The one rule that depends on the time (dates_in_range: up to now + N days) only passes
	// more as time goes on, so a saved score that passes the gate still would; one that fails
	// is computed afresh.
	if quality.Gate(r.CleanScore, gate) != nil {
		return nil, "the saved clean score does not pass the gate", nil
	}
	return r, "", nil
}

// applyReuse puts a record's reports into the run's report, as the stages would have.
func applyReuse(s *contract.Spec, r *reuseRecord, rep *runReport) (err error) {
	rep.Profile, rep.Scores.Stage, rep.Clean, rep.Scores.Clean = r.Profile, r.StageScore, r.Report, r.CleanScore
	rep.DateOrders, err = applyDateOrders(s, r.Profile)
	return err
}

// canaryKey fingerprints everything a canary's verdict depends on: the clean store and what
// it was made from (data, contract, tool), the seed, every query, and the database it ran in.
func canaryKey(r *reuseRecord, o runOptions, s *contract.Spec, queries []canary.Query) string {
	b, _ := json.Marshal(struct {
		MadeFrom madeFrom
		Clean    string
		Seed     uint64
		Queries  []canary.Query
		Database string
		Schema   string
	}{r.MadeFrom, r.Clean, o.canarySeed, queries, describeDSN(o.dsn), s.Schema})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// stagedBackup finds a verified backup of the staging store whose content is sha: a manifest
// naming it as the source, whose data file still has the manifest's size and SHA-256.
func stagedBackup(ctx context.Context, o runOptions, sha string) (string, bool) {
	ms, err := backup.List(o.work.backups())
	if err != nil {
		return "", false
	}
	for _, m := range ms { // newest first
		if m.Kind != backup.KindStage || m.SourceSHA256 != sha {
			continue
		}
		got, n, err := o.sums.Sum(ctx, m.DataPath(o.work.backups()))
		if err == nil && n == m.Bytes && got == m.SHA256 {
			return m.ID, true
		}
	}
	return "", false
}

// reuseNote is the line a run prints when it kept what it would only have redone.
func reuseNote(notes []string) string {
	return "unchanged, not redone: " + strings.Join(notes, "; ")
}

// newReuse is the record of the clean store this run made, with its reports, for the next
// run. The store's hash is taken on a goroutine of its own while the canary reads the store
// (settle waits for it); save writes the record.
func newReuse(ctx context.Context, o runOptions, mf *ahead[madeFrom], rep *runReport, m *rc.Measures) (*reuseRecord, error) {
	made, err := mf.get()
	if err != nil {
		return nil, err
	}
	sum := goAhead(func() (string, error) {
		sha, _, err := o.sums.Sum(ctx, o.work.clean())
		if err != nil {
			return "", fmt.Errorf("clean store: %w", err)
		}
		return sha, nil
	})
	return &reuseRecord{MadeFrom: made, RunID: rep.RunID, Profile: rep.Profile, DateOrders: rep.DateOrders,
		StageScore: rep.Scores.Stage, CleanScore: rep.Scores.Clean, Report: rep.Clean, Measures: m,
		cleanSum: sum, unsaved: true}, nil
}

// settle waits for the clean store's hash of a record this run made.
func (r *reuseRecord) settle() error {
	if r.cleanSum == nil {
		return nil
	}
	sha, err := r.cleanSum.get()
	if err != nil {
		return err
	}
	r.Clean, r.cleanSum = sha, nil
	return nil
}

// save writes the record when it changed since it was read or last written.
func (r *reuseRecord) save(w workdir) error {
	if !r.unsaved {
		return nil
	}
	if err := r.settle(); err != nil {
		return err
	}
	if err := writeReuse(w, r); err != nil {
		return err
	}
	r.unsaved = false
	return nil
}

// canaryUnlessPassed runs the canary, unless --no-canary or a dry run, or a canary passed on
// exactly these inputs and the live generation already holds this clean store (no load to
// protect, nothing new to prove). A pass is recorded for the next run.
func canaryUnlessPassed(ctx context.Context, e *env, s *contract.Spec, o runOptions, rep *runReport, r *reuseRecord, lo postgres.LoadOptions) (err error) {
	if o.dryRun || o.noCanary {
		rep.Canary = &canaryReport{Skipped: true, Why: "--no-canary or a dry run"}
		return nil
	}
	queries, err := canaryQueries(s, o.canaryQueries)
	if err != nil {
		return err
	}
	// A record this run made has no pass to find (and its clean store's hash, which the key
	// needs, is still being taken); only one read from reuse.json may.
	if r.CanaryPassed != "" && r.CanaryPassed == canaryKey(r, o, s, queries) && !lo.Force && o.adopt == "" && o.run != nil {
		holds, err := o.run.LiveHolds(ctx, rc.Fingerprint(lo.Want))
		if err != nil {
			return err
		}
		if holds {
			why := fmt.Sprintf("passed on these inputs in run %d, and live holds this data", r.CanaryRun)
			rep.Canary = &canaryReport{Schema: postgres.CanarySchema(s), Seed: o.canarySeed, Queries: len(queries), Skipped: true, Why: why}
			rep.Reused = append(rep.Reused, "canary: "+why)
			return nil
		}
	}
	var drawn *clean.Sample // drawn as this run's clean wrote the store (nil when it was reused)
	if rep.Clean != nil {
		drawn = rep.Clean.Sample
	}
	if rep.Canary, err = canaryStage(ctx, e, s, o, rep.Profile, drawn); err != nil {
		return err
	}
	if err := r.settle(); err != nil {
		return err
	}
	r.CanaryPassed, r.CanaryRun, r.unsaved = canaryKey(r, o, s, queries), rep.RunID, true
	return r.save(o.work)
}

// kpiKey fingerprints what the KPIs that do not read comment_quality depend on: the live
// generation's rows (its reconciliation fingerprint), the KPI parameters and the tool (the
// SQL is embedded in it). None of the queries reads the clock.
func kpiKey(ctx context.Context, o runOptions, s *contract.Spec, generation string) string {
	b, _ := json.Marshal(struct {
		Generation, Tool, Database, Schema string
		Params                             kpi.Params
	}{generation, toolIdentity(ctx, o.sums), describeDSN(o.dsn), s.Schema, s.KPIParams()})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// readsQuality reports whether a KPI reads comment_quality, which another process fills
// whenever it likes: such a KPI is always computed afresh.
func readsQuality(d kpi.Def) bool {
	return d.Quality || strings.Contains(d.SQL, "comment_quality")
}

// reusableKPIs returns the saved KPIs when the run found nothing to do and they were computed
// on this very generation with these parameters by this tool.
func reusableKPIs(ctx context.Context, o runOptions, s *contract.Spec, rep *runReport) *reuseRecord {
	if rep.Load == nil || !rep.Load.NothingToDo {
		return nil
	}
	r := readReuse(o.work)
	if r == nil || len(r.KPIs) == 0 || r.KPIKey != kpiKey(ctx, o, s, rep.Load.Fingerprint) {
		return nil
	}
	return r
}

// runLiveKPIs computes the live schema's KPIs for the report and the metrics. When the run
// found nothing to do and the KPIs of this generation are saved, only the ones reading
// comment_quality are run again; otherwise all are, and saved for the next run.
func runLiveKPIs(ctx context.Context, s *contract.Spec, o runOptions, rep *runReport) ([]kpi.Result, error) {
	if r := reusableKPIs(ctx, o, s, rep); r != nil {
		var only []string
		for _, d := range kpi.Defs() {
			if readsQuality(d) {
				only = append(only, d.Name)
			}
		}
		fresh := map[string]kpi.Result{}
		if len(only) > 0 {
			k, err := postgres.RunKPIs(ctx, o.dsn, s.Schema, s.KPIParams(), only)
			if err != nil {
				return nil, err
			}
			for _, res := range k.Results {
				fresh[res.Name] = res
			}
		}
		out := slices.Clone(r.KPIs)
		for i, res := range out {
			if f, ok := fresh[res.Name]; ok {
				out[i] = f
			}
		}
		return out, nil
	}
	k, err := postgres.RunKPIs(ctx, o.dsn, s.Schema, s.KPIParams(), nil)
	if err != nil {
		return nil, err
	}
	if r := readReuse(o.work); r != nil && rep.Load != nil && rep.Load.Fingerprint != "" {
		r.KPIKey, r.KPIRun, r.KPIs = kpiKey(ctx, o, s, rep.Load.Fingerprint), rep.RunID, k.Results
		writeReuse(o.work, r) // saves the next run work; its failure costs that run the queries
	}
	return k.Results, nil
}

// settleSums fingerprints once more, late in the run (beside the load, when nothing writes
// them any more, and again at the end), the files the next run will ask about: one the run
// has not fingerprinted, or whose hash is not trusted by its stat (Sum waits out a clock tick
// of the file system's, but not the 2 s of one with whole-second times), is hashed now rather
// than in the next run. A file already trusted, as every one normally is, costs a stat.
func settleSums(ctx context.Context, o runOptions, rep *runReport) {
	paths := []string{o.work.stage(), o.work.clean()}
	for _, f := range rep.Import.Files {
		paths = append(paths, f.Path)
	}
	for _, p := range paths {
		o.sums.Sum(ctx, p)
	}
}
