package main

// The Strata side of the benchmark runs in a child process (this program
// again, with childArg first), so that its peak RSS and CPU time, as the
// parent reads them from wait4, belong to the engine's work alone.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/engine"
	"github.com/stratabackup/strata/internal/storage"
)

// childArg, as the first argument, selects the child mode. It is not a
// flag, so it does not appear in -help.
const childArg = "__strata-child"

// childResult is what a child prints on stdout, as JSON.
type childResult struct {
	Path    string  `json:"path,omitempty"`    // backup: the layer's path
	Changes int64   `json:"changes,omitempty"` // incremental: row changes captured
	Phases  []phase `json:"phases"`            // the engine's phases, in order, with their durations
}

// phase is one phase the engine reported through Tracker.Progress.
type phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// childMain runs one Strata operation: "backup" or "restore".
func childMain(args []string) error {
	began := time.Now()
	if len(args) == 0 {
		return fmt.Errorf("%s: backup or restore?", childArg)
	}
	op := args[0]
	fs := flag.NewFlagSet(childArg+" "+op, flag.ContinueOnError)
	port := fs.Int("port", 0, "PostgreSQL port on 127.0.0.1")
	db := fs.String("db", "", "database to back up (backup) or in the backup (restore)")
	newDB := fs.String("newdb", "", "restore: the new database")
	backup := fs.String("backup", "LATEST", "restore: the layer path")
	asOf := fs.String("asof", "", "restore: AS OF this RFC 3339 time")
	coll := fs.String("collection", "", "collection folder")
	parallel := fs.Int("parallel", 2, "COPY streams")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	loc, err := storage.Parse("file://" + *coll)
	if err != nil {
		return err
	}
	st, err := storage.Open(ctx, loc, storage.Credentials{})
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := collection.Open(ctx, st)
	if err != nil {
		return err
	}
	dsn := func(database string) string {
		u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: fmt.Sprintf("127.0.0.1:%d", *port), Path: "/" + database, RawQuery: "sslmode=disable"}
		return u.String()
	}
	e := engine.New(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))

	var res childResult
	t := &phaseTracker{phases: []phase{{Name: "start"}}, began: began}
	switch op {
	case "backup", "incremental":
		m, err := e.Backup(ctx, engine.BackupParams{
			JobID: "bench-" + op, DSN: dsn(*db), Database: *db, Cluster: "bench", CreatedBy: "bench",
			Parallel: *parallel, Incremental: op == "incremental", RevisionHistory: op == "incremental",
		}, c, t)
		if err != nil {
			return err
		}
		if op == "incremental" && m.Kind != collection.KindIncremental {
			return fmt.Errorf("the incremental became a full backup: %s", m.FullReason)
		}
		res.Path, res.Changes = m.Path, m.Changes
	case "restore":
		var at time.Time
		if *asOf != "" {
			if at, err = time.Parse(time.RFC3339Nano, *asOf); err != nil {
				return err
			}
		}
		_, err := e.Restore(ctx, engine.RestoreParams{
			JobID: "bench-restore", TargetDSN: dsn, Backup: *backup, Database: *db, NewDBName: *newDB,
			Parallel: *parallel, AsOf: at,
		}, c, t)
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s: unknown operation %q", childArg, op)
	}
	res.Phases = t.finish()
	return json.NewEncoder(os.Stdout).Encode(res)
}

// phaseTracker is the engine.Tracker of a job nobody pauses: it only
// notes when each phase begins.
type phaseTracker struct {
	mu     sync.Mutex
	phases []phase
	began  time.Time // of the current (last) phase
}

func (t *phaseTracker) Progress(name string, _, _, _, _ int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := len(t.phases); n > 0 && t.phases[n-1].Name == name {
		return
	}
	t.end(time.Now())
	t.phases = append(t.phases, phase{Name: name})
}

func (t *phaseTracker) end(now time.Time) {
	if n := len(t.phases); n > 0 {
		t.phases[n-1].Seconds = now.Sub(t.began).Seconds()
	}
	t.began = now
}

func (t *phaseTracker) finish() []phase {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.end(time.Now())
	return t.phases
}

func (*phaseTracker) Checkpoint(any) error           { return nil }
func (*phaseTracker) Boundary(context.Context) error { return nil }
func (*phaseTracker) Reverting()                     {}
