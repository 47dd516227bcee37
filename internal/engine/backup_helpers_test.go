package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/klauspost/compress/zstd"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/pgserver"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
	"github.com/stratabackup/strata/internal/usererror"
)

// fakeTracker records what the engine reports and answers Boundary with a
// pause or cancel at a chosen call, or runs a hook there.
type fakeTracker struct {
	mu          sync.Mutex
	checkpoints []json.RawMessage
	boundaries  int
	pauseAt     int            // Boundary call (1-based) that returns cluster.ErrPauseRequested
	cancelAt    int            // Boundary call that returns cluster.ErrCancelRequested
	onBoundary  func(n int)    // runs at every Boundary call
	phases      map[string]int // Progress calls per phase
	reverting   bool
}

func (f *fakeTracker) Progress(phase string, bytesDone, bytesTotal, rowsDone, rowsTotal int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.phases == nil {
		f.phases = map[string]int{}
	}
	f.phases[phase]++
}

func (f *fakeTracker) Checkpoint(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checkpoints = append(f.checkpoints, b)
	return nil
}

func (f *fakeTracker) Boundary(ctx context.Context) error {
	f.mu.Lock()
	f.boundaries++
	n, hook := f.boundaries, f.onBoundary
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	switch n {
	case f.pauseAt:
		return cluster.ErrPauseRequested
	case f.cancelAt:
		return cluster.ErrCancelRequested
	}
	return ctx.Err()
}

func (f *fakeTracker) Reverting() {
	f.mu.Lock()
	f.reverting = true
	f.mu.Unlock()
}

func (f *fakeTracker) lastCheckpoint(t *testing.T) json.RawMessage {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.checkpoints) == 0 {
		t.Fatal("no checkpoint saved")
	}
	return f.checkpoints[len(f.checkpoints)-1]
}

// fixtureServer starts a server (with opts) holding the fixture in "fixture".
func fixtureServer(t *testing.T, opts ...func(*pgserver.Options)) *pgtest.Server {
	t.Helper()
	s := pgtest.Start(t, opts...)
	loadFixture(t, s, "fixture")
	return s
}

func params(s *pgtest.Server, db string) BackupParams {
	return BackupParams{JobID: "job-" + strings.ReplaceAll(db, " ", ""), DSN: s.DSN(db), Database: db, Cluster: "test", CreatedBy: "tester"}
}

// slots lists the replication slots on s.
func slots(t *testing.T, s *pgtest.Server) []string {
	t.Helper()
	rows, err := s.Connect(t, "postgres").Query(context.Background(), "SELECT slot_name FROM pg_replication_slots ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// expectedContents is what a backup of dsn's tables (as listed in m) must
// hold: each table's non-generated columns as sorted COPY lines.
func expectedContents(t *testing.T, dsn string, m *collection.Manifest) map[string][]string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	out := map[string][]string{}
	for _, tb := range m.Tables {
		cols := make([]string, len(tb.Columns))
		for i, col := range tb.Columns {
			cols[i] = pgx.Identifier{col}.Sanitize()
		}
		var buf bytes.Buffer
		q := "COPY (SELECT " + strings.Join(cols, ", ") + " FROM ONLY " + pgx.Identifier{tb.Schema, tb.Name}.Sanitize() + ") TO STDOUT"
		if tb.Format == formatBinary {
			q += " (FORMAT binary)"
		}
		if _, err := c.PgConn().CopyTo(ctx, &buf, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out[tb.QualifiedName()] = sortedRows(t, tb.Format, buf.Bytes())
	}
	return out
}

// currentContents is what a backup of dsn taken now must hold: every leaf
// table's copied columns as sorted COPY lines.
func currentContents(t *testing.T, dsn string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	tables, err := readTables(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	m := &collection.Manifest{}
	for _, tb := range tables {
		if !tb.Partitioned {
			mt := collection.Table{Schema: tb.Schema, Name: tb.Name, Columns: tb.Columns}
			if tb.Binary {
				mt.Format = formatBinary
			}
			m.Tables = append(m.Tables, mt)
		}
	}
	return expectedContents(t, dsn, m)
}

// sortedRows splits COPY output in format into rows, sorted: text lines, or
// binary tuples as hex.
func sortedRows(t *testing.T, format string, b []byte) []string {
	t.Helper()
	if format != formatBinary {
		return sortedLines(b)
	}
	rows := binaryTuples(t, b)
	sort.Strings(rows)
	return rows
}

// binaryTuples splits a whole binary COPY stream into its tuples (as hex),
// independently of binaryRowCounter, failing on any malformation.
func binaryTuples(t *testing.T, b []byte) []string {
	t.Helper()
	if len(b) < binaryHeaderLen || string(b[:11]) != "PGCOPY\n\xff\r\n\x00" {
		t.Fatalf("binary COPY without its header")
	}
	p := binaryHeaderLen + int(binary.BigEndian.Uint32(b[15:19]))
	rows := []string{}
	for {
		if p+2 > len(b) {
			t.Fatalf("binary COPY ends without its trailer")
		}
		n := int16(binary.BigEndian.Uint16(b[p:]))
		if n == -1 {
			if p+2 != len(b) {
				t.Fatalf("%d bytes after the binary COPY trailer", len(b)-p-2)
			}
			return rows
		}
		start := p
		p += 2
		for range n {
			l := int32(binary.BigEndian.Uint32(b[p:]))
			p += 4 + max(0, int(l))
		}
		rows = append(rows, hex.EncodeToString(b[start:p]))
	}
}

func sortedLines(b []byte) []string {
	if len(b) == 0 {
		return []string{}
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	sort.Strings(lines)
	return lines
}

// backupContents reads every table's files back from the collection
// (checking sizes, SHA-256 and row counts) as sorted COPY lines.
func backupContents(t *testing.T, c *collection.Collection, m *collection.Manifest) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, tb := range m.Tables {
		all := []string{}
		var rows int64
		for _, f := range tb.Files {
			raw := readLayerFile(t, c, m, f)
			if int64(len(raw)) != f.RawSize {
				t.Errorf("%s: raw size %d, manifest says %d", f.Name, len(raw), f.RawSize)
			}
			fileRows := sortedRows(t, tb.Format, raw)
			if n := int64(len(fileRows)); n != f.Rows {
				t.Errorf("%s: %d rows, manifest says %d", f.Name, n, f.Rows)
			}
			rows += f.Rows
			all = append(all, fileRows...)
		}
		if rows != tb.Rows {
			t.Errorf("%s: files hold %d rows, table says %d", tb.QualifiedName(), rows, tb.Rows)
		}
		sort.Strings(all)
		out[tb.QualifiedName()] = all
	}
	return out
}

func compareContents(t *testing.T, got, want map[string][]string) {
	t.Helper()
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("table %s missing from the backup", name)
			continue
		}
		if len(g) != len(w) {
			t.Errorf("%s: %d rows in the backup, want %d", name, len(g), len(w))
			continue
		}
		for i := range w {
			if g[i] != w[i] {
				t.Errorf("%s: row differs:\n got %q\nwant %q", name, g[i], w[i])
				break
			}
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected table %s in the backup", name)
		}
	}
}

func wantUserError(t *testing.T, err error, contains ...string) {
	t.Helper()
	msg, ok := usererror.Message(err)
	if !ok {
		t.Fatalf("want a user error, got %T %v", err, err)
	}
	for _, s := range contains {
		if !strings.Contains(msg, s) {
			t.Errorf("user error %q does not say %q", msg, s)
		}
	}
}

// readLayerFile reads one of a layer's files straight from storage,
// checking its stored size and SHA-256, and returns it decompressed.
func readLayerFile(t *testing.T, c *collection.Collection, m *collection.Manifest, f collection.FileInfo) []byte {
	t.Helper()
	ctx := context.Background()
	r, err := c.Store().Open(ctx, m.Path+"/"+f.Name)
	if err != nil {
		t.Fatalf("open %s: %v", f.Name, err)
	}
	defer r.Close()
	stored, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(stored)) != f.Size {
		t.Errorf("%s: %d bytes stored, manifest says %d", f.Name, len(stored), f.Size)
	}
	if sum := sha256.Sum256(stored); hex.EncodeToString(sum[:]) != f.SHA256 {
		t.Errorf("%s: SHA-256 differs from the manifest", f.Name)
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	raw, err := dec.DecodeAll(stored, nil)
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	return raw
}

// assertNoFiles checks the collection holds nothing but its marker: no
// partial data files, no manifest, no index entry.
func assertNoFiles(t *testing.T, c *collection.Collection) {
	t.Helper()
	objs, err := c.Store().List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.Key != "COLLECTION.json" {
			t.Errorf("left in the collection: %s", o.Key)
		}
	}
}
