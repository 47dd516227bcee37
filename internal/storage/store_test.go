package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stratabackup/strata/internal/testutil"
	"github.com/stratabackup/strata/internal/testutil/minio"
	"github.com/stratabackup/strata/internal/usererror"
)

var ctx = context.Background()

// openFile opens a new, empty location in a local folder.
func openFile(t *testing.T) *Store {
	return mustOpen(t, "file://"+t.TempDir()+"/collection", Credentials{})
}

// s3Opener starts a MinIO server that lives as long as t and returns a
// function that opens a new, empty location on it (a prefix of one bucket)
// for each call.
func s3Opener(t *testing.T) func(t *testing.T) *Store {
	srv := minio.Start(t)
	srv.CreateBucket(t, "strata")
	var (
		mu sync.Mutex
		n  int
	)
	return func(t *testing.T) *Store {
		mu.Lock()
		n++
		prefix := fmt.Sprintf("test%d/collection", n)
		mu.Unlock()
		return mustOpen(t, srv.URI("strata", prefix), Credentials{srv.AccessKey, srv.SecretKey})
	}
}

func mustOpen(t *testing.T, uri string, creds Credentials) *Store {
	t.Helper()
	loc, err := Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, loc, creds)
	if err != nil {
		t.Fatalf("open %s: %v", uri, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func put(t *testing.T, s *Store, key string, data []byte) {
	t.Helper()
	w, err := s.Create(ctx, key)
	if err != nil {
		t.Fatalf("create %s: %v", key, err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatalf("write %s: %v", key, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close %s: %v", key, err)
	}
}

func get(t *testing.T, s *Store, key string) []byte {
	t.Helper()
	r, err := s.Open(ctx, key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

func keys(objs []Object) string {
	var ks []string
	for _, o := range objs {
		ks = append(ks, o.Key)
	}
	return strings.Join(ks, " ")
}

// TestBackends runs the same tests on a local folder and on S3; only the
// s3 subtest starts MinIO.
func TestBackends(t *testing.T) {
	t.Run("file", func(t *testing.T) { testBackend(t, openFile) })
	t.Run("s3", func(t *testing.T) { testBackend(t, s3Opener(t)) })
}

// testBackend tests one kind of location; open opens a new, empty one for
// each call.
func testBackend(t *testing.T, open func(t *testing.T) *Store) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open(t)) })
	t.Run("WriteOnce", func(t *testing.T) { testWriteOnce(t, open(t)) })
	t.Run("AbortLeavesNothing", func(t *testing.T) { testAbort(t, open(t)) })
	t.Run("List", func(t *testing.T) { testList(t, open(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, open(t)) })
	t.Run("KeysCannotEscape", func(t *testing.T) { testEscapes(t, open(t)) })
	t.Run("LocationsAreIsolated", func(t *testing.T) { testIsolated(t, open) })
}

func testRoundTrip(t *testing.T, s *Store) {
	small := []byte("hello, strata")
	big := make([]byte, 12<<20+123) // several S3 parts
	for i := range big {
		big[i] = byte(rand.IntN(256))
	}
	put(t, s, "a/small", small)
	put(t, s, "a/b/big.bin", big)
	put(t, s, "empty", nil)
	for key, want := range map[string][]byte{"a/small": small, "a/b/big.bin": big, "empty": {}} {
		if got := get(t, s, key); !bytes.Equal(got, want) {
			t.Errorf("%s: read %d bytes, want %d", key, len(got), len(want))
		}
		a, err := s.Stat(ctx, key)
		if err != nil || a.Size != int64(len(want)) || a.ModTime.IsZero() {
			t.Errorf("Stat(%s) = %+v, %v", key, a, err)
		}
	}
	if ok, err := s.Exists(ctx, "a/small"); !ok || err != nil {
		t.Errorf("Exists = %v, %v", ok, err)
	}
	if ok, err := s.Exists(ctx, "a/nope"); ok || err != nil {
		t.Errorf("Exists(missing) = %v, %v", ok, err)
	}
	if _, err := s.Open(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open(missing) = %v, want ErrNotFound", err)
	}
	if _, err := s.Stat(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat(folder) = %v, want ErrNotFound", err)
	}
}

func testWriteOnce(t *testing.T, s *Store) {
	put(t, s, "k", []byte("first"))
	if _, err := s.Create(ctx, "k"); !errors.Is(err, ErrExists) {
		t.Fatalf("Create(existing) = %v, want ErrExists", err)
	}
	// Two writers racing for one key: the second Close must fail and the
	// first object must be kept.
	for _, size := range []int{10, 7 << 20} {
		key := fmt.Sprintf("race-%d", size)
		w1, err := s.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		w2, err := s.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		one, two := bytes.Repeat([]byte("1"), size), bytes.Repeat([]byte("2"), size)
		w1.Write(one)
		w2.Write(two)
		if err := w1.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w2.Close(); !errors.Is(err, ErrExists) {
			t.Errorf("size %d: second Close = %v, want ErrExists", size, err)
		}
		if got := get(t, s, key); !bytes.Equal(got, one) {
			t.Errorf("size %d: object was overwritten", size)
		}
	}
	if got := get(t, s, "k"); string(got) != "first" {
		t.Errorf("k = %q", got)
	}
}

func testAbort(t *testing.T, s *Store) {
	for _, size := range []int{100, 11 << 20} {
		w, err := s.Create(ctx, "dir/aborted")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(make([]byte, size)); err != nil {
			t.Fatal(err)
		}
		// Not visible while being written.
		if _, err := s.Stat(ctx, "dir/aborted"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stat during write = %v", err)
		}
		if objs, _ := s.List(ctx, ""); len(objs) != 0 {
			t.Errorf("List during write = %s", keys(objs))
		}
		w.Abort()
		w.Abort()
		if err := w.Close(); err == nil {
			t.Error("Close after Abort succeeded")
		}
		if _, err := s.Stat(ctx, "dir/aborted"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stat after abort = %v", err)
		}
		if empty, err := s.Empty(ctx); !empty || err != nil {
			objs, _ := s.List(ctx, "")
			t.Errorf("after abort: Empty = %v, %v; objects %s", empty, err, keys(objs))
		}
	}
	// The key is still free.
	put(t, s, "dir/aborted", []byte("x"))
}

func testList(t *testing.T, s *Store) {
	for _, k := range []string{"b/2", "a-c", "a/b", "a/c/d", "a/c/e", "z", "index/x/1.json", "index/y/2.json"} {
		put(t, s, k, []byte(k))
	}
	objs, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keys(objs), "a-c a/b a/c/d a/c/e b/2 index/x/1.json index/y/2.json z"; got != want {
		t.Errorf("List = %s\nwant   %s", got, want)
	}
	for _, o := range objs {
		if o.IsDir || o.Size != int64(len(o.Key)) {
			t.Errorf("object %+v", o)
		}
	}
	objs, _ = s.List(ctx, "a/")
	if got, want := keys(objs), "a/b a/c/d a/c/e"; got != want {
		t.Errorf("List(a/) = %s, want %s", got, want)
	}
	objs, _ = s.List(ctx, "a")
	if got, want := keys(objs), "a-c a/b a/c/d a/c/e"; got != want {
		t.Errorf("List(a) = %s, want %s", got, want)
	}
	objs, _ = s.ListDir(ctx, "")
	if got, want := keys(objs), "a-c a/ b/ index/ z"; got != want {
		t.Errorf("ListDir() = %s, want %s", got, want)
	}
	for _, o := range objs {
		if o.IsDir != strings.HasSuffix(o.Key, "/") {
			t.Errorf("ListDir entry %+v", o)
		}
	}
	objs, _ = s.ListDir(ctx, "a/")
	if got, want := keys(objs), "a/b a/c/"; got != want {
		t.Errorf("ListDir(a/) = %s, want %s", got, want)
	}
	objs, err = s.List(ctx, "nothing/")
	if err != nil || len(objs) != 0 {
		t.Errorf("List(nothing/) = %v, %v", objs, err)
	}
	if empty, err := s.Empty(ctx); empty || err != nil {
		t.Errorf("Empty = %v, %v", empty, err)
	}
}

func testDelete(t *testing.T, s *Store) {
	put(t, s, "x/y/z", []byte("1"))
	put(t, s, "x/w", []byte("2"))
	if err := s.Delete(ctx, "x/y/z"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "x/y/z"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
	objs, _ := s.ListDir(ctx, "x/")
	if got := keys(objs); got != "x/w" {
		t.Errorf("after delete ListDir(x/) = %s", got)
	}
	if err := s.Delete(ctx, "x/w"); err != nil {
		t.Fatal(err)
	}
	if empty, err := s.Empty(ctx); !empty || err != nil {
		t.Errorf("Empty = %v, %v", empty, err)
	}
}

func testEscapes(t *testing.T, s *Store) {
	for _, key := range []string{"../outside", "a/../../outside", "/etc/passwd", `..\outside`, "a//b", "a\x00b", ""} {
		if _, err := s.Create(ctx, key); err == nil {
			t.Errorf("Create(%q) succeeded", key)
		}
		if _, err := s.Open(ctx, key); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v, want a key error", key, err)
		}
		if _, err := s.Stat(ctx, key); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("Stat(%q) = %v, want a key error", key, err)
		}
		if err := s.Delete(ctx, key); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("Delete(%q) = %v, want a key error", key, err)
		}
		if key != "" {
			if _, err := s.List(ctx, key); err == nil {
				t.Errorf("List(%q) succeeded", key)
			}
			if _, err := s.ListDir(ctx, key+"/"); err == nil {
				t.Errorf("ListDir(%q) succeeded", key+"/")
			}
		}
	}
}

func testIsolated(t *testing.T, open func(t *testing.T) *Store) {
	a, b := open(t), open(t)
	put(t, a, "k", []byte("a"))
	if _, err := b.Stat(ctx, "k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("object of one location seen in another: %v", err)
	}
	put(t, b, "k", []byte("b"))
	if got := get(t, a, "k"); string(got) != "a" {
		t.Errorf("a/k = %q", got)
	}
}

func TestFileLayoutOnDisk(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, "file://"+dir+"/c", Credentials{})
	put(t, s, "2026/11/23-193700.12/data/1.zst", []byte("data"))
	b, err := os.ReadFile(filepath.Join(dir, "c/2026/11/23-193700.12/data/1.zst"))
	if err != nil || string(b) != "data" {
		t.Fatalf("file on disk: %q, %v", b, err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "c/2026/11/23-193700.12/data"))
	if len(entries) != 1 {
		t.Errorf("extra files next to the object: %v", entries)
	}
	fi, _ := os.Stat(filepath.Join(dir, "c/2026/11/23-193700.12/data/1.zst"))
	if fi.Mode().Perm()&0o007 != 0 {
		t.Errorf("object readable by others: %v", fi.Mode())
	}
	// Deleting the last object removes the folders it left empty, but not
	// the location's own folder.
	if err := s.Delete(ctx, "2026/11/23-193700.12/data/1.zst"); err != nil {
		t.Fatal(err)
	}
	entries, err = os.ReadDir(filepath.Join(dir, "c"))
	if err != nil || len(entries) != 0 {
		t.Errorf("after delete: %v, %v", entries, err)
	}
	// A stray temporary file (a crash during a write) is not listed.
	os.WriteFile(filepath.Join(dir, "c", "x.0123456789abcdef.tmp"), []byte("partial"), 0o600)
	if empty, err := s.Empty(ctx); !empty || err != nil {
		t.Errorf("Empty with a stray temporary file = %v, %v", empty, err)
	}
}

// TestFileListing: the file backend lists a folder in one walk (its own,
// not fileblob's paged one) with the same answers as an object store: a
// folder is listed only when a file is below it (not when empty, or
// holding only a write in progress or a stray .attrs file), plain-string
// prefixes cut inside a name, and a limited listing stops early.
func TestFileListing(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, "file://"+dir+"/c", Credentials{})
	for _, k := range []string{"index/a/1", "index/a/2", "index/ab/3", "layers/x/m.json"} {
		put(t, s, k, []byte(k))
	}
	for _, d := range []string{"empty/deeper", "writing", "meta"} {
		if err := os.MkdirAll(filepath.Join(dir, "c", d), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "c", "writing", "x.0123456789abcdef.tmp"), []byte("partial"), 0o600)
	os.WriteFile(filepath.Join(dir, "c", "meta", "y.attrs"), []byte("{}"), 0o600)
	for _, tc := range []struct {
		prefix, delim, want string
	}{
		{"", "/", "index/ layers/"},
		{"", "", "index/a/1 index/a/2 index/ab/3 layers/x/m.json"},
		{"index/a", "", "index/a/1 index/a/2 index/ab/3"},
		{"index/a/", "", "index/a/1 index/a/2"},
		{"index/", "/", "index/a/ index/ab/"},
		{"index/a", "/", "index/a/ index/ab/"},
		{"nothing/", "", ""},
	} {
		objs, err := s.list(ctx, tc.prefix, tc.delim, 0)
		if got := keys(objs); err != nil || got != tc.want {
			t.Errorf("list(%q, %q) = %q, %v; want %q", tc.prefix, tc.delim, got, err, tc.want)
		}
	}
	if objs, err := s.list(ctx, "", "", 1); err != nil || len(objs) != 1 {
		t.Errorf("a listing limited to one: %v, %v", keys(objs), err)
	}
}

func TestFileOpenErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o600)
	loc, _ := Parse("file://" + dir + "/file")
	_, err := Open(ctx, loc, Credentials{})
	if msg, _ := usererror.Message(err); !strings.Contains(msg, "is a file, not a folder") {
		t.Errorf("open on a file: %q", msg)
	}
	loc, _ = Parse("file://" + dir + "/file/sub")
	_, err = Open(ctx, loc, Credentials{})
	if msg, _ := usererror.Message(err); !strings.Contains(msg, "is a file, not a folder") {
		t.Errorf("open under a file: %q", msg)
	}
}

// TestFileReadOnlyFolder makes the folder unwritable: by mode for a normal
// user, with the immutable attribute as root (root ignores modes).
func TestFileReadOnlyFolder(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, "file://"+dir, Credentials{})
	put(t, s, "before", []byte("x"))
	if os.Geteuid() == 0 {
		chattr, err := exec.LookPath("chattr")
		if err != nil {
			testutil.Need(t, "running as root without chattr: cannot make a folder read-only", "apt-get install e2fsprogs")
		}
		if out, err := exec.Command(chattr, "+i", dir).CombinedOutput(); err != nil {
			testutil.Need(t, fmt.Sprintf("running as root and chattr +i is refused here: %s", out), "set TMPDIR to a folder on a file system with the immutable attribute (ext4, xfs, btrfs)")
		}
		t.Cleanup(func() { exec.Command(chattr, "-i", dir).Run() })
	} else {
		os.Chmod(dir, 0o555)
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
	}
	_, err := s.Create(ctx, "after")
	if err == nil {
		t.Fatal("Create in a read-only folder succeeded")
	}
	msg, _ := usererror.Message(err)
	if !strings.Contains(msg, "permission denied on "+dir) || !strings.Contains(msg, "let the user running Strata") {
		t.Errorf("message = %q", msg)
	}
	if got := get(t, s, "before"); string(got) != "x" {
		t.Errorf("read from read-only folder: %q", got)
	}
}

func TestFileHints(t *testing.T) {
	f := &fileBucket{dir: "/backups/strata"}
	cases := []struct {
		err  error
		want string
	}{
		{&os.PathError{Op: "write", Path: "/backups/strata/x.0123456789abcdef.tmp", Err: syscall.ENOSPC},
			"the disk holding /backups/strata is full: free space or choose another collection"},
		{&os.PathError{Op: "open", Path: "/backups/strata/2026", Err: syscall.EACCES}, "permission denied on /backups/strata/2026"},
		{&os.PathError{Op: "open", Path: "/backups/strata/2026", Err: syscall.EROFS}, "read-only file system"},
		{errors.New("other"), ""},
	}
	for _, c := range cases {
		err := wrap("create", "x", c.err, f.Hint)
		got, ok := usererror.Message(err)
		if c.want == "" {
			if ok || err.Error() != "storage: create x: other" {
				t.Errorf("no hint: %q, %v (error %q)", got, ok, err)
			}
			continue
		}
		if !errors.Is(err, c.err) || !strings.HasPrefix(err.Error(), "storage: create x: ") {
			t.Errorf("hinted error %q does not wrap %v", err, c.err)
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("hint for %v = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestS3Hints(t *testing.T) {
	srv := minio.Start(t)
	srv.CreateBucket(t, "strata")
	creds := Credentials{srv.AccessKey, srv.SecretKey}
	open := func(uri string, c Credentials) error {
		loc, err := Parse(uri)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Open(ctx, loc, c)
		if err == nil {
			s.Close()
		}
		return err
	}
	cases := []struct {
		name  string
		uri   string
		creds Credentials
		want  string
	}{
		{"missing bucket", srv.URI("nope", "x"), creds, `bucket "nope" does not exist at ` + srv.Endpoint + `: create it, or correct the bucket name`},
		{"wrong secret", srv.URI("strata", "x"), Credentials{srv.AccessKey, "wrong-secret"}, srv.Endpoint + " refused the credentials: check the access key ID and secret access key"},
		{"unknown key", srv.URI("strata", "x"), Credentials{"nobody", "wrong-secret"}, "refused the credentials"},
		{"no credentials", srv.URI("strata", "x"), Credentials{}, "access denied to s3://strata/x"},
		{"half credentials", srv.URI("strata", "x"), Credentials{AccessKeyID: "a"}, "enter both the access key ID and the secret access key"},
		{"unreachable", "s3://strata/x?endpoint=http://127.0.0.1:1&path_style=true", creds, "cannot reach http://127.0.0.1:1: check the endpoint address and that the server is running"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := open(c.uri, c.creds)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if msg, _ := usererror.Message(err); !strings.Contains(msg, c.want) {
				t.Errorf("message = %q\nwant %q\nerror: %v", msg, c.want, err)
			}
			if strings.Contains(err.Error(), "wrong-secret") || strings.Contains(err.Error(), srv.SecretKey) {
				t.Errorf("error shows a secret: %v", err)
			}
		})
	}
	if err := open(srv.URI("strata", "x"), creds); err != nil {
		t.Fatalf("good credentials: %v", err)
	}
	// With an endpoint, path-style requests are the default.
	if err := open("s3://strata/x?endpoint="+srv.Endpoint, creds); err != nil {
		t.Fatalf("endpoint without path_style: %v", err)
	}
}
