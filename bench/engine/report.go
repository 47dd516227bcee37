package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Operations, in the order they run.
const (
	opCopy          = "COPY every table → /dev/null"
	opStrataBackup  = "Strata full backup"
	opDumpFc        = "pg_dump -Fc"
	opDumpFd        = "pg_dump -Fd -j"
	opStrataRestore = "Strata restore into a new database"
	opPgRestore     = "createdb + pg_restore -j (from -Fd)"
)

// Targets from the issue.
const (
	targetVsDumpFc    = 2.0
	targetVsDumpFd    = 1.3
	targetVsPgRestore = 1.2
	targetRSS         = 200e6
)

// report gathers the run's results.
type report struct {
	env       env
	dataset   *datasetInfo
	parallel  int
	runs      int
	copyBytes int64         // COPY text of all tables
	ms        []measurement // every run of every operation, in order
	verified  string
}

// env is the machine and server the run measured.
type env struct {
	CPUs     int
	CPUModel string
	MemBytes int64
	Server   string
	Go       string
}

func (r *report) add(m measurement) { r.ms = append(r.ms, m) }

// result is an operation's fastest undisturbed run (the fastest run when
// all were disturbed), all its runs, and the highest peak RSS of its runs.
// The fastest run is the least disturbed by whatever else the machine was
// doing: nothing makes a run faster than the work it has to do.
func (r *report) result(name string) (best measurement, runs []measurement, peakRSS int64) {
	for _, m := range r.ms {
		if m.Name != name {
			continue
		}
		better := (m.Disturbed == best.Disturbed && m.Seconds < best.Seconds) || (best.Disturbed && !m.Disturbed)
		if runs == nil || better {
			best = m
		}
		runs = append(runs, m)
		peakRSS = max(peakRSS, m.RSS)
	}
	return best, runs, peakRSS
}

// operations lists the operation names in the order they ran.
func (r *report) operations() []string {
	var names []string
	for _, m := range r.ms {
		if !slices.Contains(names, m.Name) {
			names = append(names, m.Name)
		}
	}
	return names
}

// label names an operation with its parallelism.
func (r *report) label(name string) string {
	switch name {
	case opCopy:
		return fmt.Sprintf("%s (%d connections, tables in parallel)", name, r.parallel)
	case opStrataBackup, opStrataRestore:
		return fmt.Sprintf("%s (-parallel %d)", name, r.parallel)
	case opDumpFd:
		return fmt.Sprintf("pg_dump -Fd -j%d", r.parallel)
	case opPgRestore:
		return fmt.Sprintf("createdb + pg_restore -j%d (from -Fd)", r.parallel)
	}
	return name
}

// compare says how much faster (or slower) a ran than b.
func compare(a, b measurement, bName string) string {
	if s := speedup(a, b); s < 1 {
		return fmt.Sprintf("**%s slower** than %s", times(1/s), bName)
	}
	return fmt.Sprintf("**%s** faster than %s", times(speedup(a, b)), bName)
}

// times shows a ratio truncated, not rounded, to two decimals, so that a
// ratio just under a target never shows as the target.
func times(x float64) string { return fmt.Sprintf("%.2fx", math.Floor(x*100)/100) }

// speedup is how many times faster a ran than b.
func speedup(a, b measurement) float64 {
	if a.Seconds == 0 {
		return 0
	}
	return b.Seconds / a.Seconds
}

func (r *report) markdown(now time.Time) string {
	var b strings.Builder
	ds := r.dataset
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("Run of %s on %d × %s, %.1f GB RAM; %s; %s; -parallel %d; the fastest undisturbed run of each operation in %d round(s).\n\n",
		now.Format("2006-01-02 15:04 MST"), r.env.CPUs, r.env.CPUModel, float64(r.env.MemBytes)/1e9, r.env.Server, r.env.Go, r.parallel, r.runs)
	var rows int64
	for _, n := range ds.Rows {
		rows += n
	}
	gen := "generated in " + ds.Generated.Round(time.Second).String()
	if ds.Reused {
		gen = "reused from an earlier run"
	}
	p("Dataset: %d tables, %s rows; **%.0f MB of table data** (pg_total_relation_size: %.0f MB of heap and TOAST, the rest indexes), %.0f MB of COPY text; %s.\n\n",
		len(ds.Rows), thousands(rows), mb(ds.TotalBytes), mb(ds.HeapBytes), mb(r.copyBytes), gen)

	dumpFc, _, _ := r.result(opDumpFc)
	dumpFd, _, _ := r.result(opDumpFd)
	pgRestore, _, _ := r.result(opPgRestore)
	backup, _, backupRSS := r.result(opStrataBackup)
	restore, _, restoreRSS := r.result(opStrataRestore)
	p("| operation | seconds (fastest) | every run, s (* disturbed) | MB/s of table data | stored (COPY text ÷ stored) | Strata vs comparison | CPU s: client / server / other | peak RSS |\n")
	p("|---|---:|---|---:|---:|---|---:|---:|\n")
	for _, name := range r.operations() {
		m, runs, peakRSS := r.result(name)
		vs := ""
		switch name {
		case opCopy:
			vs = fmt.Sprintf("limit: the backup runs at %.0f%% of this rate", 100*m.Seconds/backup.Seconds)
		case opStrataBackup:
			vs = compare(m, dumpFc, "pg_dump -Fc") + ", " + compare(m, dumpFd, fmt.Sprintf("pg_dump -Fd -j%d", r.parallel))
		case opStrataRestore:
			vs = compare(m, pgRestore, fmt.Sprintf("pg_restore -j%d", r.parallel))
		}
		all := make([]string, len(runs))
		for i, run := range runs {
			all[i] = fmt.Sprintf("%.1f", run.Seconds)
			if run.Disturbed {
				all[i] += "*"
			}
		}
		seconds := fmt.Sprintf("%.1f", m.Seconds)
		if m.Disturbed {
			seconds += "*"
		}
		stored, rss := "–", "–"
		if m.Stored > 0 {
			stored = fmt.Sprintf("%.0f MB (%.2fx)", mb(m.Stored), float64(r.copyBytes)/float64(m.Stored))
		}
		if peakRSS > 0 {
			rss = fmt.Sprintf("%.0f MB", mb(peakRSS))
		}
		p("| %s | %s | %s | %.0f | %s | %s | %.1f / %.1f / %.1f | %s |\n",
			r.label(name), seconds, strings.Join(all, ", "), mb(ds.TotalBytes)/m.Seconds, stored, vs, m.CPU, m.Server, m.Other, rss)
	}
	p("\n| target | measured | result |\n|---|---:|---|\n")
	target := func(what string, measured string, ok bool) {
		res := "MISS"
		if ok {
			res = "PASS"
		}
		p("| %s | %s | **%s** |\n", what, measured, res)
	}
	s := speedup(backup, dumpFc)
	target(fmt.Sprintf("backup ≥ %.1fx faster than pg_dump -Fc", targetVsDumpFc), times(s), s >= targetVsDumpFc)
	s = speedup(backup, dumpFd)
	target(fmt.Sprintf("backup ≥ %.1fx faster than pg_dump -Fd -j%d", targetVsDumpFd, r.parallel), times(s), s >= targetVsDumpFd)
	s = speedup(restore, pgRestore)
	target(fmt.Sprintf("restore ≥ %.1fx faster than pg_restore -j%d", targetVsPgRestore, r.parallel), times(s), s >= targetVsPgRestore)
	target("Strata backup peak RSS < 200 MB", fmt.Sprintf("%.0f MB", mb(backupRSS)), backupRSS > 0 && float64(backupRSS) < targetRSS)
	target("Strata restore peak RSS < 200 MB", fmt.Sprintf("%.0f MB", mb(restoreRSS)), restoreRSS > 0 && float64(restoreRSS) < targetRSS)
	for _, name := range []string{opStrataBackup, opStrataRestore} {
		m, _, _ := r.result(name)
		var parts []string
		for _, ph := range m.Phases {
			parts = append(parts, fmt.Sprintf("%s %.1f s", ph.Name, ph.Seconds))
		}
		p("\n%s, phases of that run: %s.", name, strings.Join(parts, ", "))
	}
	p("\n")
	p("\nMB = 10⁶ bytes. CPU s: user+system seconds of the tool's processes (client), of the PostgreSQL server's, and of everything else on the machine (other: kernel writeback and other users' processes); the machine has %d CPUs × the seconds. A run is *disturbed* when other exceeds %.0f%% of that; a round runs a disturbed operation again, up to %d times. Peak RSS: the largest single process of the tool, highest of the rounds. Checked: %s.\n", r.env.CPUs, 100*disturbedShare, attempts, r.verified)
	return b.String()
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// environment describes the machine and the server.
func environment(ctx context.Context, adminDSN string) (env, error) {
	e := env{CPUs: runtime.NumCPU(), CPUModel: "unknown CPU", Go: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				e.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var kb int64
			if _, err := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kb); err == nil {
				e.MemBytes = kb * 1024
				break
			}
		}
		f.Close()
	}
	c, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return e, err
	}
	defer c.Close(ctx)
	var version string
	if err := c.QueryRow(ctx, "SHOW server_version").Scan(&version); err != nil {
		return e, err
	}
	e.Server = "PostgreSQL " + strings.Fields(version)[0]
	return e, nil
}

func parseChildResult(out []byte) (childResult, error) {
	var res childResult
	if err := json.Unmarshal(out, &res); err != nil {
		return res, fmt.Errorf("the Strata child's answer %q: %w", tail(string(out), 500), err)
	}
	return res, nil
}

// Markers around the results section of docs/performance.md.
const (
	docBegin = "<!-- engine-bench results: begin (written by go run ./bench/engine) -->"
	docEnd   = "<!-- engine-bench results: end -->"
)

// updateDoc replaces the text between the markers in path with md.
func updateDoc(path, md string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, docBegin), strings.Index(s, docEnd)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no results section (the lines %q and %q)", path, docBegin, docEnd)
	}
	s = s[:i+len(docBegin)] + "\n" + md + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
