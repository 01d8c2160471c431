package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The benchmark fixture shaped like the public ServiceNow incident event log (the "incident
// management process enriched event log": one row per change of an incident, 36 columns): an
// incident number repeated on every event of that incident, a modification count that grows
// along its events, five timestamps written day-first without leading zeros and without
// seconds (29/2/2016 01:16), "?" for every missing value, true/false flags, "2 - Medium" style
// enums and opaque "Caller 2403" style references. Deterministic by seed. It is not the public
// file (which this repository does not ship), only its shape: the widths, null density and
// value forms that make a wide CSV expensive to stage, clean and load.

// eventLogFile is the fixture's file name; the contract's table reads it.
const eventLogFile = "incident_event_log.csv"

// eventLogRows is the public log's size, about: 141,712 events; the issue measured 120K.
const eventLogRows = 120000

var eventLogHeader = []string{"number", "incident_state", "active", "reassignment_count", "reopen_count",
	"sys_mod_count", "made_sla", "caller_id", "opened_by", "opened_at", "sys_created_by", "sys_created_at",
	"sys_updated_by", "sys_updated_at", "contact_type", "location", "category", "subcategory", "u_symptom",
	"cmdb_ci", "impact", "urgency", "priority", "assignment_group", "assigned_to", "knowledge",
	"u_priority_confirmation", "notify", "problem_id", "rfc", "vendor", "caused_by", "closed_code",
	"resolved_by", "resolved_at", "closed_at"}

var (
	incidentStates = []string{"New", "Active", "Awaiting User Info", "Awaiting Problem", "Awaiting Vendor", "Awaiting Evidence", "Resolved", "Closed"}
	contactTypes   = []string{"Phone", "Email", "Self service", "Direct opening", "IVR"}
	levels         = []string{"1 - High", "2 - Medium", "3 - Low"}
	priorities     = []string{"1 - Critical", "2 - High", "3 - Moderate", "4 - Low"}
)

// writeEventLog writes about rows events (whole incidents, so a few more) into dir.
func writeEventLog(dir string, rows int, seed uint64) (string, int, error) {
	path := filepath.Join(dir, eventLogFile)
	f, err := os.Create(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	rnd := rand.New(rand.NewPCG(seed, seed^0x5eed))
	writeCSVRow(w, eventLogHeader)
	start := time.Date(2016, 2, 29, 1, 16, 0, 0, time.UTC)
	n := 0
	rec := make([]string, len(eventLogHeader))
	for inc := 1; n < rows; inc++ {
		opened := start.Add(time.Duration(rnd.IntN(24*120)) * time.Hour).Add(time.Duration(rnd.IntN(60)) * time.Minute)
		events := 1 + rnd.IntN(8) // about 4.5 events per incident, as in the public log
		caller, group := rnd.IntN(5000), rnd.IntN(80)
		category, sub := rnd.IntN(60), rnd.IntN(250)
		impact, urgency := rnd.IntN(3), rnd.IntN(3)
		resolved := opened.Add(time.Duration(1+rnd.IntN(24*20)) * time.Hour)
		reassign, reopen := 0, 0
		updated := opened
		for ev := 0; ev < events; ev++ {
			last := ev == events-1
			updated = updated.Add(time.Duration(1+rnd.IntN(600)) * time.Minute)
			if rnd.IntN(5) == 0 {
				reassign++
			}
			if ev > 0 && rnd.IntN(40) == 0 {
				reopen++
			}
			state := incidentStates[min(ev, 5)]
			if last {
				state = "Closed"
			} else if ev == events-2 && events > 2 {
				state = "Resolved"
			}
			for i := range rec {
				rec[i] = "?"
			}
			rec[0] = fmt.Sprintf("INC%07d", inc)
			rec[1] = state
			rec[2] = strconv.FormatBool(!last)
			rec[3] = strconv.Itoa(reassign)
			rec[4] = strconv.Itoa(reopen)
			rec[5] = strconv.Itoa(ev)
			rec[6] = strconv.FormatBool(rnd.IntN(3) > 0)
			rec[7] = "Caller " + strconv.Itoa(caller)
			rec[8] = "Opened by " + strconv.Itoa(rnd.IntN(200))
			rec[9] = dayFirst(opened)
			rec[10] = "Created by " + strconv.Itoa(rnd.IntN(200))
			rec[11] = dayFirst(opened)
			rec[12] = "Updated by " + strconv.Itoa(rnd.IntN(900))
			rec[13] = dayFirst(updated)
			rec[14] = contactTypes[rnd.IntN(len(contactTypes))]
			rec[15] = "Location " + strconv.Itoa(rnd.IntN(230))
			rec[16] = "Category " + strconv.Itoa(category)
			rec[17] = "Subcategory " + strconv.Itoa(sub)
			if rnd.IntN(4) > 0 {
				rec[18] = "Symptom " + strconv.Itoa(rnd.IntN(500))
			}
			if rnd.IntN(50) == 0 {
				rec[19] = "Configuration item " + strconv.Itoa(rnd.IntN(300))
			}
			rec[20], rec[21] = levels[impact], levels[urgency]
			rec[22] = priorities[min(impact+urgency, 3)]
			rec[23] = "Group " + strconv.Itoa(group)
			if ev > 0 || rnd.IntN(3) > 0 {
				rec[24] = "Resolver " + strconv.Itoa(rnd.IntN(230))
			}
			rec[25] = strconv.FormatBool(rnd.IntN(6) == 0)
			rec[26] = strconv.FormatBool(rnd.IntN(3) == 0)
			rec[27] = "Do Not Notify"
			if rnd.IntN(60) == 0 {
				rec[28] = "Problem ID  " + strconv.Itoa(rnd.IntN(250))
			}
			if rnd.IntN(200) == 0 {
				rec[29] = "CHG" + strconv.Itoa(1000000+rnd.IntN(9000))
			}
			if rnd.IntN(700) == 0 {
				rec[30] = "Vendor " + strconv.Itoa(rnd.IntN(5))
			}
			// rec[31], caused_by, stays "?": the public log has it on almost every event
			if state == "Resolved" || state == "Closed" {
				rec[32] = "code " + strconv.Itoa(1+rnd.IntN(17))
				rec[33] = "Resolved by " + strconv.Itoa(rnd.IntN(230))
				rec[34] = dayFirst(resolved)
			}
			rec[35] = dayFirst(resolved.Add(time.Duration(5*24+rnd.IntN(48)) * time.Hour))
			writeCSVRow(w, rec)
			n++
		}
	}
	if err := w.Flush(); err != nil {
		return "", 0, err
	}
	return path, n, f.Sync()
}

// dayFirst writes a time as the public log does: 29/2/2016 01:16.
func dayFirst(t time.Time) string {
	return fmt.Sprintf("%d/%d/%d %02d:%02d", t.Day(), int(t.Month()), t.Year(), t.Hour(), t.Minute())
}

// writeCSVRow writes one RFC 4180 record (no field here needs quoting but a comma would get it).
func writeCSVRow(w *bufio.Writer, rec []string) {
	for i, f := range rec {
		if i > 0 {
			w.WriteByte(',')
		}
		needs := false
		for j := 0; j < len(f); j++ {
			if c := f[j]; c == ',' || c == '"' || c == '\n' || c == '\r' {
				needs = true
				break
			}
		}
		if needs {
			w.WriteByte('"')
			for j := 0; j < len(f); j++ {
				if f[j] == '"' {
					w.WriteByte('"')
				}
				w.WriteByte(f[j])
			}
			w.WriteByte('"')
		} else {
			w.WriteString(f)
		}
	}
	w.WriteString("\r\n")
}

// benchEventLog is `sdetl-bench eventlog`: write the fixture alone (for sdetl spec init, or
// to look at).
func benchEventLog(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eventlog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory to write "+eventLogFile+" into (required)")
	rows := fs.Int("rows", eventLogRows, "events to write (whole incidents, so a few more)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same file")
	if err := fs.Parse(args); err != nil || *out == "" {
		fmt.Fprintln(stderr, "usage: sdetl-bench eventlog -out DIR [-rows N] [-seed S]")
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(stderr, "sdetl-bench eventlog:", err)
		return 1
	}
	path, n, err := writeEventLog(*out, *rows, *seed)
	if err != nil {
		fmt.Fprintln(stderr, "sdetl-bench eventlog:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d events\n", path, n)
	return 0
}
