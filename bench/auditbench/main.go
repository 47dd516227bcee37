package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/stratabackup/strata/bench/internal/httpbench"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/store/sqlite"
)

func main() {
	n := flag.Int("n", 100000, "entries to append")
	runs := flag.Int("runs", 200, "timed runs per query")
	batch := flag.Int("batch", 1000, "entries per append transaction while filling")
	keep := flag.Bool("keep", false, "keep the store file and print its path")
	flag.Parse()
	if err := run(*n, *runs, *batch, *keep); err != nil {
		log.Fatal(err)
	}
}

func run(n, runs, batch int, keep bool) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "auditbench-")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, sqlite.FileName)
	if keep {
		fmt.Println("store:", path)
	} else {
		defer os.RemoveAll(dir)
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()

	const span = 90 * 24 * time.Hour
	clock, start := spreadClock(n, span)
	key, err := audit.LoadOrCreateKey(dir)
	if err != nil {
		return err
	}
	l := audit.New(sqlite.NewAudit(db), key, audit.WithClock(clock))
	began := time.Now()
	if err := fill(ctx, l, n, batch); err != nil {
		return err
	}
	fillTime := time.Since(began)
	size := httpbench.StoreSize(path)
	fmt.Printf("filled %d entries in %s (%.0f entries/s), store %.0f MiB\n\n",
		n, fillTime.Round(time.Millisecond), float64(n)/fillTime.Seconds(), float64(size)/(1<<20))

	b := &httpbench.Bench{Runs: runs}
	page := func(f audit.Filter) httpbench.Op {
		return httpbench.Err(func() error {
			entries, _, err := l.List(ctx, f, 0, audit.DefaultLimit)
			if err == nil && len(entries) == 0 && n > 0 {
				err = errors.New("empty page")
			}
			return err
		})
	}
	day := audit.Filter{From: start.Add(span / 2), To: start.Add(span/2 + 24*time.Hour)}
	b.Measure("first page (50, no filter)", page(audit.Filter{}))
	b.Measure("page 100 (keyset cursor)", httpbench.Err(func() error {
		_, _, err := l.List(ctx, audit.Filter{}, int64(n-100*audit.DefaultLimit), audit.DefaultLimit)
		return err
	}))
	b.Measure("filter actor=bob", page(audit.Filter{Actor: "bob"}))
	b.Measure("filter actor=walter (rare)", page(audit.Filter{Actor: "walter"}))
	b.Measure("filter action=USER_CREATED", page(audit.Filter{Action: "USER_CREATED"}))
	b.Measure("filter outcome=denied", page(audit.Filter{Outcome: audit.OutcomeDenied}))
	b.Measure("filter target=repository-3", page(audit.Filter{Target: "repository-3"}))
	b.Measure("filter target=user:user-4", page(audit.Filter{Target: "user:user-4"}))
	b.Measure("filter time range (one day)", page(day))
	b.Measure("filter actor=bob + outcome=denied", page(audit.Filter{Actor: "bob", Outcome: audit.OutcomeDenied}))
	b.Measure("filter action + time range", page(audit.Filter{Action: "LOGIN_FAILED", From: day.From, To: day.To}))
	b.Measure("get by id", httpbench.Err(func() error { _, err := l.Get(ctx, int64(n/2)); return err }))
	b.Measure("actions (distinct)", httpbench.Err(func() error { _, err := l.Actions(ctx); return err }))
	b.Measure("actors (distinct)", httpbench.Err(func() error { _, err := l.Actors(ctx); return err }))
	b.MeasureN("export outcome=denied (jsonl)", 5, httpbench.Err(func() error {
		return l.Export(ctx, audit.Filter{Outcome: audit.OutcomeDenied}, io.Discard, audit.FormatJSONL)
	}))
	b.MeasureN("verify whole chain", 3, httpbench.Err(func() error {
		res, err := l.Verify(ctx)
		if err == nil && (!res.OK || res.Checked != int64(n)) {
			err = fmt.Errorf("verify: %+v", res)
		}
		return err
	}))
	if err := measureHTTP(ctx, b, db, dir, l, day); err != nil {
		return err
	}
	b.Print(os.Stdout)
	return nil
}
