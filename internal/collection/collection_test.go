package collection

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/testutil/minio"
)

var ctx = context.Background()

// location opens a new, empty storage location of one kind; reopen opens
// the same location again, as another process would.
type location struct {
	open func(t *testing.T) (st *storage.Store, reopen func() *storage.Store)
}

// forEachLocation runs test in a subtest per kind of location: "file" on
// local folders, and "s3" on a MinIO server that the s3 subtest starts for
// itself and its subtests, so that the file subtests never need MinIO.
func forEachLocation(t *testing.T, test func(t *testing.T, loc location)) {
	t.Run("file", func(t *testing.T) { test(t, fileLocation()) })
	t.Run("s3", func(t *testing.T) { test(t, s3Location(t)) })
}

func fileLocation() location {
	return location{func(t *testing.T) (*storage.Store, func() *storage.Store) {
		uri := "file://" + t.TempDir() + "/collection"
		return openStore(t, uri, storage.Credentials{}), func() *storage.Store { return openStore(t, uri, storage.Credentials{}) }
	}}
}

// s3Location starts a MinIO server that lives as long as t; each open
// takes a new prefix in one bucket.
func s3Location(t *testing.T) location {
	srv := minio.Start(t)
	srv.CreateBucket(t, "strata")
	var (
		mu sync.Mutex
		n  int
	)
	return location{func(t *testing.T) (*storage.Store, func() *storage.Store) {
		mu.Lock()
		n++
		uri := srv.URI("strata", fmt.Sprintf("c%d", n))
		mu.Unlock()
		creds := storage.Credentials{AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey}
		return openStore(t, uri, creds), func() *storage.Store { return openStore(t, uri, creds) }
	}}
}

func openStore(t *testing.T, uri string, creds storage.Credentials) *storage.Store {
	t.Helper()
	loc, err := storage.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(ctx, loc, creds)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openCollection(t *testing.T, st *storage.Store) *Collection {
	t.Helper()
	c, err := Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var payloads sync.Map

// payload returns n bytes of compressible text, different for each seed.
func payload(seed uint64, n int) []byte {
	type key struct {
		seed uint64
		n    int
	}
	if b, ok := payloads.Load(key{seed, n}); ok {
		return bytes.Clone(b.([]byte))
	}
	r := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	for b.Len() < n {
		fmt.Fprintf(&b, "%d\tname %d\t%x\n", r.IntN(1e6), r.IntN(100), r.Uint64())
	}
	payloads.Store(key{seed, n}, b.Bytes()[:n])
	return bytes.Clone(b.Bytes()[:n])
}

func writeFile(t *testing.T, l *Layer, name string, data []byte, rows int64) FileInfo {
	t.Helper()
	w, err := l.CreateFile(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	for len(data) > 0 { // in pieces, as the engine writes
		n := min(len(data), 100_000)
		if _, err := w.Write(data[:n]); err != nil {
			t.Fatal(err)
		}
		data = data[n:]
	}
	w.SetRows(rows)
	fi, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

func readFile(t *testing.T, c *Collection, layer string, f FileInfo) ([]byte, error) {
	t.Helper()
	r, err := c.OpenFile(ctx, layer, f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return io.ReadAll(r)
}

var end1 = time.Date(2026, 11, 23, 19, 37, 0, 123456789, time.UTC)

// fullBackup writes and commits a full backup of db with two tables.
func fullBackup(t *testing.T, c *Collection, end time.Time, db string) (*Manifest, map[string][]byte) {
	t.Helper()
	l, err := c.BeginLayer(ctx, KindFull, end, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	data := map[string][]byte{
		"schema.dump":              payload(1, 5000),
		"data/16384/0001.copy.zst": payload(2, 1<<20),
		"data/16384/0002.copy.zst": payload(3, 100),
		"data/16390/0001.copy.zst": {},
	}
	files := map[string]FileInfo{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for name, b := range data {
		wg.Go(func() {
			w, err := l.CreateFile(ctx, name)
			if err != nil {
				t.Error(err)
				return
			}
			w.Write(b)
			w.SetRows(int64(bytes.Count(b, []byte("\n"))))
			fi, err := w.Close()
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			files[name] = fi
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	m := &Manifest{
		Engine: "postgres", Cluster: "prod", Database: db, EndTime: end, EndLSN: "0/1234",
		Schema: Schema{Archive: files["schema.dump"]},
		Tables: []Table{
			{OID: 16384, Schema: "public", Name: "big", Files: []FileInfo{files["data/16384/0001.copy.zst"], files["data/16384/0002.copy.zst"]}},
			{OID: 16390, Schema: "public", Name: "empty", Files: []FileInfo{files["data/16390/0001.copy.zst"]}},
		},
		CreatedBy: "alice",
	}
	if err := l.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}
	return m, data
}

func TestCollection(t *testing.T) {
	forEachLocation(t, func(t *testing.T, loc location) {
		t.Run("WriteListResolveRead", func(t *testing.T) { testWriteListResolveRead(t, loc) })
		t.Run("Incremental", func(t *testing.T) { testIncremental(t, loc) })
		t.Run("UncommittedIsNotListed", func(t *testing.T) { testUncommitted(t, loc) })
		t.Run("Corruption", func(t *testing.T) { testCorruption(t, loc) })
		t.Run("Abort", func(t *testing.T) { testAbort(t, loc) })
		t.Run("CommitChecksAndRetries", func(t *testing.T) { testCommitChecks(t, loc) })
		t.Run("OpenChecksMarker", func(t *testing.T) { testOpenChecksMarker(t, loc) })
		t.Run("OpenedAtOnce", func(t *testing.T) { testOpenedAtOnce(t, loc) })
		t.Run("NewerManifestRefused", func(t *testing.T) { testNewerManifest(t, loc) })
		t.Run("Resolve", func(t *testing.T) { testResolve(t, loc) })
		t.Run("SameEndClaimedOnce", func(t *testing.T) { testSameEndClaimedOnce(t, loc) })
	})
}

func testWriteListResolveRead(t *testing.T, loc location) {
	st, reopen := loc.open(t)
	c := openCollection(t, st)
	m, data := fullBackup(t, c, end1, "shop")
	if m.Path != "2026/11/23-193700.12" || m.Chain != m.Path || m.FormatVersion != FormatVersion || m.ID == "" || m.Kind != KindFull {
		t.Errorf("Commit filled %q %q %d %q %q", m.Path, m.Chain, m.FormatVersion, m.ID, m.Kind)
	}
	if m.Tables[0].Rows == 0 || m.Tables[0].StoredBytes == 0 || m.Tables[0].RawBytes != 1<<20+100 {
		t.Errorf("table totals not filled: %+v", m.Tables[0])
	}

	// A fresh process with no state sees everything.
	c2 := openCollection(t, reopen())
	if c2.Marker().ID != c.Marker().ID {
		t.Errorf("collection id %s, then %s", c.Marker().ID, c2.Marker().ID)
	}
	sums, err := c2.Backups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 1 {
		t.Fatalf("Backups = %+v", sums)
	}
	s := sums[0]
	if s.Path != m.Path || s.Database != "shop" || s.Kind != KindFull || s.Tables != 2 || s.ID != m.ID ||
		!s.EndTime.Equal(end1) || s.RawBytes != 1<<20+100 || s.CreatedBy != "alice" || s.Rows != m.Tables[0].Rows {
		t.Errorf("summary = %+v", s)
	}
	if chain, err := c2.LatestChain(ctx); err != nil || chain != m.Path {
		t.Errorf("LatestChain = %q, %v", chain, err)
	}

	got, err := c2.Resolve(ctx, "LATEST", "shop")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != m.ID || len(got.Tables) != 2 || got.Schema.Archive != m.Schema.Archive {
		t.Errorf("resolved %+v", got)
	}
	for _, f := range append(got.Tables[0].Files, got.Tables[1].Files[0], got.Schema.Archive) {
		b, err := readFile(t, c2, got.Path, f)
		if err != nil {
			t.Errorf("read %s: %v", f.Name, err)
		}
		if !bytes.Equal(b, data[f.Name]) {
			t.Errorf("%s: read %d bytes, wrote %d", f.Name, len(b), len(data[f.Name]))
		}
	}
	if f := got.Tables[0].Files[0]; f.Size >= f.RawSize || f.Rows == 0 || len(f.SHA256) != 64 {
		t.Errorf("file info %+v", f)
	}
	if f := got.Tables[1].Files[0]; f.RawSize != 0 || f.Size == 0 {
		t.Errorf("an empty file is stored as an empty zstd frame: %+v", f)
	}

	// The layout is the documented one.
	objs, _ := st.List(ctx, "")
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	all := strings.Join(keys, "\n")
	for _, want := range []string{
		"COLLECTION.json",
		"2026/11/23-193700.12/MANIFEST.json.zst",
		"2026/11/23-193700.12/MANIFEST.sha256",
		"2026/11/23-193700.12/data/16384/0001.copy.zst",
		"2026/11/23-193700.12/CLAIM",
		"index/" + chainDesc(FullPath(end1)) + "_2026-11-23-193700.12/" + desc(end1) + "_full_" + m.ID + ".json",
		"metadata/latest/" + desc(end1),
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no %s in\n%s", want, all)
		}
	}
	if len(keys) != 10 { // with the layer's CLAIM
		t.Errorf("objects:\n%s", all)
	}

	// Two full backups cannot share a folder.
	if _, err := c.BeginLayer(ctx, KindFull, end1.Add(time.Millisecond), "", time.Time{}); !errors.Is(err, ErrLayerTaken) {
		t.Errorf("second layer at the same time: %v", err)
	}
}

// chainDesc is the desc of a full path, the way the index names chains.
func chainDesc(s string) string {
	lp, err := parseLayerPath(s)
	if err != nil {
		panic(err)
	}
	return desc(lp.chainEnd)
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func testIncremental(t *testing.T, loc location) {
	st, _ := loc.open(t)
	c := openCollection(t, st)
	full, _ := fullBackup(t, c, end1, "shop")
	end2 := end1.Add(10 * time.Minute)
	l, err := c.BeginLayer(ctx, KindIncremental, end2, full.Path, full.EndTime)
	if err != nil {
		t.Fatal(err)
	}
	if want := "incrementals/2026/11/23-193700.12/20261123-194700.12-20261123-193700.12"; l.Path() != want {
		t.Errorf("incremental path %s, want %s", l.Path(), want)
	}
	fi := writeFile(t, l, "changes/16384/0001.chg.zst", payload(9, 1000), 10)
	m := &Manifest{Database: "shop", EndTime: end2, StartTime: full.EndTime, Parent: full.Path,
		Tables: []Table{{OID: 16384, Schema: "public", Name: "big", Files: []FileInfo{fi}}}}
	if err := l.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}
	if m.Chain != full.Path || m.Kind != KindIncremental {
		t.Errorf("incremental chain %q kind %q", m.Chain, m.Kind)
	}
	sums, err := c.Backups(ctx)
	if err != nil || len(sums) != 2 || sums[0].Path != l.Path() || sums[1].Path != full.Path {
		t.Fatalf("Backups = %+v, %v", sums, err)
	}
	if got, err := c.Resolve(ctx, l.Path(), "shop"); err != nil || got.ID != m.ID {
		t.Errorf("Resolve(incremental path) = %v, %v", got, err)
	}
	// An incremental needs a committed full backup.
	if _, err := c.BeginLayer(ctx, KindIncremental, end2, "2020/01/01-000000.00", end1); !errors.Is(err, ErrNoBackup) {
		t.Errorf("incremental on a missing full: %v", err)
	}
	if _, err := c.BeginLayer(ctx, KindIncremental, end1, full.Path, end2); err == nil {
		t.Error("incremental ending before it starts was accepted")
	}
}

func testUncommitted(t *testing.T, loc location) {
	st, _ := loc.open(t)
	c := openCollection(t, st)
	older, _ := fullBackup(t, c, end1, "shop")
	end2 := end1.Add(time.Hour)
	l, err := c.BeginLayer(ctx, KindFull, end2, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, l, "data/1/1.copy.zst", payload(1, 1000), 5)
	sums, _ := c.Backups(ctx)
	if len(sums) != 1 || sums[0].Path != older.Path {
		t.Errorf("Backups with an uncommitted layer = %+v", sums)
	}
	if _, err := c.Resolve(ctx, l.Path(), ""); !errors.Is(err, ErrNoBackup) || !strings.Contains(err.Error(), "no backup at path "+l.Path()) {
		t.Errorf("Resolve(uncommitted) = %v", err)
	}
	if m, err := c.Resolve(ctx, "LATEST", "shop"); err != nil || m.Path != older.Path {
		t.Errorf("Resolve(LATEST) = %v, %v", m, err)
	}
	inc, err := c.Incomplete(ctx)
	if err != nil || len(inc) != 1 || inc[0] != l.Path() {
		t.Errorf("Incomplete = %v, %v", inc, err)
	}
	if _, err := c.BeginLayer(ctx, KindIncremental, end2.Add(time.Minute), l.Path(), end2); !errors.Is(err, ErrNoBackup) {
		t.Errorf("incremental on an uncommitted full: %v", err)
	}
}

// replace rewrites an object (storage is write-once: delete, then create).
func replace(t *testing.T, st *storage.Store, key string, edit func([]byte) []byte) {
	t.Helper()
	r, err := st.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if err := st.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	w, err := st.Create(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(edit(b))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func testCorruption(t *testing.T, loc location) {
	st, _ := loc.open(t)
	c := openCollection(t, st)
	m, _ := fullBackup(t, c, end1, "shop")
	f := m.Tables[0].Files[0]
	key := m.Path + "/" + f.Name
	flip := func(i int) func([]byte) []byte {
		return func(b []byte) []byte { b[i] ^= 0x01; return b }
	}

	// One flipped byte anywhere (header, middle, frame checksum) is caught,
	// and reported instead of io.EOF.
	for _, pos := range []int{5, int(f.Size / 2), int(f.Size - 1)} {
		replace(t, st, key, flip(pos))
		_, err := readFile(t, c, m.Path, f)
		var ce *ChecksumError
		if !errors.As(err, &ce) || ce.Path != key || err.Error() != "backup file "+key+" is corrupt: checksum mismatch" {
			t.Errorf("byte %d flipped: err = %v", pos, err)
		}
		replace(t, st, key, flip(pos))
	}
	if _, err := readFile(t, c, m.Path, f); err != nil {
		t.Fatalf("restored file: %v", err)
	}

	// Truncated.
	replace(t, st, key, func(b []byte) []byte { return b[:len(b)-100] })
	_, err := readFile(t, c, m.Path, f)
	var ce *ChecksumError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), key+" is corrupt") {
		t.Errorf("truncated file: err = %v", err)
	}
	// The error is returned before the final EOF and stays.
	r, _ := c.OpenFile(ctx, m.Path, f)
	_, err = io.Copy(io.Discard, r)
	if _, err2 := r.Read(make([]byte, 10)); err == nil || err2 != err {
		t.Errorf("errors: %v then %v", err, err2)
	}
	r.Close()

	// Extra bytes after the data.
	replace(t, st, key, func(b []byte) []byte { return append(b[:len(b):len(b)], make([]byte, 200)...) })
	if _, err := readFile(t, c, m.Path, f); !errors.As(err, &ce) {
		t.Errorf("file with trailing bytes: err = %v", err)
	}

	// A corrupt manifest.
	replace(t, st, m.Path+"/MANIFEST.json.zst", flip(20))
	if _, err := c.Manifest(ctx, m.Path); !errors.As(err, &ce) || ce.Path != m.Path+"/MANIFEST.json.zst" {
		t.Errorf("corrupt manifest: %v", err)
	}
}

func testAbort(t *testing.T, loc location) {
	st, _ := loc.open(t)
	c := openCollection(t, st)
	l, err := c.BeginLayer(ctx, KindFull, end1, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, l, "data/1/1.copy.zst", payload(1, 1<<20), 1)
	writeFile(t, l, "data/1/2.copy.zst", payload(2, 1000), 1)
	writeFile(t, l, "schema.dump", payload(3, 1000), 0)
	open, err := l.CreateFile(ctx, "data/2/1.copy.zst")
	if err != nil {
		t.Fatal(err)
	}
	open.Write(payload(4, 1000))
	// A file already gone is fine.
	if err := st.Delete(ctx, l.Path()+"/data/1/2.copy.zst"); err != nil {
		t.Fatal(err)
	}
	if err := l.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := open.Close(); err == nil {
		t.Error("file closed after Abort was kept")
	}
	if objs, _ := st.List(ctx, l.Path()+"/"); len(objs) != 0 {
		t.Errorf("after Abort: %+v", objs)
	}
	if _, err := l.CreateFile(ctx, "x"); err == nil {
		t.Error("CreateFile after Abort succeeded")
	}
	if err := l.Abort(ctx); err != nil {
		t.Errorf("second Abort: %v", err)
	}
	if inc, _ := c.Incomplete(ctx); len(inc) != 0 {
		t.Errorf("Incomplete after Abort = %v", inc)
	}

	// A resumed layer's Abort also removes files it was not told of.
	l2, _ := c.BeginLayer(ctx, KindFull, end1.Add(time.Hour), "", time.Time{})
	writeFile(t, l2, "a", []byte("a"), 0)
	known := writeFile(t, l2, "b", []byte("b"), 0)
	if err := c.ResumeLayer(l2.Path(), KindFull, []FileInfo{known}).Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if objs, _ := st.List(ctx, l2.Path()+"/"); len(objs) != 0 {
		t.Errorf("after Abort of resumed layer: %+v", objs)
	}

	// A committed layer cannot be aborted, not even through ResumeLayer.
	m, _ := fullBackup(t, c, end1.Add(2*time.Hour), "shop")
	if err := c.ResumeLayer(m.Path, KindFull, nil).Abort(ctx); err == nil || !strings.Contains(err.Error(), "committed") {
		t.Errorf("Abort of committed layer: %v", err)
	}
	if _, err := c.Manifest(ctx, m.Path); err != nil {
		t.Errorf("committed layer damaged: %v", err)
	}
}

func testCommitChecks(t *testing.T, loc location) {
	st, reopen := loc.open(t)
	c := openCollection(t, st)
	l, _ := c.BeginLayer(ctx, KindFull, end1, "", time.Time{})
	fi := writeFile(t, l, "data/1/1.copy.zst", payload(1, 1000), 3)

	bad := fi
	bad.SHA256 = strings.Repeat("0", 64)
	for _, files := range [][]FileInfo{{bad}, {{Name: "data/1/missing.copy.zst"}}} {
		m := &Manifest{Database: "db", Tables: []Table{{Name: "t", Files: files}}}
		if err := l.Commit(ctx, m); err == nil {
			t.Errorf("Commit with files %+v succeeded", files)
		}
	}
	if err := l.Commit(ctx, &Manifest{Database: "db", EndTime: end1.Add(time.Second)}); err == nil {
		t.Error("Commit with another end time succeeded")
	}

	// Resume in a "new process" and commit there.
	c2 := openCollection(t, reopen())
	l2 := c2.ResumeLayer(l.Path(), KindFull, l.Files())
	writeFile(t, l2, "data/1/2.copy.zst", payload(2, 1000), 4)
	m := &Manifest{Database: "db", EndTime: end1, Tables: []Table{{Name: "t", Files: l2.Files()}}}
	// A file closed after the checkpoint is redone under the same name,
	// but a file the checkpoint lists is not overwritten.
	if _, err := l2.CreateFile(ctx, "data/1/1.copy.zst"); err == nil || !strings.Contains(err.Error(), "already written") {
		t.Errorf("CreateFile of a checkpointed file: %v", err)
	}
	writeFile(t, l, "data/1/3.copy.zst", payload(3, 1000), 1) // by the "old process"
	redone := writeFile(t, l2, "data/1/3.copy.zst", payload(4, 2000), 1)
	if b, err := readFile(t, c2, l2.Path(), redone); err != nil || !bytes.Equal(b, payload(4, 2000)) {
		t.Errorf("redone file: %d bytes, %v", len(b), err)
	}
	if err := l2.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := l2.Commit(ctx, m); err == nil {
		t.Error("second Commit of a layer succeeded")
	}
	// A retried commit (the first one failed half-way, say) succeeds
	// without duplicating anything.
	if err := c2.ResumeLayer(l.Path(), KindFull, l2.Files()).Commit(ctx, m); err != nil {
		t.Errorf("retried Commit: %v", err)
	}
	if sums, _ := c2.Backups(ctx); len(sums) != 1 || sums[0].Rows != 7 {
		t.Errorf("Backups = %+v", sums)
	}
	// But not with a different manifest.
	m2 := *m
	m2.CreatedBy = "mallory"
	if err := c2.ResumeLayer(l.Path(), KindFull, l2.Files()).Commit(ctx, &m2); err == nil {
		t.Error("Commit of a different manifest over a committed layer succeeded")
	}
	if _, err := l2.CreateFile(ctx, "late"); err == nil {
		t.Error("CreateFile after Commit succeeded")
	}
	for _, name := range []string{"MANIFEST.json.zst", "MANIFEST.sha256", "../x", "/abs", ""} {
		if _, err := c2.ResumeLayer("2026/01/01-000000.00", KindFull, nil).CreateFile(ctx, name); err == nil {
			t.Errorf("CreateFile(%q) succeeded", name)
		}
	}
	if _, err := c2.ResumeLayer("not/a/layer", KindFull, nil).CreateFile(ctx, "x"); err == nil {
		t.Error("CreateFile in a bad resumed path succeeded")
	}
}

func testOpenChecksMarker(t *testing.T, loc location) {
	st, _ := loc.open(t)
	w, _ := st.Create(ctx, "somebody/else.txt")
	w.Write([]byte("hi"))
	w.Close()
	if _, err := Open(ctx, st); !errors.Is(err, ErrNotACollection) {
		t.Errorf("Open on foreign files: %v", err)
	}
	if msg := ErrNotACollection.Error(); !strings.Contains(msg, "choose an empty folder or bucket prefix") {
		t.Errorf("message %q", msg)
	}

	st2, _ := loc.open(t)
	w, _ = st2.Create(ctx, "COLLECTION.json")
	w.Write([]byte(`{"format":"strata-collection","format_version":99,"id":"x"}`))
	w.Close()
	if _, err := Open(ctx, st2); err == nil || !strings.Contains(err.Error(), "written by a newer Strata (format 99") {
		t.Errorf("Open on newer collection: %v", err)
	}

	st3, _ := loc.open(t)
	c := openCollection(t, st3)
	if c.Marker().FormatVersion != FormatVersion || c.Marker().ID == "" || c.Marker().CreatedAt.IsZero() {
		t.Errorf("marker %+v", c.Marker())
	}
	if again := openCollection(t, st3); again.Marker() != c.Marker() {
		t.Errorf("reopened marker %+v, want %+v", again.Marker(), c.Marker())
	}
}

// testOpenedAtOnce: backups that open a new collection at the same time
// (the databases of a cluster's first managed run) all get the one
// collection one of them made.
func testOpenedAtOnce(t *testing.T, loc location) {
	const openers = 8
	st, _ := loc.open(t)
	ids := make([]string, openers)
	errs := make([]error, openers)
	var wg sync.WaitGroup
	for i := range openers {
		wg.Go(func() {
			c, err := Open(ctx, st)
			if errs[i] = err; err == nil {
				ids[i] = c.Marker().ID
			}
		})
	}
	wg.Wait()
	for i := range openers {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Errorf("opener %d: collection %q, %v; want %q", i, ids[i], errs[i], ids[0])
		}
	}
}

func testNewerManifest(t *testing.T, loc location) {
	st, _ := loc.open(t)
	c := openCollection(t, st)
	m, _ := fullBackup(t, c, end1, "shop")
	replace(t, st, m.Path+"/MANIFEST.json.zst", func([]byte) []byte {
		return manifestEncoder.EncodeAll([]byte(`{"format_version":7,"path":"`+m.Path+`"}`), nil)
	})
	replace(t, st, m.Path+"/MANIFEST.sha256", func([]byte) []byte {
		b, _ := readObject(ctx, st, m.Path+"/MANIFEST.json.zst", 1<<20)
		return []byte(sha256hex(b) + "  MANIFEST.json.zst\n")
	})
	_, err := c.Resolve(ctx, "LATEST", "shop")
	if err == nil || !strings.Contains(err.Error(), "written by a newer Strata (format 7") {
		t.Errorf("newer manifest: %v", err)
	}
}

func testResolve(t *testing.T, loc location) {
	st, _ := loc.open(t)
	c := openCollection(t, st)
	if _, err := c.Resolve(ctx, "LATEST", "shop"); !errors.Is(err, ErrNoBackup) {
		t.Errorf("Resolve on empty collection: %v", err)
	}
	if _, err := c.LatestChain(ctx); !errors.Is(err, ErrNoBackup) {
		t.Errorf("LatestChain on empty collection: %v", err)
	}
	a1, _ := fullBackup(t, c, end1, "shop")
	b1, _ := fullBackup(t, c, end1.Add(time.Hour), "crm")
	a2, _ := fullBackup(t, c, end1.Add(2*time.Hour), "shop")
	for _, tc := range []struct{ spec, db, want, err string }{
		{"LATEST", "shop", a2.Path, ""},
		{"latest", "crm", b1.Path, ""},
		{"LATEST", "", "", "several databases (crm, shop): name the database"},
		{"LATEST", "hr", "", "no backup of database hr in this collection"},
		{a1.Path, "shop", a1.Path, ""},
		{"/" + a1.Path + "/", "", a1.Path, ""},
		{a1.Path, "crm", "", "is of database shop, not crm"},
		{"2026/01/01-000000.00", "", "", "no backup at path 2026/01/01-000000.00"},
		{"../etc", "", "", "not a backup path"},
	} {
		m, err := c.Resolve(ctx, tc.spec, tc.db)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Resolve(%q, %q) = %v, want error %q", tc.spec, tc.db, err, tc.err)
		case tc.err == "" && (err != nil || m.Path != tc.want):
			t.Errorf("Resolve(%q, %q) = %v, %v; want %s", tc.spec, tc.db, m, err, tc.want)
		}
	}
	if chain, _ := c.LatestChain(ctx); chain != a2.Path {
		t.Errorf("LatestChain = %s", chain)
	}
}

// TestFileWriterMemory checks that writing a large file keeps memory
// bounded on every backend: nothing buffers the whole file.
func TestFileWriterMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 200 MiB")
	}
	forEachLocation(t, func(t *testing.T, loc location) {
		st, _ := loc.open(t)
		testMemory(t, st)
	})
}

func testMemory(t *testing.T, st *storage.Store) {
	c := openCollection(t, st)
	l, err := c.BeginLayer(ctx, KindFull, end1, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// Mostly repetitive rows compress fast (the race detector slows zstd a
	// lot); a fresh random part keeps the stored file large.
	chunk := bytes.Repeat(payload(1, 64<<10), 16)
	rnd := rand.NewChaCha8([32]byte{})
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, uint64(0)

	w, err := l.CreateFile(ctx, "data/1/big.copy.zst")
	if err != nil {
		t.Fatal(err)
	}
	const total = 200
	for i := range total {
		rnd.Read(chunk[:128<<10])
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	fi, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapAlloc)
	if fi.RawSize != total<<20 {
		t.Errorf("raw size %d", fi.RawSize)
	}
	growth := int64(peak) - int64(base)
	t.Logf("heap growth while writing %d MiB: %.1f MiB (stored %.1f MiB)", total, float64(growth)/(1<<20), float64(fi.Size)/(1<<20))
	if growth > 64<<20 {
		t.Errorf("heap grew by %d MiB while writing one file", growth>>20)
	}
	if a, err := st.Stat(ctx, l.Path()+"/data/1/big.copy.zst"); err != nil || a.Size != fi.Size {
		t.Errorf("stored object %+v, %v; manifest size %d", a, err, fi.Size)
	}
}

// testSameEndClaimedOnce: backups of two databases ending in the same
// hundredth of a second race for one folder; exactly one gets it, the other
// is told to take a new snapshot, and nothing of the winner is touched.
func testSameEndClaimedOnce(t *testing.T, loc location) {
	st, _ := loc.open(t)
	c := openCollection(t, st)
	end := time.Date(2026, 11, 24, 0, 13, 24, 190_000_000, time.UTC)
	const racers = 6
	var wg sync.WaitGroup
	layers := make([]*Layer, racers)
	errs := make([]error, racers)
	for i := range racers {
		wg.Go(func() {
			layers[i], errs[i] = c.BeginLayer(ctx, KindFull, end.Add(time.Duration(i)*time.Millisecond), "", time.Time{})
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrLayerTaken):
			t.Errorf("racer %d: %v, want ErrLayerTaken", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d backups got the folder, want exactly 1", won)
	}
}
