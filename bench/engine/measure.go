package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// measurement is one timed operation.
type measurement struct {
	Name    string
	Seconds float64
	Stored  int64   // bytes written to storage (0: nothing stored)
	RSS     int64   // peak RSS of the tool's largest process, bytes (0: not measured)
	CPU     float64 // user+sys seconds of the tool's processes
	Server  float64 // user+sys seconds of the PostgreSQL server's processes
	Other   float64 // CPU seconds of everything else on the machine
	Phases  []phase // Strata's phases
	// Disturbed: other processes used more than disturbedShare of the
	// machine's CPU during the run.
	Disturbed bool
}

const disturbedShare = 0.10

// clockTick is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTick = 100.0

// machineBusy is the CPU seconds all CPUs spent not idle, from /proc/stat.
func machineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	var busy int64
	for i, s := range fields[1:] {
		v, _ := strconv.ParseInt(s, 10, 64)
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return float64(busy) / clockTick
}

// serverCPU is the CPU seconds the PostgreSQL server whose data folder is
// dataDir has used: the postmaster's own and its reaped children's (every
// backend that has exited), plus its live children's.
func serverCPU(dataDir string) float64 {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pm, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0
	}
	ticks := func(pid int, withChildren bool) (ppid int, t int64) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0, 0
		}
		// The command name, in parentheses, may hold spaces: fields count from after it.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		// f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
		ppid, _ = strconv.Atoi(f[1])
		last := 12
		if withChildren {
			last = 14
		}
		for _, v := range f[11 : last+1] {
			n, _ := strconv.ParseInt(v, 10, 64)
			t += n
		}
		return ppid, t
	}
	_, total := ticks(pm, true)
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == pm {
			continue
		}
		if ppid, t := ticks(pid, false); ppid == pm {
			total += t
		}
	}
	return float64(total) / clockTick
}

// quietWait is how long timed waits at most for the machine to be idle.
var quietWait = 2 * time.Minute

// waitQuiet waits, at most max, until the machine has been nearly idle
// (under a fifth of one CPU busy) for a second, so that a measurement does
// not start in the middle of someone else's work.
func waitQuiet(ctx context.Context, max time.Duration) error {
	deadline := time.Now().Add(max)
	for {
		b0, t0 := machineBusy(), time.Now()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
		load := (machineBusy() - b0) / time.Since(t0).Seconds()
		if load < 0.2 || time.Now().After(deadline) {
			return nil
		}
	}
}

// selfCPU is this process's user+sys seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return tv(ru.Utime) + tv(ru.Stime)
}

// timed runs f and measures its wall-clock time and where the machine's
// CPU went. Before it, dirty pages are flushed and the server checkpoints
// (untimed), so that no earlier operation's writes land in this one's time.
// f sets m.CPU when it runs the work in another process; otherwise this
// process's CPU time is the client's.
func timed(ctx context.Context, adminDSN, dataDir, name string, f func(m *measurement) error) (measurement, error) {
	m := measurement{Name: name}
	if err := settle(ctx, adminDSN); err != nil {
		return m, err
	}
	if err := waitQuiet(ctx, quietWait); err != nil {
		return m, err
	}
	busy0, server0, self0 := machineBusy(), serverCPU(dataDir), selfCPU()
	start := time.Now()
	err := f(&m)
	m.Seconds = time.Since(start).Seconds()
	time.Sleep(100 * time.Millisecond) // let the postmaster reap the backends that just ended
	self := selfCPU() - self0
	m.Server = serverCPU(dataDir) - server0
	if m.CPU == 0 {
		m.CPU = self
		self = 0
	}
	m.Other = max(0, machineBusy()-busy0-m.CPU-m.Server-self)
	m.Disturbed = m.Other > disturbedShare*m.Seconds*float64(runtime.NumCPU())
	if err != nil {
		return m, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

func settle(ctx context.Context, adminDSN string) error {
	syscall.Sync()
	c, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, "CHECKPOINT")
	return err
}

// runTool runs a command and records its peak RSS and CPU time into m.
// wait4's rusage covers the process and the descendants it waited for:
// RSS is the largest single process among them, CPU their sum.
func runTool(ctx context.Context, m *measurement, name string, args ...string) (stdout []byte, err error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.RSS = ru.Maxrss * 1024 // KiB on Linux
			m.CPU = tv(ru.Utime) + tv(ru.Stime)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", filepath.Base(name), err, tail(errb.String(), 4000))
	}
	if s := strings.TrimSpace(errb.String()); s != "" {
		fmt.Fprintf(os.Stderr, "%s (stderr): %s\n", filepath.Base(name), tail(s, 2000))
	}
	return out.Bytes(), nil
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// copyToDiscard COPYs every table to io.Discard on n connections, largest
// table first, and returns the COPY text bytes: what the server can hand
// out, with nothing done to the data.
func copyToDiscard(ctx context.Context, dsn string, n int) (int64, error) {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	rows, err := c.Query(ctx, "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY pg_table_size(oid) DESC")
	if err != nil {
		c.Close(ctx)
		return 0, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	c.Close(ctx)
	if err != nil {
		return 0, err
	}
	var total atomic.Int64
	err = onConnections(ctx, dsn, n, names, func(ctx context.Context, c *pgx.Conn, name string) error {
		cw := &countWriter{}
		_, err := c.PgConn().CopyTo(ctx, cw, "COPY "+pgx.Identifier{name}.Sanitize()+" TO STDOUT")
		total.Add(cw.n)
		return err
	})
	return total.Load(), err
}

// countWriter counts and discards.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return io.Discard.Write(p)
}

// diskSize is the bytes of the files under path (a file or a folder).
func diskSize(path string) (int64, error) {
	var n int64
	err := filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			n += fi.Size()
		}
		return nil
	})
	return n, err
}

// rowCounts counts the rows of every table in the public schema of dsn's
// database, and its indexes.
func rowCounts(ctx context.Context, dsn string) (map[string]int64, int, error) {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, 0, err
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")
	if err != nil {
		return nil, 0, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, 0, err
	}
	counts := map[string]int64{}
	for _, name := range names {
		var n int64
		if err := c.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{name}.Sanitize()).Scan(&n); err != nil {
			return nil, 0, err
		}
		counts[name] = n
	}
	var indexes int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'").Scan(&indexes); err != nil {
		return nil, 0, err
	}
	return counts, indexes, nil
}

// sameCounts checks that got has exactly want's tables and row counts.
func sameCounts(want, got map[string]int64) error {
	var diffs []string
	for name, n := range want {
		if got[name] != n {
			diffs = append(diffs, fmt.Sprintf("%s: %d rows, want %d", name, got[name], n))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			diffs = append(diffs, "unexpected table "+name)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		return fmt.Errorf("%s", strings.Join(diffs, "; "))
	}
	return nil
}
