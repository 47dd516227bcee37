package layers

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/collection"
)

// Commit writes and commits a layer of database db (cluster "pg") that
// ended at end, with one data file: a full backup when chain is "", else
// an incremental on chain covering (start, end]. It returns its path.
func Commit(t testing.TB, c *collection.Collection, db string, end time.Time, chain string, start time.Time) string {
	t.Helper()
	return CommitKept(t, c, db, end, chain, start, 0)
}

// CommitKept is Commit of a layer taken with its own retention of keepDays
// (a managed backup's).
func CommitKept(t testing.TB, c *collection.Collection, db string, end time.Time, chain string, start time.Time, keepDays int) string {
	t.Helper()
	path, err := Write(context.Background(), c, Layer{Database: db, Cluster: "pg", End: end, Chain: chain, Start: start, KeepDays: keepDays})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// Layer is a layer Write commits: of database Database of cluster
// Cluster, ended at End; a full backup when Chain is "", else an
// incremental on Chain covering (Start, End] after layer Parent (""
// for Chain).
type Layer struct {
	Database, Cluster string
	End               time.Time
	Chain, Parent     string
	Start             time.Time
	KeepDays          int  // its own retention (a managed backup's); 0: none
	RevisionHistory   bool // an incremental that can restore every moment it covers
}

// Write writes and commits l to c with one data file and returns its
// path: what Commit does, for callers without a testing.TB (benchmarks).
func Write(ctx context.Context, c *collection.Collection, l Layer) (string, error) {
	kind := collection.KindFull
	if l.Chain != "" {
		kind = collection.KindIncremental
		if l.Parent == "" {
			l.Parent = l.Chain
		}
	}
	layer, err := c.BeginLayer(ctx, kind, l.End, l.Chain, l.Start)
	if err != nil {
		return "", err
	}
	w, err := layer.CreateFile(ctx, "data/16384/0001.copy.zst")
	if err != nil {
		return "", err
	}
	fmt.Fprintf(w, "%s\t%s\n", l.Database, l.End)
	w.SetRows(1)
	fi, err := w.Close()
	if err != nil {
		return "", err
	}
	m := &collection.Manifest{Database: l.Database, Cluster: l.Cluster, Parent: l.Parent, KeepDays: l.KeepDays, RevisionHistory: l.RevisionHistory,
		Tables: []collection.Table{{OID: 16384, Schema: "public", Name: "t", Files: []collection.FileInfo{fi}}}}
	if err := layer.Commit(ctx, m); err != nil {
		return "", err
	}
	return layer.Path(), nil
}

// Intact fails the test unless the layer at path has its manifest and
// every file it names reads back matching it: what a restore needs.
func Intact(t testing.TB, c *collection.Collection, path string) {
	t.Helper()
	ctx := context.Background()
	m, err := c.Manifest(ctx, path)
	if err != nil {
		t.Fatalf("layer %s: %v", path, err)
	}
	for _, tb := range m.Tables {
		for _, f := range tb.Files {
			r, err := c.OpenFile(ctx, path, f)
			if err == nil {
				_, err = io.Copy(io.Discard, r)
				r.Close()
			}
			if err != nil {
				t.Errorf("layer %s: %s: %v", path, f.Name, err)
			}
		}
	}
}

// Listed returns the paths of the layers the collection lists.
func Listed(t testing.TB, c *collection.Collection) map[string]bool {
	t.Helper()
	sums, err := c.Backups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, s := range sums {
		out[s.Path] = true
	}
	return out
}

// DamageIndex overwrites the index entry of the full backup at chain with
// bytes that are not an entry, as a failed disk or a careless hand would,
// and returns its key.
func DamageIndex(t testing.TB, c *collection.Collection, chain string) string {
	t.Helper()
	ctx := context.Background()
	st := c.Store()
	objs, err := st.List(ctx, "index/")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if !strings.Contains(o.Key, "_"+strings.ReplaceAll(chain, "/", "-")+"/") || !strings.Contains(o.Key, "_full_") {
			continue
		}
		if err := st.Delete(ctx, o.Key); err != nil {
			t.Fatal(err)
		}
		w, err := st.Create(ctx, o.Key)
		if err == nil {
			_, err = w.Write([]byte(`{"id": "half writ`))
		}
		if err == nil {
			err = w.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		return o.Key
	}
	t.Fatalf("no index entry of chain %s", chain)
	return ""
}
