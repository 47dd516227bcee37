package audit_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/store/sqlite"
	"github.com/stratabackup/strata/internal/testutil/statestore"
)

// newAnchoredLog returns a log on a fresh store in a data dir, anchored to
// the dir's checkpoint file, its db and the file.
func newAnchoredLog(t *testing.T) (*audit.Log, *sql.DB, *audit.CheckpointFile) {
	t.Helper()
	dir := t.TempDir()
	db := statestore.Open(t, dir)
	f := audit.NewCheckpointFile(dir)
	return newLogOn(db, audit.WithClock(stepClock()), audit.WithAnchors(f)), db, f
}

// asAttacker changes the store as someone with write access to its file
// does: the append-only triggers dropped, tamper run, the triggers created
// again to cover the tracks.
func asAttacker(t *testing.T, l *audit.Log, tamper func(*testing.T, *sql.DB)) {
	t.Helper()
	execSQL(`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`,
		`DROP TRIGGER audit_log_no_replace`)(t, dbOf(l))
	tamper(t, dbOf(l))
	for _, name := range []string{"audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace"} {
		create, err := sqlite.TriggerSQL(name)
		if err != nil {
			t.Fatal(err)
		}
		execSQL(create)(t, dbOf(l))
	}
}

func mustVerify(t *testing.T, l *audit.Log) audit.VerifyResult {
	t.Helper()
	res, err := l.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestVerifyAgainstCheckpoints(t *testing.T) {
	const fileName = "checkpoint file "
	tests := []struct {
		name   string
		tamper func(t *testing.T, l *audit.Log, f *audit.CheckpointFile)
		// problems, with F for the checkpoint file's name
		problems []string
		checked  int64
	}{
		{"untouched", func(*testing.T, *audit.Log, *audit.CheckpointFile) {}, nil, 10},
		{"tail cut", func(t *testing.T, l *audit.Log, _ *audit.CheckpointFile) {
			asAttacker(t, l, execSQL(`DELETE FROM audit_log WHERE id > 7`))
		}, []string{"entries 8 to 10 are missing: F records entry 10 (checkpoint of 2026-03-01 09:00:10 UTC), but the log ends at entry 7: its newest entries were cut"}, 7},
		{"emptied", func(t *testing.T, l *audit.Log, _ *audit.CheckpointFile) {
			asAttacker(t, l, execSQL(`DELETE FROM audit_log`))
		}, []string{"the audit log is empty, but F records 10 entries up to entry 10 (checkpoint of 2026-03-01 09:00:10 UTC): the log was emptied"}, 0},
		{"tail cut and refilled", func(t *testing.T, l *audit.Log, _ *audit.CheckpointFile) {
			asAttacker(t, l, execSQL(`DELETE FROM audit_log WHERE id > 7`))
			fill(t, l, 5)
		}, []string{"entry 10: differs from F, which records its hash as XXX…, not YYY…: rewritten after the checkpoint (checkpoint of 2026-03-01 09:00:10 UTC)"}, 9},
		{"whole chain recomputed unkeyed", func(t *testing.T, l *audit.Log, _ *audit.CheckpointFile) {
			asAttacker(t, l, rewrite(1, 10, unkeyed))
		}, []string{
			"entry 10: differs from F, which records its hash as XXX…, not YYY…: rewritten after the checkpoint (checkpoint of 2026-03-01 09:00:10 UTC)",
			"F records keyed entries from entry 1, but the log has no keyed entry: the chain was recomputed without the audit key",
		}, 9},
		{"file removed", func(t *testing.T, _ *audit.Log, f *audit.CheckpointFile) {
			if err := os.Remove(audit.CheckpointFilePath(f)); err != nil {
				t.Fatal(err)
			}
		}, []string{"F holds no checkpoint, yet the log has keyed entries since entry 1: it was removed or emptied"}, 10},
		{"file emptied", func(t *testing.T, _ *audit.Log, f *audit.CheckpointFile) {
			if err := os.WriteFile(audit.CheckpointFilePath(f), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, []string{"F holds no checkpoint, yet the log has keyed entries since entry 1: it was removed or emptied"}, 10},
		{"checkpoint edited to match a cut tail", func(t *testing.T, l *audit.Log, f *audit.CheckpointFile) {
			hash10, hash7 := readRow(t, dbOf(l), 10).Hash, readRow(t, dbOf(l), 7).Hash
			asAttacker(t, l, execSQL(`DELETE FROM audit_log WHERE id > 7`))
			editFile(t, f, `"entry_id":10`, `"entry_id":7`, `"count":10`, `"count":7`, hash10, hash7)
		}, []string{"F: the checkpoint of entry 7 is not signed with the audit key (edited or forged)"}, 7},
		{"file garbled", func(t *testing.T, _ *audit.Log, f *audit.CheckpointFile) {
			editFile(t, f, `"mac":`, `"mac" `)
		}, []string{"F cannot be read: line 1: not a checkpoint"}, 10},
		// The limit of a checkpoint: entries after it can be cut unseen.
		{"entries after the checkpoint cut", func(t *testing.T, l *audit.Log, _ *audit.CheckpointFile) {
			asAttacker(t, l, execSQL(`DELETE FROM audit_log WHERE id > 10`))
		}, nil, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _, f := newAnchoredLog(t)
			fill(t, l, 10)
			if err := l.Checkpoint(context.Background()); err != nil {
				t.Fatal(err)
			}
			hash10 := readRow(t, dbOf(l), 10).Hash
			if tt.name == "entries after the checkpoint cut" {
				fill(t, l, 2)
			}
			tt.tamper(t, l, f)

			res := mustVerify(t, l)
			var want []string
			for _, p := range tt.problems {
				p = strings.ReplaceAll(p, "F", fileName+audit.CheckpointFilePath(f))
				p = strings.ReplaceAll(p, "XXX", audit.Short(hash10))
				if strings.Contains(p, "YYY") {
					p = strings.ReplaceAll(p, "YYY", audit.Short(readRow(t, dbOf(l), 10).Hash))
				}
				want = append(want, p)
			}
			if res.OK != (len(want) == 0) || strings.Join(res.Problems, "\n") != strings.Join(want, "\n") || res.Checked != tt.checked {
				t.Fatalf("Verify = %+v\nwant checked %d, problems\n%s", res, tt.checked, strings.Join(want, "\n"))
			}
		})
	}
}

// editFile replaces, in the checkpoint file, each old with its new (pairs).
func editFile(t *testing.T, f *audit.CheckpointFile, oldNew ...string) {
	t.Helper()
	data, err := os.ReadFile(audit.CheckpointFilePath(f))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for i := 0; i < len(oldNew); i += 2 {
		if !strings.Contains(s, oldNew[i]) {
			t.Fatalf("checkpoint file has no %q: %s", oldNew[i], s)
		}
		s = strings.ReplaceAll(s, oldNew[i], oldNew[i+1])
	}
	if err := os.WriteFile(audit.CheckpointFilePath(f), []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Append writes a checkpoint with the first entry of this process and then
// every entriesPerCheckpoint entries; the file is private and bounded.
func TestAppendWritesCheckpoints(t *testing.T) {
	l, _, f := newAnchoredLog(t)
	for i := range audit.EntriesPerCheckpoint + 1 {
		mustAppend(t, l, sample(i))
	}
	cps, err := f.Checkpoints(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) != 2 || cps[0].EntryID != 1 || cps[1].EntryID != audit.EntriesPerCheckpoint+1 || cps[1].Count != audit.EntriesPerCheckpoint+1 ||
		cps[1].KeyedFrom != 1 || cps[1].Hash != readRow(t, dbOf(l), audit.EntriesPerCheckpoint+1).Hash || !audit.SignedBy(cps[1], testKey) {
		t.Fatalf("checkpoints %+v", cps)
	}
	if info, err := os.Stat(audit.CheckpointFilePath(f)); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("checkpoint file: %v %v", info.Mode(), err)
	}

	audit.SetCheckpointFileLines(f, 3)
	for range 3 {
		fill(t, l, 1)
		if err := l.Checkpoint(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	cps, _ = f.Checkpoints(context.Background())
	if len(cps) != 3 || cps[0].EntryID != audit.EntriesPerCheckpoint+2 || cps[2].EntryID != audit.EntriesPerCheckpoint+4 {
		t.Fatalf("bounded file holds %+v", cps)
	}
	if res := mustVerify(t, l); !res.OK || res.Anchors[0].Newest.EntryID != audit.EntriesPerCheckpoint+4 {
		t.Fatalf("Verify = %+v", res)
	}
}

// An old store's checkpoints say no keyed entry yet; once keyed entries
// come they say where they begin, and a recomputed unkeyed chain is caught.
func TestCheckpointsAcrossTheUpgrade(t *testing.T) {
	l, db, _ := newAnchoredLog(t)
	appendUnkeyed(t, db, 5)
	if err := l.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := mustVerify(t, l); !res.OK || res.Checked != 5 {
		t.Fatalf("old store anchored: %+v", res)
	}
	fill(t, l, 5)
	if err := l.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := mustVerify(t, l); !res.OK || res.Checked != 10 || res.KeyedFrom != 6 {
		t.Fatalf("upgraded store: %+v", res)
	}

	asAttacker(t, l, rewrite(6, 10, unkeyed))
	res := mustVerify(t, l)
	if res.OK || res.FirstBadID != 10 || len(res.Problems) != 2 ||
		!strings.HasSuffix(res.Problems[1], "records keyed entries from entry 6, but the log has no keyed entry: the chain was recomputed without the audit key") {
		t.Fatalf("downgraded: %+v", res)
	}
}
