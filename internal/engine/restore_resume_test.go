package engine

// Pause and resume, crashes, lost connections, cancel and corrupt files.

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// pauseWhen answers Boundary with a pause the first time cond holds.
func pauseWhen(cond func(cp restoreCheckpoint) bool) func(int, restoreCheckpoint) error {
	done := false
	return func(_ int, cp restoreCheckpoint) error {
		if !done && cond(cp) {
			done = true
			return cluster.ErrPauseRequested
		}
		return nil
	}
}

// TestRestorePauseResume pauses a restore after its schema, in the middle
// of its data and after its data, resuming each time from the checkpoint;
// LATEST changes meanwhile, and some post-data exists before the last
// resume (as after an interrupted pg_restore).
func TestRestorePauseResume(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", "", 64<<10)
	ctx := context.Background()
	e := New(nil)
	stops := []func(restoreCheckpoint) bool{
		func(cp restoreCheckpoint) bool { return cp.Phase == phaseData },
		func(cp restoreCheckpoint) bool { return cp.Phase == phaseData && cp.FilesDone >= 5 },
		func(cp restoreCheckpoint) bool { return cp.Phase == phasePostData },
	}
	var resume json.RawMessage
	var progressRows int
	var again *collection.Manifest
	for i, stop := range stops {
		tr := &restoreTracker{onBoundary: pauseWhen(stop)}
		p := restoreParams(s, m, "pause", "paused")
		p.Backup, p.Resume = "LATEST", resume
		_, err := e.Restore(ctx, p, c, tr)
		if !errors.Is(err, cluster.ErrPauseRequested) {
			t.Fatalf("run %d: %v, want a pause", i+1, err)
		}
		resume = tr.last()
		if i == 0 {
			// A newer backup while paused: the resume goes on with the
			// backup it started, not with what LATEST now means.
			s.Exec(t, "fixture", `INSERT INTO app."Orders" VALUES (2, 'later')`)
			again = backupFixtureAgain(t, s, c, "fixture")
			s.Exec(t, "fixture", `DELETE FROM app."Orders" WHERE id = 2`)
		}
		if i == 1 {
			s.Connect(t, "paused").QueryRow(ctx, "SELECT count(*) FROM "+progressSchema+".progress").Scan(&progressRows)
			if progressRows < 5 {
				t.Errorf("%d files recorded as loaded after a pause at 5", progressRows)
			}
		}
	}
	// As if an interrupted post-data had built some of it already.
	s.Exec(t, "paused", `ALTER TABLE app.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
CREATE INDEX orders_customer ON app.orders (customer_id)`)
	p := restoreParams(s, m, "pause", "paused")
	p.Backup, p.Resume = "LATEST", resume
	if _, err := e.Restore(ctx, p, c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	// The newer backup's publication is the source's, as the first one's is.
	s.Exec(t, "fixture", "SELECT pg_drop_replication_slot("+quoteLiteral(again.Slot)+"); DROP PUBLICATION "+quoteIdent(again.Publication))
	compareDatabases(t, s, "fixture", s, "paused", m.Publication)
}

// TestRestoreCrashResume crashes a restore right after a data file's
// transaction committed, before its checkpoint: the resume must not load
// that file again.
func TestRestoreCrashResume(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", "", 64<<10)
	ctx := context.Background()
	e := New(nil)

	var mu sync.Mutex
	calls := 0
	afterChunkCommit = func(string) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 4 {
			return errSimulatedCrash
		}
		return nil
	}
	defer func() { afterChunkCommit = nil }()
	tr := &restoreTracker{}
	_, err := e.Restore(ctx, restoreParams(s, m, "crash", "crashed"), c, tr)
	if !errors.Is(err, errSimulatedCrash) {
		t.Fatalf("restore: %v, want the simulated crash", err)
	}
	afterChunkCommit = nil
	var cp restoreCheckpoint
	json.Unmarshal(tr.last(), &cp)
	var loaded int
	s.Connect(t, "crashed").QueryRow(ctx, "SELECT count(*) FROM "+progressSchema+".progress").Scan(&loaded)
	if loaded <= cp.FilesDone {
		t.Errorf("the crash left %d files loaded and %d checkpointed: the test does not test the gap", loaded, cp.FilesDone)
	}

	p := restoreParams(s, m, "crash", "crashed")
	p.Resume = tr.last()
	if _, err := e.Restore(ctx, p, c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	compareDatabases(t, s, "fixture", s, "crashed", m.Publication)

	// A crash before the first checkpoint: the database carries the job's
	// mark, so the job (resumed without a checkpoint) starts it again.
	afterChunkCommit = func(string) error { return errSimulatedCrash }
	_, err = e.Restore(ctx, restoreParams(s, m, "crash2", "crashed2"), c, &restoreTracker{})
	if !errors.Is(err, errSimulatedCrash) {
		t.Fatalf("restore: %v, want the simulated crash", err)
	}
	afterChunkCommit = nil
	if _, err := e.Restore(ctx, restoreParams(s, m, "other-job", "crashed2"), c, &restoreTracker{}); err == nil {
		t.Error("another job restored over the crashed job's database")
	}
	if _, err := e.Restore(ctx, restoreParams(s, m, "crash2", "crashed2"), c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	compareDatabases(t, s, "fixture", s, "crashed2", m.Publication)
}

// TestRestoreLostConnection ends the restore's sessions in the middle of
// its data: it reconnects and finishes without loading a file twice.
func TestRestoreLostConnection(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", "", 64<<10)
	ctx := context.Background()
	var once sync.Once
	afterChunkCommit = func(string) error {
		once.Do(func() {
			s.Exec(t, "postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'lost' AND application_name = 'strata restore'")
		})
		return nil
	}
	defer func() { afterChunkCommit = nil }()
	if _, err := New(nil).Restore(ctx, restoreParams(s, m, "lost", "lost"), c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	compareDatabases(t, s, "fixture", s, "lost", m.Publication)
}

func databaseNames(t *testing.T, s *pgtest.Server) []string {
	t.Helper()
	rows, err := s.Connect(t, "postgres").Query(context.Background(), "SELECT datname FROM pg_database ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

// TestRestoreCancel cancels restores in the middle of their data: what they
// created is removed, what was there stays.
func TestRestoreCancel(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", "", 64<<10)
	ctx := context.Background()
	e := New(nil)
	cancelAt := func(files int) func(int, restoreCheckpoint) error {
		return func(_ int, cp restoreCheckpoint) error {
			if cp.Phase == phaseData && cp.FilesDone >= files {
				return cluster.ErrCancelRequested
			}
			return nil
		}
	}

	t.Run("new database", func(t *testing.T) {
		before := databaseNames(t, s)
		tr := &restoreTracker{onBoundary: cancelAt(3)}
		_, err := e.Restore(ctx, restoreParams(s, m, "c1", "canceled"), c, tr)
		if !errors.Is(err, cluster.ErrCancelRequested) || !tr.reverting {
			t.Fatalf("restore: %v (reverting %v), want a cancel", err, tr.reverting)
		}
		if after := databaseNames(t, s); !slices.Equal(before, after) {
			t.Errorf("databases after the cancel: %v, before: %v", after, before)
		}
	})

	t.Run("canceled while paused", func(t *testing.T) {
		before := databaseNames(t, s)
		tr := &restoreTracker{onBoundary: pauseWhen(func(cp restoreCheckpoint) bool { return cp.FilesDone >= 2 })}
		if _, err := e.Restore(ctx, restoreParams(s, m, "c2", "canceled2"), c, tr); !errors.Is(err, cluster.ErrPauseRequested) {
			t.Fatalf("restore: %v, want a pause", err)
		}
		p := restoreParams(s, m, "c2", "canceled2")
		p.Resume = tr.last()
		tr2 := &restoreTracker{onBoundary: func(int, restoreCheckpoint) error { return cluster.ErrCancelRequested }}
		if _, err := e.Restore(ctx, p, c, tr2); !errors.Is(err, cluster.ErrCancelRequested) {
			t.Fatalf("resume: %v, want a cancel", err)
		}
		if after := databaseNames(t, s); !slices.Equal(before, after) {
			t.Errorf("databases after the cancel: %v, before: %v", after, before)
		}
	})

	t.Run("into_db", func(t *testing.T) {
		s.CreateDatabase(t, "keep")
		s.Exec(t, "keep", "CREATE EXTENSION citext; CREATE TABLE public.mine (id int PRIMARY KEY); INSERT INTO public.mine VALUES (1), (2)")
		before := relations(t, s, "keep")
		tr := &restoreTracker{onBoundary: cancelAt(2)}
		_, err := e.Restore(ctx, tableRestore(s, m, "c3", "keep", "app.orders", "app.customers", "app.kitchen_sink"), c, tr)
		if !errors.Is(err, cluster.ErrCancelRequested) {
			t.Fatalf("restore: %v, want a cancel", err)
		}
		if after := relations(t, s, "keep"); !slices.Equal(before, after) {
			t.Errorf("relations after the cancel: %v, before: %v", after, before)
		}
		var types, schemas int
		var exts string
		s.Connect(t, "keep").QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'app'),
  (SELECT count(*) FROM pg_namespace WHERE nspname IN ('app', '`+progressSchema+`')),
  (SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension)`).Scan(&types, &schemas, &exts)
		// hstore was created by the restore; citext was there before.
		if types != 0 || schemas != 0 || exts != "citext,plpgsql" {
			t.Errorf("after the cancel: %d types in schema app, %d of the schemas app and %s, extensions %s", types, schemas, progressSchema, exts)
		}
		compareTableContents(t, tableContents(t, s.DSN("keep")), map[string][]string{"public.mine": {"1", "2"}})
	})
}

// TestRestoreCorruptFile flips a byte of a stored data file: the restore
// fails naming the file, and removes the database it created.
func TestRestoreCorruptFile(t *testing.T) {
	s := pgtest.Start(t)
	c, m := backupFixture(t, s, "fixture", "", 0)
	var f collection.FileInfo
	for _, tb := range m.Tables {
		if tb.QualifiedName() == "app.customers" {
			f = tb.Files[0]
		}
	}
	path := filepath.Join(c.Store().Location().Path, m.Path, f.Name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	os.Chmod(path, 0o600)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	before := databaseNames(t, s)
	_, err = New(nil).Restore(context.Background(), restoreParams(s, m, "bad", "corrupt"), c, &restoreTracker{})
	userErr(t, err, f.Name)
	if after := databaseNames(t, s); !slices.Equal(before, after) {
		t.Errorf("databases after the failed restore: %v, before: %v", after, before)
	}
	t.Log(err)
}
