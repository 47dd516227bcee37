package main

// The incremental part of the benchmark: on the same dataset, a full
// backup, then an incremental (with revision history) after 1% of the rows
// changed and another after 10% more, each against the full backup's time
// and size; the rate the slot's changes are captured at; and the rate a
// point-in-time restore replays them at.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// incResult is what the incremental part measured.
type incResult struct {
	full, inc1, inc2, pit       measurement
	inc1Runs                    []measurement // every 1% layer; inc1 is the fastest undisturbed
	changes1, changes2, replay  int64
	capture1, capture2, replayS float64 // seconds of the capture and replay phases
}

// incRuns is how many 1% layers are taken (each after its own 1% of
// changes); as for the other operations, the fastest undisturbed one is
// reported, and every run is listed.
const incRuns = 3

// changeRows changes one row in every `every` of each table (id % every =
// rest) with UPDATEs, and returns how many rows it changed.
func changeRows(ctx context.Context, dsn string, every, rest int) (int64, error) {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer c.Close(ctx)
	var n int64
	for _, sql := range []string{
		"UPDATE customers SET balance = balance + 1 WHERE id %% %d = %d",
		"UPDATE orders SET status = 'shipped' WHERE id %% %d = %d",
		"UPDATE events SET kind = kind || '+' WHERE id %% %d = %d",
		"UPDATE documents SET version = version + 1 WHERE id %% %d = %d",
	} {
		tag, err := c.Exec(ctx, fmt.Sprintf(sql, every, rest))
		if err != nil {
			return n, err
		}
		n += tag.RowsAffected()
	}
	return n, nil
}

func (b *bench) incremental(ctx context.Context) (*incResult, error) {
	admin, src := b.srv.DSN("postgres"), b.srv.DSN(sourceDB)
	res := &incResult{}
	if err := dropSlots(ctx, src); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(b.coll); err != nil {
		return nil, err
	}
	layer := func(name, op string, m *measurement) (childResult, error) {
		b.logf("%s", name)
		var r childResult
		var err error
		*m, err = timed(ctx, admin, b.srv.Dir, name, func(m *measurement) error {
			if r, err = b.strata(ctx, m, op, "-db", sourceDB); err != nil {
				return err
			}
			m.Stored, err = diskSize(filepath.Join(b.coll, r.Path))
			return err
		})
		b.logf("  %.1f s", m.Seconds)
		return r, err
	}
	if _, err := layer("Strata full backup (base of the chain)", "backup", &res.full); err != nil {
		return nil, err
	}

	for i := range incRuns {
		b.logf("changing 1%% of the rows")
		if _, err := changeRows(ctx, src, 100, i); err != nil {
			return nil, err
		}
		var m measurement
		r1, err := layer("Strata incremental after 1% of rows changed", "incremental", &m)
		if err != nil {
			return nil, err
		}
		res.inc1Runs = append(res.inc1Runs, m)
		res.replay += r1.Changes
		if best := res.inc1; best.Name == "" || best.Disturbed && !m.Disturbed || m.Disturbed == best.Disturbed && m.Seconds < best.Seconds {
			res.inc1, res.changes1, res.capture1 = m, r1.Changes, phaseSeconds(r1.Phases, "changes")
		}
	}

	b.logf("changing 10%% of the rows")
	if _, err := changeRows(ctx, src, 10, 1); err != nil {
		return nil, err
	}
	c, err := pgx.Connect(ctx, src)
	if err != nil {
		return nil, err
	}
	defer c.Close(ctx)
	var asOf time.Time
	if err := c.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&asOf); err != nil {
		return nil, err
	}
	time.Sleep(10 * time.Millisecond)
	if err := execSQL(ctx, src, "UPDATE customers SET balance = balance + 1 WHERE id = 1"); err != nil {
		return nil, err
	}
	r2, err := layer("Strata incremental after 10% more rows changed", "incremental", &res.inc2)
	if err != nil {
		return nil, err
	}
	res.changes2, res.capture2 = r2.Changes, phaseSeconds(r2.Phases, "changes")

	if err := execSQL(ctx, admin, "DROP DATABASE IF EXISTS "+strataDB+" WITH (FORCE)"); err != nil {
		return nil, err
	}
	b.logf("Strata point-in-time restore (just before the last change)")
	res.pit, err = timed(ctx, admin, b.srv.Dir, "pit", func(m *measurement) error {
		_, err := b.strata(ctx, m, "restore", "-db", sourceDB, "-newdb", strataDB, "-asof", asOf.UTC().Format(time.RFC3339Nano))
		return err
	})
	if err != nil {
		return nil, err
	}
	b.logf("  %.1f s", res.pit.Seconds)
	res.replayS = phaseSeconds(res.pit.Phases, "changes")
	res.replay += res.changes2 - 1 // the last change is after the restore's time
	want, _, err := rowCounts(ctx, src)
	if err != nil {
		return nil, err
	}
	got, _, err := rowCounts(ctx, b.srv.DSN(strataDB))
	if err != nil {
		return nil, err
	}
	if err := sameCounts(want, got); err != nil {
		return nil, fmt.Errorf("point-in-time restore: %w", err)
	}
	restored, err := pgx.Connect(ctx, b.srv.DSN(strataDB))
	if err != nil {
		return nil, err
	}
	defer restored.Close(ctx)
	var balance, want1 string
	if err := c.QueryRow(ctx, "SELECT (balance - 1)::text FROM customers WHERE id = 1").Scan(&want1); err != nil {
		return nil, err
	}
	if err := restored.QueryRow(ctx, "SELECT balance::text FROM customers WHERE id = 1").Scan(&balance); err != nil {
		return nil, err
	}
	if balance != want1 {
		return nil, fmt.Errorf("point-in-time restore: customer 1 has balance %s, want %s (the value before the last change)", balance, want1)
	}
	return res, dropSlots(ctx, src)
}

// phaseSeconds is the duration of the named phase.
func phaseSeconds(phases []phase, name string) float64 {
	for _, p := range phases {
		if p.Name == name {
			return p.Seconds
		}
	}
	return 0
}

// markdown reports the incremental part with its targets.
func (r *incResult) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	pct := func(a, b float64) float64 { return 100 * a / b }
	p("\n### Incremental backups and point-in-time restore\n\n")
	cpu := func(m measurement) string { return fmt.Sprintf("%.1f / %.1f / %.1f", m.CPU, m.Server, m.Other) }
	p("| operation | seconds | stored | vs the full backup | row changes | capture or replay rate | CPU s: client / server / other |\n|---|---:|---:|---|---:|---:|---:|\n")
	p("| Strata full backup (base of the chain) | %.1f | %.0f MB | – | – | – | %s |\n", r.full.Seconds, mb(r.full.Stored), cpu(r.full))
	var runs []string
	for _, m := range r.inc1Runs {
		mark := ""
		if m.Disturbed {
			mark = "*"
		}
		runs = append(runs, fmt.Sprintf("%.2f%s", m.Seconds, mark))
	}
	p("| incremental after 1%% of rows changed (revision history; fastest undisturbed of %s s) | %.2f | %.1f MB | %.1f%% of the time, %.1f%% of the size | %s | %s changes/s | %s |\n",
		strings.Join(runs, ", "), r.inc1.Seconds, mb(r.inc1.Stored), pct(r.inc1.Seconds, r.full.Seconds), pct(float64(r.inc1.Stored), float64(r.full.Stored)), thousands(r.changes1), thousands(int64(float64(r.changes1)/r.capture1)), cpu(r.inc1))
	p("| incremental after 10%% more rows changed (revision history) | %.2f | %.1f MB | %.1f%% of the time, %.1f%% of the size | %s | %s changes/s | %s |\n",
		r.inc2.Seconds, mb(r.inc2.Stored), pct(r.inc2.Seconds, r.full.Seconds), pct(float64(r.inc2.Stored), float64(r.full.Stored)), thousands(r.changes2), thousands(int64(float64(r.changes2)/r.capture2)), cpu(r.inc2))
	p("| point-in-time restore (full + all layers, up to just before the last change) | %.1f | – | – | %s replayed | %s changes/s | %s |\n\n",
		r.pit.Seconds, thousands(r.replay), thousands(int64(float64(r.replay)/r.replayS)), cpu(r.pit))
	check := func(name string, ok bool, measured string) {
		res := "**PASS**"
		if !ok {
			res = "**MISS**"
		}
		p("| %s | %s | %s |\n", name, measured, res)
	}
	p("| target | measured | result |\n|---|---:|---|\n")
	check("1% incremental ≤ 5% of the full backup's time", r.inc1.Seconds <= 0.05*r.full.Seconds, fmt.Sprintf("%.1f%%", pct(r.inc1.Seconds, r.full.Seconds)))
	check("1% incremental ≤ 5% of the full backup's size", float64(r.inc1.Stored) <= 0.05*float64(r.full.Stored), fmt.Sprintf("%.1f%%", pct(float64(r.inc1.Stored), float64(r.full.Stored))))
	check("replay ≥ 50,000 changes/s", float64(r.replay)/r.replayS >= 50000, thousands(int64(float64(r.replay)/r.replayS))+"/s")
	p("\nCapture rate: row changes ÷ seconds of the layer's capture phase (reading the slot, collapsing nothing: revision history keeps every change, writing change files). Replay rate: changes ÷ seconds of the restore's replay phase. Phases of the 1%% incremental: %s. Of the point-in-time restore: %s.\n", phaseList(r.inc1.Phases), phaseList(r.pit.Phases))
	return b.String()
}

func phaseList(phases []phase) string {
	var parts []string
	for _, p := range phases {
		parts = append(parts, fmt.Sprintf("%s %.1f s", p.Name, p.Seconds))
	}
	return strings.Join(parts, ", ")
}
