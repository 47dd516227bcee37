package engine

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/pgserver"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// smallChunks makes the fixture's bigger tables span many chunks.
func smallChunks(p BackupParams) BackupParams {
	p.ChunkBytes = 64 << 10
	return p
}

// TestBackupPauseAndResume pauses after a few chunks, changes the database,
// and resumes: the backup has every chunk once and no change made after
// the snapshot, with either snapshot method.
func TestBackupPauseAndResume(t *testing.T) {
	for _, level := range []string{"logical", "replica"} {
		t.Run(level, func(t *testing.T) {
			s := fixtureServer(t, pgtest.WALLevel(level))
			c := newTestCollection(t)
			e := New(nil)
			before := currentContents(t, s.DSN("fixture"))
			p := smallChunks(params(s, "fixture"))

			tr1 := &fakeTracker{pauseAt: 4} // boundary 1 follows the schema dump
			_, err := e.Backup(context.Background(), p, c, tr1)
			if !errors.Is(err, cluster.ErrPauseRequested) {
				t.Fatalf("want pause, got %v", err)
			}
			var cp backupCheckpoint
			if err := json.Unmarshal(tr1.lastCheckpoint(t), &cp); err != nil {
				t.Fatal(err)
			}
			if len(cp.Files) < 4 || len(cp.Chunks) < 10 {
				t.Fatalf("paused with %d files of %d chunks: want several chunks done and many to go", len(cp.Files), len(cp.Chunks))
			}
			if want := map[string]int{"logical": 1, "replica": 0}[level]; len(slots(t, s)) != want {
				t.Fatalf("slots while paused: %v", slots(t, s))
			}
			// Writes while paused are after the snapshot: not in the backup.
			s.Exec(t, "fixture", `INSERT INTO app.customers (email, first_name, last_name) VALUES ('paused@example.com', 'Pau', 'Sed');
DELETE FROM app.orders WHERE id > 5000; UPDATE app.documents SET title = 'x'`)

			p.Resume, p.Attempt = tr1.lastCheckpoint(t), 2
			tr2 := &fakeTracker{}
			m, err := e.Backup(context.Background(), p, c, tr2)
			if err != nil {
				t.Fatal(err)
			}
			compareContents(t, backupContents(t, c, m), before)

			// Every chunk exactly once; the chunks of the first run kept, not redone.
			var names []string
			sums := map[string]string{}
			for _, tb := range m.Tables {
				for _, f := range tb.Files {
					names = append(names, f.Name)
					sums[f.Name] = f.SHA256
				}
			}
			if len(names) != len(cp.Chunks) {
				t.Errorf("%d data files, plan has %d chunks", len(names), len(cp.Chunks))
			}
			slices.Sort(names)
			if len(slices.Compact(names)) != len(cp.Chunks) {
				t.Error("a chunk appears twice")
			}
			doneData := 0
			for _, f := range cp.Files {
				if f.Name == schemaFile {
					if m.Schema.Archive.SHA256 != f.SHA256 {
						t.Error("schema archive redone")
					}
					continue
				}
				doneData++
				if sums[f.Name] != f.SHA256 {
					t.Errorf("%s changed after resume", f.Name)
				}
			}
			if got, want := len(tr2.checkpoints), len(cp.Chunks)-doneData; got != want {
				t.Errorf("resumed run checkpointed %d chunks, want the %d left", got, want)
			}
			if got := slots(t, s); level == "logical" && !slices.Equal(got, []string{m.Slot}) {
				t.Errorf("slots %v, want [%s]", got, m.Slot)
			}
			if len(e.held) != 0 {
				t.Error("snapshot still held after the backup finished")
			}
		})
	}
}

func TestBackupResumeWithoutSnapshotFails(t *testing.T) {
	s := fixtureServer(t)
	c := newTestCollection(t)
	e := New(nil)
	p := smallChunks(params(s, "fixture"))
	tr := &fakeTracker{pauseAt: 3}
	if _, err := e.Backup(context.Background(), p, c, tr); !errors.Is(err, cluster.ErrPauseRequested) {
		t.Fatalf("want pause, got %v", err)
	}
	// The console restarts: the held connections die with it, the slot stays.
	r := e.takeHeld(p.JobID)
	r.snap.repl.Close(context.Background())
	r.snap.meta.Close(context.Background())
	if len(slots(t, s)) != 1 {
		t.Fatal("slot should outlive the connections")
	}

	p.Resume, p.Attempt = tr.lastCheckpoint(t), 2
	_, err := e.Backup(context.Background(), p, c, &fakeTracker{})
	wantUserError(t, err, "snapshot was lost", "start a new backup")
	if got := slots(t, s); len(got) != 0 {
		t.Errorf("slots left: %v", got)
	}
	assertNoFiles(t, c)
}

func TestBackupResumeAfterSnapshotConnectionDropped(t *testing.T) {
	s := fixtureServer(t)
	c := newTestCollection(t)
	e := New(nil)
	p := smallChunks(params(s, "fixture"))
	tr := &fakeTracker{pauseAt: 2}
	if _, err := e.Backup(context.Background(), p, c, tr); !errors.Is(err, cluster.ErrPauseRequested) {
		t.Fatalf("want pause, got %v", err)
	}
	// The server ends the session holding the snapshot while paused.
	s.Exec(t, "postgres", `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'strata backup (snapshot)'`)
	p.Resume, p.Attempt = tr.lastCheckpoint(t), 2
	_, err := e.Backup(context.Background(), p, c, &fakeTracker{})
	wantUserError(t, err, "snapshot was lost")
	if got := slots(t, s); len(got) != 0 {
		t.Errorf("slots left: %v", got)
	}
	assertNoFiles(t, c)
}

func TestBackupCancel(t *testing.T) {
	s := fixtureServer(t)
	c := newTestCollection(t)
	e := New(nil)
	tr := &fakeTracker{cancelAt: 3}
	_, err := e.Backup(context.Background(), smallChunks(params(s, "fixture")), c, tr)
	if !errors.Is(err, cluster.ErrCancelRequested) {
		t.Fatalf("want cancel, got %v", err)
	}
	if !tr.reverting {
		t.Error("Reverting not reported")
	}
	if got := slots(t, s); len(got) != 0 {
		t.Errorf("slots left: %v", got)
	}
	assertNoFiles(t, c)
}

func TestBackupCancelWhilePaused(t *testing.T) {
	s := fixtureServer(t)
	c := newTestCollection(t)
	e := New(nil)
	p := smallChunks(params(s, "fixture"))
	tr := &fakeTracker{pauseAt: 1} // right after the schema dump
	if _, err := e.Backup(context.Background(), p, c, tr); !errors.Is(err, cluster.ErrPauseRequested) {
		t.Fatalf("want pause, got %v", err)
	}
	p.Resume, p.Attempt = tr.lastCheckpoint(t), 2
	_, err := e.Backup(context.Background(), p, c, &fakeTracker{cancelAt: 1})
	if !errors.Is(err, cluster.ErrCancelRequested) {
		t.Fatalf("want cancel, got %v", err)
	}
	if got := slots(t, s); len(got) != 0 {
		t.Errorf("slots left: %v", got)
	}
	if len(e.held) != 0 {
		t.Error("snapshot still held")
	}
	assertNoFiles(t, c)
}

func TestBackupSourceConnectionDropped(t *testing.T) {
	s := fixtureServer(t)
	c := newTestCollection(t)
	tr := &fakeTracker{onBoundary: func(n int) {
		if n == 2 {
			s.Exec(t, "postgres", `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'strata backup (copy)'`)
		}
	}}
	_, err := New(nil).Backup(context.Background(), smallChunks(params(s, "fixture")), c, tr)
	wantUserError(t, err, "lost the connection to the source database while backing up table", "start the backup again")
	if got := slots(t, s); len(got) != 0 {
		t.Errorf("slots left: %v", got)
	}
	assertNoFiles(t, c)
}

// TestBackupMetaSessionDropped ends the session reading the catalog right
// after the snapshot is taken: the backup fails and drops its slot.
func TestBackupMetaSessionDropped(t *testing.T) {
	s := fixtureServer(t)
	c := newTestCollection(t)
	afterSnapshot = func() {
		s.Exec(t, "postgres", `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'strata backup'`)
	}
	defer func() { afterSnapshot = nil }()
	_, err := New(nil).Backup(context.Background(), params(s, "fixture"), c, &fakeTracker{})
	afterSnapshot = nil
	wantUserError(t, err, "lost the connection")
	if got := slots(t, s); len(got) != 0 {
		t.Errorf("slots left: %v", got)
	}
	assertNoFiles(t, c)
}

// TestBackupPausedSnapshotSurvivesIdleTimeouts: the connections
// holding the snapshot stay idle through a pause, and outlive the server's
// idle timeouts (wal_sender_timeout does not apply to a walsender in
// command mode; the others are turned off for the backup's sessions).
func TestBackupPausedSnapshotSurvivesIdleTimeouts(t *testing.T) {
	s := pgtest.Start(t, func(o *pgserver.Options) {
		o.ExtraConf = append(o.ExtraConf, "wal_sender_timeout = '1s'", "idle_in_transaction_session_timeout = '1s'", "idle_session_timeout = '1s'")
	})
	loadFixture(t, s, "fixture")
	before := currentContents(t, s.DSN("fixture"))
	c := newTestCollection(t)
	e := New(nil)
	p := smallChunks(params(s, "fixture"))
	tr := &fakeTracker{pauseAt: 2}
	if _, err := e.Backup(context.Background(), p, c, tr); !errors.Is(err, cluster.ErrPauseRequested) {
		t.Fatalf("want pause, got %v", err)
	}
	time.Sleep(3 * time.Second)
	p.Resume = tr.lastCheckpoint(t)
	m, err := e.Backup(context.Background(), p, c, &fakeTracker{})
	if err != nil {
		t.Fatal(err)
	}
	compareContents(t, backupContents(t, c, m), before)
}

// TestBackupPausedTooLong: a snapshot held past MaxPausedSnapshot is
// released and its slot dropped; the resume then fails and cleans up.
func TestBackupPausedTooLong(t *testing.T) {
	s := fixtureServer(t)
	c := newTestCollection(t)
	e := New(nil)
	defer func(d time.Duration) { MaxPausedSnapshot = d }(MaxPausedSnapshot)
	MaxPausedSnapshot = 200 * time.Millisecond
	p := smallChunks(params(s, "fixture"))
	tr := &fakeTracker{pauseAt: 2}
	if _, err := e.Backup(context.Background(), p, c, tr); !errors.Is(err, cluster.ErrPauseRequested) {
		t.Fatalf("want pause, got %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(slots(t, s)) != 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if got := slots(t, s); len(got) != 0 {
		t.Fatalf("slot kept past MaxPausedSnapshot: %v", got)
	}
	p.Resume = tr.lastCheckpoint(t)
	_, err := e.Backup(context.Background(), p, c, &fakeTracker{})
	wantUserError(t, err, "snapshot was lost")
	assertNoFiles(t, c)
}

func TestReleaseHeldDropsSlots(t *testing.T) {
	s := fixtureServer(t)
	c := newTestCollection(t)
	e := New(nil)
	tr := &fakeTracker{pauseAt: 1}
	if _, err := e.Backup(context.Background(), params(s, "fixture"), c, tr); !errors.Is(err, cluster.ErrPauseRequested) {
		t.Fatalf("want pause, got %v", err)
	}
	e.ReleaseHeld(context.Background())
	if got := slots(t, s); len(got) != 0 {
		t.Errorf("slots left: %v", got)
	}
	if len(e.held) != 0 {
		t.Error("still held")
	}
}
