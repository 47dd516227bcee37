package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/collection"
)

// TestChangeWriterRotatesAndKeepsOrder writes interleaved batches of more
// tables than may be open at once, with a tiny file limit, and reads every
// table's files back in order.
func TestChangeWriterRotatesAndKeepsOrder(t *testing.T) {
	ctx := context.Background()
	c := newTestCollection(t)
	layer, err := c.BeginLayer(ctx, collection.KindFull, time.Now(), "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	defer layer.Abort(ctx)
	rel := &relation{Columns: []string{"id", "v"}, Types: []uint32{23, 25}, Key: []bool{true, false}}
	w := newChangeWriter(ctx, layer, 300)
	want := map[uint32][]string{}
	for round := range 5 {
		for table := uint32(1); table <= 12; table++ {
			var batch []*change
			for i := range 3 {
				v := fmt.Sprintf("t%d r%d c%d", table, round, i)
				batch = append(batch, &change{Op: opInsert, LSN: uint64(round), Rel: rel, New: []value{{Kind: valText, Data: []byte("1")}, {Kind: valText, Data: []byte(v)}}})
				want[table] = append(want[table], v)
			}
			w.write(table, batch)
		}
	}
	if err := w.finish(false); err != nil {
		t.Fatal(err)
	}
	for table, values := range want {
		files := w.files[table]
		if len(files) < 2 {
			t.Errorf("table %d: %d files; want rotation at the limit or when others push it out", table, len(files))
		}
		var got []string
		for i, f := range files {
			if name := fmt.Sprintf("changes/%d/%04d.chg.zst", table, i+1); f.Name != name {
				t.Errorf("file %d of table %d is %s, want %s", i, table, f.Name, name)
			}
			raw := readLayerFile(t, c, &collection.Manifest{Path: layer.Path()}, f) // checks size and SHA-256 too
			dec := newChangeDecoder(bytes.NewReader(raw))
			var n int64
			for {
				ch, err := dec.next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, string(ch.New[1].Data))
				n++
			}
			if n != f.Rows {
				t.Errorf("%s: %d changes, manifest rows %d", f.Name, n, f.Rows)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(values) {
			t.Errorf("table %d: changes %v, want %v", table, got, values)
		}
	}
}
