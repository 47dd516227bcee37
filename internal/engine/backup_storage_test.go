package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/testutil"
)

// TestBackupStorageWriteFails breaks the collection's folder after the
// schema dump: the backup fails with the storage's hint, and removes its
// partial files and its slot.
func TestBackupStorageWriteFails(t *testing.T) {
	s := fixtureServer(t)
	c := newTestCollection(t)
	tr := &fakeTracker{}
	tr.onBoundary = func(n int) {
		if n != 1 {
			return
		}
		var cp backupCheckpoint
		json.Unmarshal(tr.lastCheckpoint(t), &cp)
		// A file where the data folder should go.
		if err := os.WriteFile(filepath.Join(c.Store().Location().Path, cp.Layer, "data"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := New(nil).Backup(context.Background(), params(s, "fixture"), c, tr)
	wantUserError(t, err, "writing the backup to storage failed: part of")
	if got := slots(t, s); len(got) != 0 {
		t.Errorf("slots left: %v", got)
	}
	assertNoFiles(t, c)
}

// TestBackupDiskFull backs up into a 512 KiB tmpfs (needs root to mount).
func TestBackupDiskFull(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", dir).CombinedOutput(); err != nil {
		testutil.Need(t, fmt.Sprintf("cannot mount a small tmpfs: %v %s", err, out), "run the tests as root, as .ci/run does")
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	s := fixtureServer(t)
	ctx := context.Background()
	loc, err := storage.Parse("file://" + dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(ctx, loc, storage.Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := collection.Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(nil).Backup(ctx, params(s, "fixture"), c, &fakeTracker{})
	wantUserError(t, err, "writing the backup to storage failed: the disk holding "+dir+" is full")
	if got := slots(t, s); len(got) != 0 {
		t.Errorf("slots left: %v", got)
	}
	assertNoFiles(t, c)
}
