package audit_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/store/sqlite"
	"github.com/stratabackup/strata/internal/testutil/statestore"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// testKey and otherKey are audit keys for tests.
var testKey, otherKey = mustKey(1), mustKey(2)

func mustKey(b byte) audit.Key {
	k, err := audit.NewKey(bytes.Repeat([]byte{b}, audit.KeySize))
	if err != nil {
		panic(err)
	}
	return k
}

// stepClock returns a clock that starts at t0 and advances one second per call.
func stepClock() func() time.Time {
	var mu sync.Mutex
	next := t0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := next
		next = next.Add(time.Second)
		return t
	}
}

// newLog returns a log on a fresh store and its db.
func newLog(t *testing.T) (*audit.Log, *sql.DB) {
	t.Helper()
	db := statestore.Open(t, t.TempDir())
	return newLogOn(db, audit.WithClock(stepClock())), db
}

// logDBs holds the db of each log newLogOn made, for dbOf.
var logDBs sync.Map

// newLogOn returns a log keyed with testKey over the state store db.
func newLogOn(db *sql.DB, opts ...audit.Option) *audit.Log {
	l := audit.New(sqlite.NewAudit(db), testKey, opts...)
	logDBs.Store(l, db)
	return l
}

// dbOf returns the state store of l, to change it behind the log's back.
func dbOf(l *audit.Log) *sql.DB {
	db, _ := logDBs.Load(l)
	return db.(*sql.DB)
}

func mustAppend(t *testing.T, l *audit.Log, e audit.Entry) audit.Entry {
	t.Helper()
	stored, err := l.Append(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

// sample returns the i-th entry of a deterministic mix used by several tests.
func sample(i int) audit.Entry {
	actors := []string{"alice", "bob", "carol", ""}
	actions := []string{"USER_CREATED", "LOGIN", "LOGIN_FAILED", "ACCESS_DENIED", "JOB_STARTED"}
	targets := [][2]string{{"user", "alice"}, {"user", "bob"}, {"repository", "offsite"}, {"job", "nightly"}, {"", ""}}
	outcomes := []string{audit.OutcomeOK, audit.OutcomeOK, audit.OutcomeOK, audit.OutcomeDenied, audit.OutcomeError}
	sources := []string{audit.SourceUI, audit.SourceAPI, audit.SourceCLI}
	tg := targets[i%len(targets)]
	return audit.Entry{
		Actor:      actors[i%len(actors)],
		Role:       "admin",
		Source:     sources[i%len(sources)],
		Action:     actions[(i/2)%len(actions)],
		TargetType: tg[0],
		TargetID:   tg[1],
		Params:     map[string]any{"n": i},
		Outcome:    outcomes[(i/3)%len(outcomes)],
		ClientAddr: "192.0.2.1",
		RequestID:  fmt.Sprintf("req-%d", i),
	}
}

// fill appends n sample entries in one transaction.
func fill(t *testing.T, l *audit.Log, n int) []audit.Entry {
	t.Helper()
	ctx := context.Background()
	entries := make([]audit.Entry, n)
	for i := range entries {
		entries[i] = sample(i)
	}
	stored, err := l.AppendBatch(ctx, entries...)
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

// listAll pages through List with the given page size.
func listAll(t *testing.T, l *audit.Log, f audit.Filter, limit int) []audit.Entry {
	t.Helper()
	var all []audit.Entry
	var before int64
	for range 10000 {
		page, next, err := l.List(context.Background(), f, before, limit)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == 0 {
			return all
		}
		before = next
	}
	t.Fatal("List never ended")
	return nil
}

func ids(entries []audit.Entry) []int64 {
	out := make([]int64, len(entries))
	for i, e := range entries {
		out[i] = e.ID
	}
	return out
}
