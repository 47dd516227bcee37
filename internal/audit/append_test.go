package audit_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/testutil/statestore"
)

// Two *sql.DB handles on one file stand in for two console processes: they
// share nothing but SQLite's locks.
func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	dir := t.TempDir()
	logs := []*audit.Log{newLogOn(statestore.Open(t, dir)), newLogOn(statestore.Open(t, dir))}
	const goroutines, perGoroutine = 8, 25

	var wg sync.WaitGroup
	errs := make(chan error, len(logs)*goroutines)
	for _, l := range logs {
		for g := range goroutines {
			wg.Go(func() {
				for i := range perGoroutine {
					e := sample(g*perGoroutine + i)
					var err error
					if i%5 == 4 { // mix in batched appends
						err = appendBatch(l, e, e)
					} else {
						_, err = l.Append(context.Background(), e)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	const want = 2 * goroutines * perGoroutine * 6 / 5
	res, err := logs[0].Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Checked != want {
		t.Fatalf("Verify = %+v, want OK with %d entries", res, want)
	}
}

func appendBatch(l *audit.Log, entries ...audit.Entry) error {
	_, err := l.AppendBatch(context.Background(), entries...)
	return err
}

// TestAppendBatchIsAtomic: a batch is chained, and a batch that fails on
// one entry records none of them.
func TestAppendBatchIsAtomic(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	first := mustAppend(t, l, sample(0))

	bad := sample(2)
	bad.Outcome = "maybe"
	if _, err := l.AppendBatch(ctx, sample(1), bad); err == nil {
		t.Fatal("a batch with a bad entry was appended")
	}
	next := mustAppend(t, l, sample(3))
	if next.ID != 2 || next.PrevHash != first.Hash {
		t.Fatalf("after a failed batch got %+v, want id 2 chained to entry 1", next)
	}

	stored, err := l.AppendBatch(ctx, sample(4), sample(5))
	if err != nil {
		t.Fatal(err)
	}
	if stored[0].PrevHash != next.Hash || stored[1].PrevHash != stored[0].Hash || stored[1].ID != 4 {
		t.Fatalf("batch not chained: %+v", stored)
	}
	if res, err := l.Verify(ctx); err != nil || !res.OK || res.Checked != 4 {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
}

// TestHugeFieldsAreBounded (issue 11): a megabyte-long user name on a failed
// login, or a refused path, is stored cut, with a marker saying how much
// was left out, so requests nobody logged in for cannot grow the log by
// their own size; the chain still verifies.
func TestHugeFieldsAreBounded(t *testing.T) {
	l, db := newLog(t)
	ctx := context.Background()
	huge := strings.Repeat("ü", 750_000) // 1.5 MB
	e, err := l.Append(ctx, audit.Entry{Actor: huge, Source: audit.SourceUI, Action: "LOGIN_FAILED", TargetType: "user", TargetID: huge,
		Outcome: audit.OutcomeDenied, Message: huge, Params: map[string]any{"path": huge, "list": []any{huge}}})
	if err != nil {
		t.Fatal(err)
	}
	var size int
	if err := db.QueryRowContext(ctx, `SELECT length(CAST(actor AS BLOB)) + length(CAST(target_id AS BLOB)) + length(CAST(message AS BLOB)) + length(CAST(params AS BLOB)) FROM audit_log WHERE id = ?`, e.ID).Scan(&size); err != nil {
		t.Fatal(err)
	}
	if size > 10_000 {
		t.Errorf("an entry of 1.5 MB fields stored %d bytes", size)
	}
	if !strings.HasSuffix(e.Actor, "…[1499488 more bytes]") || !utf8.ValidString(e.Actor) || !strings.Contains(e.Params["path"].(string), "more bytes]") {
		t.Errorf("stored actor ends %q; path param %q", e.Actor[len(e.Actor)-30:], e.Params["path"])
	}
	if res, err := l.Verify(ctx); err != nil || !res.OK {
		t.Errorf("verify: %+v, %v", res, err)
	}
}
