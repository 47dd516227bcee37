package collection

import (
	"testing"
	"time"
)

func TestRemoveChain(t *testing.T) {
	forEachLocation(t, testRemoveChain)
}

// testRemoveChain removes one of two chains with its incremental: the
// other chain, its files and LATEST are untouched, nothing of the removed
// one is left, and removing it again says it is gone.
func testRemoveChain(t *testing.T, loc location) {
	st, _ := loc.open(t)
	c := openCollection(t, st)
	old, _ := fullBackup(t, c, end1, "shop")
	l, err := c.BeginLayer(ctx, KindIncremental, end1.Add(time.Minute), old.Path, old.EndTime)
	if err != nil {
		t.Fatal(err)
	}
	fi := writeFile(t, l, "changes/16384/0001.chg.zst", payload(3, 500), 5)
	if err := l.Commit(ctx, &Manifest{Database: "shop", Parent: old.Path, Tables: []Table{{OID: 16384, Schema: "public", Name: "big", Changes: []FileInfo{fi}}}}); err != nil {
		t.Fatal(err)
	}
	keep, files := fullBackup(t, c, end1.Add(time.Hour), "shop")

	removed, err := c.RemoveChain(ctx, old.Path)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 || removed[0] != l.Path() || removed[1] != old.Path {
		t.Errorf("removed %v", removed)
	}
	sums, err := c.Backups(ctx)
	if err != nil || len(sums) != 1 || sums[0].Path != keep.Path {
		t.Fatalf("after removal: %+v, %v", sums, err)
	}
	if latest, err := c.LatestChain(ctx); err != nil || latest != keep.Path {
		t.Errorf("LATEST = %q, %v", latest, err)
	}
	for _, f := range keep.Tables[0].Files {
		if b, err := readFile(t, c, keep.Path, f); err != nil || string(b) != string(files[f.Name]) {
			t.Errorf("kept chain's %s: %v", f.Name, err)
		}
	}
	for _, prefix := range []string{old.Path + "/", "incrementals/" + old.Path + "/"} {
		if objs, err := st.List(ctx, prefix); err != nil || len(objs) != 0 {
			t.Errorf("left under %s: %v %v", prefix, objs, err)
		}
	}
	if _, err := c.RemoveChain(ctx, old.Path); err == nil {
		t.Error("removing a removed chain succeeded")
	}
	if _, err := c.RemoveChain(ctx, l.Path()); err == nil {
		t.Error("an incremental's path was taken for a chain")
	}
}
