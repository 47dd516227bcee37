package collection

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/usererror"
)

func TestDamagedIndexEntries(t *testing.T) {
	forEachLocation(t, testDamagedIndexEntries)
}

// testDamagedIndexEntries damages the index entries of two of three
// chains, one with garbage and one with another layer's entry: the others
// are still listed and the damaged ones named; LATEST is refused only while
// a damaged entry may be the newest; nothing is called incomplete; removing
// a damaged chain clears its damage.
func testDamagedIndexEntries(t *testing.T, loc location) {
	st, _ := loc.open(t)
	c := openCollection(t, st)
	a, _ := fullBackup(t, c, end1, "shop")
	b, _ := fullBackup(t, c, end1.Add(time.Hour), "shop")
	newest, _ := fullBackup(t, c, end1.Add(2*time.Hour), "shop")

	entryOf := func(m *Manifest) string {
		t.Helper()
		lp, _ := parseLayerPath(m.Path)
		objs, err := st.List(ctx, lp.chainIndexDir())
		if err != nil || len(objs) != 1 {
			t.Fatalf("index entries of %s: %v, %v", m.Path, objs, err)
		}
		return objs[0].Key
	}
	replace := func(key string, data []byte) {
		t.Helper()
		if err := st.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		w, err := st.Create(ctx, key)
		if err == nil {
			_, err = w.Write(data)
		}
		if err == nil {
			err = w.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	damagedOf := func(err error) *DamagedIndexError {
		t.Helper()
		var d *DamagedIndexError
		if !errors.As(err, &d) {
			t.Fatalf("got %v, want a damaged index entry", err)
		}
		if msg, ok := usererror.Message(err); !ok || !strings.Contains(msg, d.Entries[0].Key) {
			t.Errorf("message %q does not name %s", msg, d.Entries[0].Key)
		}
		return d
	}

	replace(entryOf(b), []byte(`{"id": "half written`))
	sums, err := c.Backups(ctx)
	d := damagedOf(err)
	if len(d.Entries) != 1 || d.Entries[0].Chain != b.Path || !d.Entries[0].ChainEnd().Equal(b.EndTime.Truncate(10*time.Millisecond)) {
		t.Errorf("damaged: %+v", d.Entries)
	}
	if len(sums) != 2 || sums[0].Path != newest.Path || sums[1].Path != a.Path {
		t.Errorf("listed %+v, want %s and %s", sums, newest.Path, a.Path)
	}
	if m, err := c.Resolve(ctx, "LATEST", "shop"); err != nil || m.Path != newest.Path {
		t.Errorf("LATEST with an older chain damaged: %v, %v", m, err)
	}
	if inc, err := c.Incomplete(ctx); err != nil || len(inc) != 0 {
		t.Errorf("incomplete: %v, %v", inc, err)
	}

	// The newest chain's entry now says it is a's: altered, and LATEST may
	// be the layer it hides.
	copied, err := readObject(ctx, st, entryOf(a), maxIndexEntry)
	if err != nil {
		t.Fatal(err)
	}
	replace(entryOf(newest), copied)
	sums, err = c.Backups(ctx)
	if d := damagedOf(err); len(d.Entries) != 2 || len(sums) != 1 || sums[0].Path != a.Path {
		t.Errorf("listed %+v, damaged %+v", sums, d.Entries)
	}
	if _, err := c.Resolve(ctx, "LATEST", "shop"); damagedOf(err) == nil {
		t.Error("LATEST resolved while the newest chain's entry is damaged")
	}
	if _, err := c.Resolve(ctx, a.Path, "shop"); err != nil {
		t.Errorf("a layer by path: %v", err)
	}

	// Removing a damaged chain repairs the collection.
	for _, m := range []*Manifest{b, newest} {
		if _, err := c.RemoveChain(ctx, m.Path); err != nil {
			t.Fatalf("remove %s: %v", m.Path, err)
		}
	}
	if sums, err := c.Backups(ctx); err != nil || len(sums) != 1 {
		t.Errorf("after removing the damaged chains: %+v, %v", sums, err)
	}
	for _, prefix := range []string{b.Path + "/", newest.Path + "/"} {
		if objs, err := st.List(ctx, prefix); err != nil || len(objs) != 0 {
			t.Errorf("left under %s: %v, %v", prefix, objs, err)
		}
	}
}
