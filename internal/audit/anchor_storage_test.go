package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/testutil/statestore"
)

// newStorageAnchor is an anchor in a file:// location of its own.
func newStorageAnchor(t *testing.T) (*audit.StorageAnchor, string) {
	t.Helper()
	dir := t.TempDir()
	loc, err := storage.Parse("file://" + dir)
	if err != nil {
		t.Fatal(err)
	}
	return audit.NewStorageAnchor("collection offsite", func(ctx context.Context) (*storage.Store, error) {
		return storage.Open(ctx, loc, storage.Credentials{})
	}), dir
}

// Someone with the whole data dir holds the key and can rewrite the chain
// and the checkpoint file to match; the checkpoints in write-once storage
// that they cannot remove still tell.
func TestStorageAnchorCatchesARewriteWithTheKey(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	db := statestore.Open(t, dataDir)
	remote, remoteDir := newStorageAnchor(t)
	file := audit.NewCheckpointFile(dataDir)
	l := newLogOn(db, audit.WithClock(stepClock()), audit.WithAnchors(file, remote))
	fill(t, l, 10)
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	fill(t, l, 5)
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	res := mustVerify(t, l)
	if !res.OK || len(res.Anchors) != 2 || res.Anchors[1].Anchor != "collection offsite" || res.Anchors[1].Newest.EntryID != 15 || res.Anchors[1].Newest.MAC == "" {
		t.Fatalf("Verify = %+v", res)
	}
	objs, _ := os.ReadDir(filepath.Join(remoteDir, audit.CheckpointPrefix))
	if len(objs) != 2 {
		t.Fatalf("storage holds %d checkpoints, want 2", len(objs))
	}

	// The attacker edits entry 3 and rehashes the rest with the key,
	// replaces the checkpoint file, and adds their own checkpoint to the
	// storage (they cannot remove the ones there).
	asAttacker(t, l, rewrite(3, 15, rehash(testKey)))
	if err := os.Remove(audit.CheckpointFilePath(file)); err != nil {
		t.Fatal(err)
	}
	forger := newLogOn(db, audit.WithAnchors(file, remote))
	if err := forger.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	res = mustVerify(t, l)
	want := "entry 10: differs from collection offsite, which records its hash as "
	if res.OK || res.FirstBadID != 10 || len(res.Problems) != 1 || !strings.HasPrefix(res.Problems[0], want) {
		t.Fatalf("Verify = %+v\nwant %q…", res, want)
	}
	// Without the storage anchor, the rewrite passes: the limit of a local anchor.
	if res := mustVerify(t, newLogOn(db, audit.WithAnchors(file))); !res.OK {
		t.Fatalf("file anchor alone: %+v", res)
	}
}

func TestStorageAnchorEmptiedOrForged(t *testing.T) {
	ctx := context.Background()
	l, _, _ := newAnchoredLog(t)
	remote, remoteDir := newStorageAnchor(t)
	audit.AddAnchor(l, remote)
	fill(t, l, 3)
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}

	// Someone without the key adds a checkpoint claiming more entries.
	forged := audit.Checkpoint{EntryID: 9, Hash: strings.Repeat("ab", 32), Count: 9, KeyedFrom: 1, MAC: strings.Repeat("0", 64)}
	if err := remote.Add(ctx, forged); err != nil {
		t.Fatal(err)
	}
	res := mustVerify(t, l)
	if res.OK || strings.Join(res.Problems, "\n") != "collection offsite: the checkpoint of entry 9 is not signed with the audit key (edited or forged)" {
		t.Fatalf("forged checkpoint: %+v", res)
	}

	if err := os.RemoveAll(filepath.Join(remoteDir, audit.CheckpointPrefix)); err != nil {
		t.Fatal(err)
	}
	res = mustVerify(t, l)
	if res.OK || strings.Join(res.Problems, "\n") != "collection offsite holds no checkpoint, yet the log has keyed entries since entry 1: it was removed or emptied" {
		t.Fatalf("emptied storage: %+v", res)
	}
}
