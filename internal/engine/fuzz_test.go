package engine

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

// Stored files a restore parses (schema and large-object archives, change
// files) come from storage, which an attacker or a fault may have written:
// whatever the bytes, parsing ends with entries or an error, never a panic
// or a huge allocation. Seeds: testdata/fuzz (real pg_dump archives) and
// those added here. Run with go test -fuzz=FuzzReadTOC ./internal/engine.

func FuzzReadTOC(f *testing.F) {
	f.Add([]byte("PGDMP"))
	f.Add([]byte("PGDMP\x01\x0e\x00\x04\x08\x01\x00\x00\x00\x00\x00\x00\x06\x00\x00\x00\x00\xff\xff\xff\x7f"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := readTOC(bytes.NewReader(data))
		if err != nil && entries != nil {
			t.Fatalf("entries returned with an error: %v", err)
		}
		// What parses is a table of contents a restore can use: every
		// entry has the id pg_restore -L refers to it by.
		for _, e := range entries {
			if e.ID <= 0 {
				t.Fatalf("entry without an id: %+v", e)
			}
		}
	})
}

func FuzzChangeDecoder(f *testing.F) {
	var buf bytes.Buffer
	enc := newChangeEncoder(&buf)
	rel := &relation{Columns: []string{"id", "v"}, Types: []uint32{23, 25}, Key: []bool{true, false}}
	for _, c := range []*change{
		{Op: opInsert, Rel: rel, LSN: 10, Time: 1700000000000000, New: []value{{Kind: valText, Data: []byte("1")}, {Kind: valNull}}},
		{Op: opUpdate, Rel: rel, LSN: 11, Time: 1700000000000001, Old: []value{{Kind: valText, Data: []byte("1")}, {Kind: valNull}}, New: []value{{Kind: valText, Data: []byte("1")}, {Kind: valUnchanged}}},
		{Op: opDelete, Rel: rel, LSN: 12, Time: 1700000000000002, Old: []value{{Kind: valText, Data: []byte("1")}, {Kind: valNull}}},
		{Op: opTruncate, Rel: rel, LSN: 13, Time: 1700000000000003},
	} {
		if err := enc.write(c); err != nil {
			f.Fatal(err)
		}
	}
	if err := enc.flush(); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{opRelation, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{opRelation, 1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		var decoded []*change
		d := newChangeDecoder(bytes.NewReader(data))
		for {
			c, err := d.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if !errors.Is(err, errBadChangeFile) {
					t.Fatalf("error %v is not errBadChangeFile", err)
				}
				return
			}
			decoded = append(decoded, c)
		}
		// What decodes re-encodes to changes that decode the same.
		var again bytes.Buffer
		enc := newChangeEncoder(&again)
		for _, c := range decoded {
			if err := enc.write(c); err != nil {
				t.Fatal(err)
			}
		}
		if err := enc.flush(); err != nil {
			t.Fatal(err)
		}
		d = newChangeDecoder(&again)
		for i, want := range decoded {
			got, err := d.next()
			if err != nil {
				t.Fatalf("change %d does not decode again: %v", i, err)
			}
			if got.Op != want.Op || got.LSN != want.LSN || got.Time != want.Time || !reflect.DeepEqual(got.Old, want.Old) || !reflect.DeepEqual(got.New, want.New) || !got.Rel.same(want.Rel) {
				t.Fatalf("change %d: got %+v, want %+v", i, got, want)
			}
		}
	})
}
