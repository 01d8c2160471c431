package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Goals from the issue.
const (
	goalVsExcelize = 4.0   // sdetl throughput / excelize throughput, at least
	goalVsInflate  = 2.5   // sdetl time / inflate time, at most
	goalRSSMB      = 200.0 // peak RSS on the raw tickets export, below
)

// fileInfo describes one workbook, as seen from the zip directory.
type fileInfo struct {
	Path       string `json:"path"`
	FileBytes  int64  `json:"file_bytes"`
	SheetBytes int64  `json:"sheet_xml_bytes"`
	SSTBytes   int64  `json:"shared_strings_xml_bytes"`
}

// readerResult aggregates the N runs of one reader on one file.
type readerResult struct {
	Reader      string        `json:"reader"`
	Runs        []measurement `json:"runs"`
	RunRSSMB    []float64     `json:"runs_peak_rss_mb"`
	RunCPU      []float64     `json:"runs_cpu_seconds"`
	Seconds     float64       `json:"median_seconds"`
	OpenSeconds float64       `json:"median_open_seconds"`
	CPUSeconds  float64       `json:"median_cpu_seconds"`
	PeakRSSMB   float64       `json:"peak_rss_mb"` // the largest of the runs
	Rows        int64         `json:"rows"`
	NonEmpty    int64         `json:"cells_non_empty"`
	GridCells   int64         `json:"cells_total"` // rows x widest row
	CellsPerSec float64       `json:"cells_per_second"`
	MBPerSec    float64       `json:"sheet_xml_mb_per_second"`
}

type fileResult struct {
	File    fileInfo       `json:"file"`
	Readers []readerResult `json:"readers"`
	// Ratios; 0 when a reader was not measured. The goal is judged against
	// the faster of the two excelize modes.
	VsExcelize    float64 `json:"sdetl_vs_excelize_throughput"`
	VsExcelizeRaw float64 `json:"sdetl_vs_excelize_raw_throughput"`
	VsInflate     float64 `json:"sdetl_time_over_inflate_time"`
	// The same ratios from CPU time (user+system of the child), steadier on
	// a shared machine; sdetl's includes its concurrent GC.
	CPUVsExcelize    float64 `json:"cpu_sdetl_vs_excelize"`
	CPUVsExcelizeRaw float64 `json:"cpu_sdetl_vs_excelize_raw"`
	CPUVsInflate     float64 `json:"cpu_sdetl_over_inflate"`
	// sdetl time / (inflate time of the sheet + of the shared strings).
	VsInflateWithSST float64  `json:"sdetl_time_over_inflate_sheet_and_sst_time"`
	Notes            []string `json:"notes,omitempty"`
}

type report struct {
	Date       string       `json:"date"`
	GoVersion  string       `json:"go_version"`
	GOOS       string       `json:"goos"`
	GOARCH     string       `json:"goarch"`
	NumCPU     int          `json:"nproc"`
	MemTotalMB float64      `json:"mem_total_mb"`
	CPUModel   string       `json:"cpu_model,omitempty"`
	Env        []string     `json:"env,omitempty"` // GOGC, GOMEMLIMIT, GOMAXPROCS if set
	N          int          `json:"n"`
	LoadBefore string       `json:"loadavg_before"`
	LoadAfter  string       `json:"loadavg_after"`
	Files      []fileResult `json:"files"`
}

func benchXLSX(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("xlsx", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 3, "runs per reader and file; the median is reported")
	asJSON := fs.Bool("json", false, "print JSON instead of markdown")
	readers := fs.String("readers", strings.Join(allReaders, ","), "readers to measure")
	quiet := fs.Bool("q", false, "no progress on stderr")
	from := fs.String("from", "", "print the markdown of a report saved with -json instead of measuring")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *from != "" {
		b, err := os.ReadFile(*from)
		if err != nil {
			fmt.Fprintln(stderr, "sdetl-bench:", err)
			return 1
		}
		var rep report
		if err := json.Unmarshal(b, &rep); err != nil {
			fmt.Fprintf(stderr, "sdetl-bench: %s: %v\n", *from, err)
			return 1
		}
		writeMarkdown(stdout, &rep)
		return 0
	}
	if fs.NArg() == 0 || *n < 1 {
		usage(stderr)
		return 2
	}
	var which []string
	for _, r := range strings.Split(*readers, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		if !slices.Contains(allReaders, r) {
			fmt.Fprintf(stderr, "sdetl-bench: unknown reader %q (have %s)\n", r, strings.Join(allReaders, ","))
			return 2
		}
		which = append(which, r)
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "sdetl-bench:", err)
		return 1
	}
	rep := report{
		Date:       time.Now().Format(time.RFC3339),
		GoVersion:  runtime.Version(),
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
		NumCPU:     runtime.NumCPU(),
		MemTotalMB: memTotalMB(),
		CPUModel:   cpuModel(),
		N:          *n,
		LoadBefore: loadAvg(),
	}
	for _, k := range []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS"} {
		if v, ok := os.LookupEnv(k); ok {
			rep.Env = append(rep.Env, k+"="+v)
		}
	}
	for _, path := range fs.Args() {
		fr, err := benchFile(exe, path, which, *n, stderr, *quiet)
		if err != nil {
			fmt.Fprintf(stderr, "sdetl-bench: %s: %v\n", path, err)
			return 1
		}
		rep.Files = append(rep.Files, fr)
	}
	rep.LoadAfter = loadAvg()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return 1
		}
		return 0
	}
	writeMarkdown(stdout, &rep)
	return 0
}

// benchFile measures every reader n times on one file. The order of the
// readers rotates between rounds so that none always runs first (cold page
// cache, a neighbour's burst).
func benchFile(exe, path string, readers []string, n int, stderr io.Writer, quiet bool) (fileResult, error) {
	var fr fileResult
	info, err := describe(path)
	if err != nil {
		return fr, err
	}
	fr.File = info
	res := make(map[string]*readerResult)
	for _, r := range readers {
		res[r] = &readerResult{Reader: r}
	}
	for round := range n {
		for i := range readers {
			r := readers[(i+round)%len(readers)]
			m, rss, cpu, err := runChild(exe, r, path)
			if err != nil {
				return fr, fmt.Errorf("%s: %w", r, err)
			}
			if !quiet {
				fmt.Fprintf(stderr, "%s %s run %d/%d: %.2fs (cpu %.2fs) rss %.0f MB\n", filepath.Base(path), r, round+1, n, m.Seconds, cpu, rss)
			}
			rr := res[r]
			rr.Runs = append(rr.Runs, m)
			rr.RunRSSMB = append(rr.RunRSSMB, rss)
			rr.RunCPU = append(rr.RunCPU, cpu)
		}
	}
	for _, r := range readers {
		rr := res[r]
		rr.Seconds = median(rr.Runs, func(m measurement) float64 { return m.Seconds })
		rr.OpenSeconds = median(rr.Runs, func(m measurement) float64 { return m.OpenSeconds })
		rr.CPUSeconds = medianF(rr.RunCPU)
		rr.PeakRSSMB = slices.Max(rr.RunRSSMB)
		last := rr.Runs[len(rr.Runs)-1]
		rr.Rows, rr.NonEmpty, rr.GridCells = last.Rows, last.NonEmpty, last.Rows*last.MaxCols
		if rr.Seconds > 0 {
			rr.CellsPerSec = float64(rr.GridCells) / rr.Seconds
			rr.MBPerSec = float64(info.SheetBytes) / 1e6 / rr.Seconds
		}
		for _, m := range rr.Runs[:len(rr.Runs)-1] {
			if m.Rows != last.Rows || m.NonEmpty != last.NonEmpty || m.TextBytes != last.TextBytes {
				fr.Notes = append(fr.Notes, fmt.Sprintf("%s returned different data in different runs", r))
				break
			}
		}
		fr.Readers = append(fr.Readers, *rr)
	}
	sd, in := res[readerSdetl], res[readerInflate]
	for _, peer := range []string{readerExcelize, readerExcelRaw} {
		ex := res[peer]
		if sd == nil || ex == nil || sd.Seconds == 0 {
			continue
		}
		if peer == readerExcelize {
			fr.VsExcelize = ex.Seconds / sd.Seconds
			fr.CPUVsExcelize = ex.CPUSeconds / sd.CPUSeconds
		} else {
			fr.VsExcelizeRaw = ex.Seconds / sd.Seconds
			fr.CPUVsExcelizeRaw = ex.CPUSeconds / sd.CPUSeconds
		}
		if sd.Rows != ex.Rows || sd.NonEmpty != ex.NonEmpty {
			fr.Notes = append(fr.Notes, fmt.Sprintf("sdetl and %s disagree: rows %d vs %d, non-empty cells %d vs %d", peer, sd.Rows, ex.Rows, sd.NonEmpty, ex.NonEmpty))
		}
	}
	if sd != nil && in != nil && in.Seconds > 0 {
		fr.VsInflate = sd.Seconds / in.Seconds
		fr.CPUVsInflate = sd.CPUSeconds / in.CPUSeconds
		if sst := median(in.Runs, func(m measurement) float64 { return m.SSTSeconds }); sst > 0 {
			fr.VsInflateWithSST = sd.Seconds / (in.Seconds + sst)
		}
		if in.Runs[0].SheetBytes != info.SheetBytes {
			fr.Notes = append(fr.Notes, fmt.Sprintf("inflated %d bytes, the zip directory says %d", in.Runs[0].SheetBytes, info.SheetBytes))
		}
	}
	if sd != nil {
		// The inflate child sees no cells; give it the file's grid for cells/s.
		for i := range fr.Readers {
			if fr.Readers[i].Reader == readerInflate {
				fr.Readers[i].Rows, fr.Readers[i].NonEmpty, fr.Readers[i].GridCells = sd.Rows, sd.NonEmpty, sd.GridCells
				if s := fr.Readers[i].Seconds; s > 0 {
					fr.Readers[i].CellsPerSec = float64(sd.GridCells) / s
				}
			}
		}
	}
	return fr, nil
}

// runChild re-executes this binary to take one measurement; it returns the
// child's result, its peak RSS in MB and its CPU time (user+system) in s.
func runChild(exe, reader, path string) (measurement, float64, float64, error) {
	var m measurement
	var out, errb bytes.Buffer
	cmd := exec.Command(exe, childArg, reader, path)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return m, 0, 0, fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
	}
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		return m, 0, 0, fmt.Errorf("child output: %v", err)
	}
	st := cmd.ProcessState
	rss := 0.0
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		rss = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	return m, rss, (st.UserTime() + st.SystemTime()).Seconds(), nil
}

func describe(path string) (fileInfo, error) {
	fi := fileInfo{Path: path}
	st, err := os.Stat(path)
	if err != nil {
		return fi, err
	}
	fi.FileBytes = st.Size()
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fi, err
	}
	defer zr.Close()
	sheet := sheetPart(&zr.Reader)
	if sheet == nil {
		return fi, fmt.Errorf("no worksheet part")
	}
	fi.SheetBytes = int64(sheet.UncompressedSize64)
	if f := sstPart(&zr.Reader); f != nil {
		fi.SSTBytes = int64(f.UncompressedSize64)
	}
	return fi, nil
}

func median(ms []measurement, f func(measurement) float64) float64 {
	v := make([]float64, len(ms))
	for i, m := range ms {
		v[i] = f(m)
	}
	return medianF(v)
}

func medianF(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func memTotalMB() float64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func writeMarkdown(w io.Writer, rep *report) {
	fmt.Fprintf(w, "Date: %s; %s %s/%s; nproc %d; memory %.0f MB", rep.Date, rep.GoVersion, rep.GOOS, rep.GOARCH, rep.NumCPU, rep.MemTotalMB)
	if rep.CPUModel != "" {
		fmt.Fprintf(w, "; %s", rep.CPUModel)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Load average (1/5/15 min): %s before, %s after. Runs per reader: %d (median time; peak RSS is the largest of the runs).", rep.LoadBefore, rep.LoadAfter, rep.N)
	if len(rep.Env) > 0 {
		fmt.Fprintf(w, " Env: %s.", strings.Join(rep.Env, " "))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| file | sheet XML MB | SST MB | reader | rows | cells non-empty | cells total | s | open s | cpu s | cells/s | MB/s | peak RSS MB |")
	fmt.Fprintln(w, "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, fr := range rep.Files {
		name := shortName(fr.File.Path)
		for _, rr := range fr.Readers {
			open := "-"
			if rr.Reader != readerInflate {
				open = fmt.Sprintf("%.2f", rr.OpenSeconds)
			}
			fmt.Fprintf(w, "| %s | %.0f | %.0f | %s | %s | %s | %s | %.2f | %s | %.2f | %s | %.0f | %.0f |\n",
				name, float64(fr.File.SheetBytes)/1e6, float64(fr.File.SSTBytes)/1e6, rr.Reader,
				count(rr.Rows), count(rr.NonEmpty), count(rr.GridCells), rr.Seconds, open, rr.CPUSeconds,
				rate(rr.CellsPerSec), rr.MBPerSec, rr.PeakRSSMB)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| file | sdetl vs excelize throughput (goal >= %.0fx) | sdetl vs excelize-raw (goal >= %.0fx) | sdetl time / inflate time (goal <= %.1fx) | same, inflate incl. SST | CPU time ratios: excelize/sdetl, excelize-raw/sdetl, sdetl/inflate | sdetl peak RSS MB (goal < %.0f on raw tickets) |\n", goalVsExcelize, goalVsExcelize, goalVsInflate, goalRSSMB)
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for _, fr := range rep.Files {
		rss := 0.0
		for _, rr := range fr.Readers {
			if rr.Reader == readerSdetl {
				rss = rr.PeakRSSMB
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s / %s / %s | %.0f |\n", shortName(fr.File.Path),
			ratio(fr.VsExcelize, fr.VsExcelize >= goalVsExcelize),
			ratio(fr.VsExcelizeRaw, fr.VsExcelizeRaw >= goalVsExcelize),
			ratio(fr.VsInflate, fr.VsInflate <= goalVsInflate),
			plain(fr.VsInflateWithSST),
			plain(fr.CPUVsExcelize), plain(fr.CPUVsExcelizeRaw), plain(fr.CPUVsInflate), rss)
	}
	var notes []string
	for _, fr := range rep.Files {
		for _, n := range fr.Notes {
			notes = append(notes, shortName(fr.File.Path)+": "+n)
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
}

// shortName is the file name with its directory: "bxr/tickets.xlsx".
func shortName(path string) string {
	name := filepath.Base(path)
	if d := filepath.Base(filepath.Dir(path)); d != "." && d != "/" {
		name = d + "/" + name
	}
	return name
}

func plain(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", v)
}

func ratio(v float64, ok bool) string {
	if v == 0 {
		return "-"
	}
	mark := "met"
	if !ok {
		mark = "MISSED"
	}
	return fmt.Sprintf("%.2fx (%s)", v, mark)
}

// count formats n with thousands separators.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func rate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.0fK", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
