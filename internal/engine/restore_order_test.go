package engine

import (
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/collection"
)

func TestInterleaveTables(t *testing.T) {
	big := &collection.Table{Name: "big"}
	mid := &collection.Table{Name: "mid"}
	small := &collection.Table{Name: "small"}
	f := func(tb *collection.Table, name string, size int64) chunkWork {
		return chunkWork{table: tb, file: collection.FileInfo{Name: name, RawSize: size}}
	}
	got := interleaveTables([]chunkWork{
		f(small, "s1", 5), f(big, "b1", 100), f(big, "b2", 100), f(big, "b3", 40), f(mid, "m1", 60), f(mid, "m2", 50),
	})
	var names []string
	for _, w := range got {
		names = append(names, w.file.Name)
	}
	want := "b1 m1 s1 b2 m2 b3"
	if s := strings.Join(names, " "); s != want {
		t.Fatalf("order %s, want %s", s, want)
	}
}
