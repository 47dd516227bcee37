package engine

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

func TestPlanChunks(t *testing.T) {
	const bs = 8192
	tables := []*tableInfo{
		{OID: 1, HeapBytes: 100 * bs, TableBytes: 100 * bs}, // 800 KiB
		{OID: 2, HeapBytes: 0, TableBytes: 0},               // empty
		{OID: 3, HeapBytes: 2 * bs, TableBytes: 10 << 20},   // big TOAST, two heap pages
		{OID: 4, HeapBytes: 10 * bs, TableBytes: 10*bs - 1}, // just under one chunk
	}
	plan := planChunks(tables, 10*bs, bs)
	per := map[uint32][]chunk{}
	for _, c := range plan {
		per[c.Table] = append(per[c.Table], c)
	}
	if got := per[1]; len(got) != 10 || got[0].From != 0 || got[9].N != 10 || got[9].Of != 10 {
		t.Errorf("table 1: %+v", got)
	} else {
		for i := 1; i < len(got); i++ {
			if got[i].From != got[i-1].To {
				t.Errorf("ranges not contiguous: %+v then %+v", got[i-1], got[i])
			}
		}
	}
	if got := per[2]; len(got) != 1 || got[0].Of != 1 {
		t.Errorf("empty table: %+v", got)
	}
	if got := per[3]; len(got) != 2 { // no more chunks than heap pages
		t.Errorf("toast table: %+v", got)
	}
	if got := per[4]; len(got) != 1 {
		t.Errorf("small table: %+v", got)
	}
	if name := per[1][2].fileName(); name != "data/1/0003.copy.zst" {
		t.Errorf("file name %q", name)
	}
}

func TestCopySQLQuotesAndBounds(t *testing.T) {
	tb := &tableInfo{Schema: "Ünïcode Schema", Name: `Mixed "Case"`, Columns: []string{"a b", "ID"}}
	if got, want := copySQL(tb, chunk{N: 1, Of: 1}), `COPY "Ünïcode Schema"."Mixed ""Case""" ("a b", "ID") TO STDOUT`; got != want {
		t.Errorf("whole table:\n%s\nwant\n%s", got, want)
	}
	first := copySQL(tb, chunk{N: 1, Of: 3, From: 0, To: 10})
	mid := copySQL(tb, chunk{N: 2, Of: 3, From: 10, To: 20})
	last := copySQL(tb, chunk{N: 3, Of: 3, From: 20, To: 30})
	if !strings.HasSuffix(first, `FROM ONLY "Ünïcode Schema"."Mixed ""Case""" WHERE ctid < '(10,0)'::tid) TO STDOUT`) {
		t.Errorf("first: %s", first)
	}
	if !strings.Contains(mid, `WHERE ctid >= '(10,0)'::tid AND ctid < '(20,0)'::tid`) {
		t.Errorf("middle: %s", mid)
	}
	if !strings.Contains(last, `WHERE ctid >= '(20,0)'::tid)`) || strings.Contains(last, "30") {
		t.Errorf("last chunk must be open-ended: %s", last)
	}
}

// TestCtidChunksCoverEveryRow backs up a table split in many ctid ranges,
// after updates and deletes moved rows around and left holes, and checks
// every row is in the backup exactly once.
func TestCtidChunksCoverEveryRow(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "split")
	s.Exec(t, "split", `
CREATE TABLE t (id int PRIMARY KEY, v text, pad text);
INSERT INTO t SELECT g, md5(g::text), repeat('x', 100) FROM generate_series(1, 60000) g;
DELETE FROM t WHERE id % 7 = 0;
UPDATE t SET v = v || '!' WHERE id % 5 = 0;   -- new versions go to other pages
INSERT INTO t SELECT g, 'late', NULL FROM generate_series(60001, 61000) g;`)
	c := newTestCollection(t)
	p := params(s, "split")
	p.ChunkBytes = 256 << 10
	p.Parallel = 3
	m, err := New(nil).Backup(context.Background(), p, c, &fakeTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Tables[0].Files); n < 8 {
		t.Fatalf("only %d chunks: want a table split in many", n)
	}
	got := backupContents(t, c, m)["public.t"]
	want := expectedContents(t, s.DSN("split"), m)["public.t"]
	if len(got) != len(want) || !slices.Equal(got, want) {
		t.Fatalf("backup has %d rows, table %d (or the rows differ)", len(got), len(want))
	}
	if len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Error("a row appears twice")
	}
}

// TestBackupMemoryIsBounded backs up a table of over 200 MB of COPY text
// in small chunks and checks the heap does not grow with the table.
func TestBackupMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 200 MB table")
	}
	s := pgtest.Start(t)
	s.CreateDatabase(t, "big")
	s.Exec(t, "big", `
CREATE TABLE big (id bigint PRIMARY KEY, a text, b text, n numeric, at timestamptz);
INSERT INTO big SELECT g, md5(g::text) || md5((g * 31)::text), repeat(chr(65 + g % 26), 40), g * 1.25,
                       TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * INTERVAL '1 second'
FROM generate_series(1, 1500000) g;
ANALYZE big;`)
	c := newTestCollection(t)
	p := params(s, "big")
	p.ChunkBytes = 16 << 20

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
		}
	}()
	start := time.Now()
	m, err := New(nil).Backup(context.Background(), p, c, &fakeTracker{})
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	tb := m.Tables[0]
	if tb.RawBytes < 200<<20 || tb.Rows != 1500000 {
		t.Fatalf("backed up %d bytes, %d rows: want over 200 MB and every row", tb.RawBytes, tb.Rows)
	}
	growth := int64(peak.Load()) - int64(base)
	t.Logf("%d MB of COPY text in %d files (%d MB stored) in %v: %.0f MB/s; heap grew by at most %d MiB",
		tb.RawBytes>>20, len(tb.Files), tb.StoredBytes>>20, elapsed.Round(time.Millisecond),
		float64(tb.RawBytes)/1e6/elapsed.Seconds(), growth>>20)
	if growth > 100<<20 {
		t.Errorf("heap grew by %d MiB backing up a %d MiB table: memory is not bounded", growth>>20, tb.RawBytes>>20)
	}
}
