package collection

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// What a collection holds may have been written by anyone who can write
// its location. The fuzz targets below run over their seeds as ordinary
// tests; to look for more:
//
//	go test -fuzz=FuzzIndexEntry -fuzztime=60s -parallel=1 ./internal/collection

// FuzzIndexEntry: whatever bytes sit under an index entry's key, and
// whatever the key, the entry is either used as the layer its key names
// or reported damaged naming a chain that parses (or none).
func FuzzIndexEntry(f *testing.F) {
	end := time.Date(2026, 11, 23, 19, 37, 0, 120000000, time.UTC)
	lp, _ := parseLayerPath(FullPath(end))
	s := Summary{ID: "a", Kind: KindFull, Path: lp.path, Chain: lp.chain, Database: "shop", EndTime: end}
	good, _ := json.Marshal(s)
	key := lp.chainIndexDir() + desc(end) + "_full_a.json"
	f.Add(key, good)
	f.Add(key, []byte(`{"id":"a","kind":"incremental","path":"2026/11/23-193700.12","chain":"2026/11/23-193700.12"}`))
	f.Add("index/0000000000000000_2026-11-23-193700.12/x_full_a.json", good)
	f.Add("index/_/x_full_.json", []byte(`null`))
	f.Fuzz(func(t *testing.T, key string, data []byte) {
		if chain := chainOfIndexKey(key); chain != "" {
			if lp, err := parseLayerPath(chain); err != nil || lp.kind != KindFull {
				t.Fatalf("key %q names chain %q, which is not a full backup's path: %v", key, chain, err)
			}
		}
		var s Summary
		if json.Unmarshal(data, &s) != nil || checkSummary(key, s) != nil {
			return
		}
		lp, err := parseLayerPath(s.Path)
		if err != nil || lp.kind != s.Kind || lp.chain != s.Chain || chainOfIndexKey(key) != s.Chain {
			t.Fatalf("entry %q at %q used as %+v (%v)", data, key, s, err)
		}
	})
}

// FuzzManifest: whatever a manifest's JSON says, it decodes to the layer
// its folder names or is refused; a newer format is refused by name.
func FuzzManifest(f *testing.F) {
	m := Manifest{FormatVersion: FormatVersion, Kind: KindFull, Path: "2026/11/23-193700.12", Chain: "2026/11/23-193700.12", Database: "shop",
		Tables: []Table{{Schema: "public", Name: "t", Columns: []string{"id"}, Files: []FileInfo{{Name: "data/1/0001.copy.zst", Size: 10}}}}}
	js, _ := json.Marshal(m)
	f.Add(js)
	f.Add([]byte(`{"format_version": 99}`))
	f.Add([]byte(`{"kind":"full","path":"2026/11/23-193700.12","tables":[{"files":[{"name":"../../x"}]}]}`))
	enc, _ := zstd.NewWriter(nil)
	lp, _ := parseLayerPath(m.Path)
	f.Fuzz(func(t *testing.T, js []byte) {
		got, err := decodeManifest(lp, enc.EncodeAll(js, nil))
		if err != nil {
			return
		}
		if got.Path != lp.path || got.Kind != lp.kind || got.FormatVersion > FormatVersion {
			t.Fatalf("%q decoded as %s %s, format %d", js, got.Kind, got.Path, got.FormatVersion)
		}
	})
}
