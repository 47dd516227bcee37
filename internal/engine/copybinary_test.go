package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// binaryStream builds a binary COPY stream: a header with an extension of
// ext bytes, then the tuples (nil field: NULL), then the trailer.
func binaryStream(ext int, tuples ...[][]byte) []byte {
	var b bytes.Buffer
	b.WriteString("PGCOPY\n\xff\r\n\x00")
	b.Write([]byte{0, 0, 0, 0})
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(ext)))
	b.Write(bytes.Repeat([]byte{7}, ext))
	for _, tu := range tuples {
		b.Write(binary.BigEndian.AppendUint16(nil, uint16(len(tu))))
		for _, f := range tu {
			if f == nil {
				b.Write([]byte{0xff, 0xff, 0xff, 0xff})
				continue
			}
			b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(f))))
			b.Write(f)
		}
	}
	b.Write([]byte{0xff, 0xff})
	return b.Bytes()
}

func TestBinaryRowCounterAnySplit(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 70000)
	stream := binaryStream(5,
		[][]byte{[]byte("abc"), nil, {}},
		[][]byte{},         // a tuple of no columns
		[][]byte{big, nil}, // a value longer than any write
		[][]byte{{0xff, 0xff}, {0, 0, 0, 0}},
	)
	for cut := 0; cut <= len(stream); cut += 1 + cut/100 {
		for cut2 := cut; cut2 <= len(stream); cut2 += 1 + cut2/50 {
			var c binaryRowCounter
			var rows int64
			for _, part := range [][]byte{stream[:cut], stream[cut:cut2], stream[cut2:]} {
				n, err := c.write(part)
				if err != nil {
					t.Fatalf("cut %d/%d: %v", cut, cut2, err)
				}
				rows += n
			}
			if rows != 4 || !c.done() {
				t.Fatalf("cut %d/%d: %d rows, done %v; want 4 rows and the trailer", cut, cut2, rows, c.done())
			}
		}
	}
	var c binaryRowCounter
	for i := range stream {
		if _, err := c.write(stream[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if c.rows != 4 || !c.done() {
		t.Errorf("byte by byte: %d rows, done %v", c.rows, c.done())
	}

	for name, bad := range map[string][]byte{
		"text, not binary":         []byte("1\tabc\n2\tdef\n3\tghi\n4\tjkl\n"),
		"bytes after the trailer":  append(binaryStream(0), 0),
		"negative field count":     append(binaryStream(0)[:19], 0xff, 0xfe),
		"length below -1":          append(binaryStream(0)[:19], 0, 1, 0xff, 0xff, 0xff, 0xfe),
		"header of another format": append([]byte("PGCOPY\n\xff\r\n\x01"), make([]byte, 8)...),
	} {
		var c binaryRowCounter
		if _, err := c.write(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	var cut binaryRowCounter
	cut.write(stream[:len(stream)-1])
	if cut.done() {
		t.Error("a stream cut before its trailer reports done")
	}
}

// TestBinaryFormatRoundTrip backs up tables of built-in types in binary
// format (and one with an enum in text), restores them, and compares the
// restored rows with the source's.
func TestBinaryFormatRoundTrip(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "bin")
	s.Exec(t, "bin", `
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE builtin (
  id bigint PRIMARY KEY, b boolean, i2 smallint, i4 integer, f4 real, f8 double precision,
  n numeric, nf numeric(20, 6), m money, t text, vc varchar(20), ch char(4), by bytea,
  d date, ts timestamp, tstz timestamptz, tm time, tmtz timetz, iv interval, u uuid,
  j json, jb jsonb, ai integer[], at text[], a2 integer[][], ir int4range, tr tstzrange,
  ip inet, cidr_col cidr, mac macaddr, bits varbit, pt point, x xml, tsv tsvector, o oid);
INSERT INTO builtin VALUES
 (1, true, 32767, -2147483648, 'NaN', '-Infinity', 'NaN', -0.000001, -99.99, E'tab\there\nnl \\ back', 'vc', 'ab', '\x00ff',
  '-infinity', 'infinity', '2024-02-29 12:34:56.789012+05:30', '23:59:59.999999', '12:00+03', '1 year 2 mons -3 days 04:05:06',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, {"b": null}]}', '{"ü": "ñ"}', '{1,NULL,3}', '{"with space",NULL,"q\"uote"}',
  '{{1,2},{3,4}}', '[1,10)', '(,)', '::1', '10.0.0.0/8', '08:00:2b:01:02:03', B'1011', '(1.5,-2)', '<a>ü</a>', 'fat cats', 42),
 (2, NULL, NULL, NULL, NULL, NULL, 12345678901234567890.123456789, NULL, NULL, '', NULL, NULL, '\x', NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, 'null', '[]', '{}', '{}', '{}', 'empty', NULL, NULL, NULL, NULL, B'', NULL, '', '', NULL);
INSERT INTO builtin (id, t, n) SELECT g, md5(g::text), g / 7.0 FROM generate_series(3, 5000) g;
CREATE TABLE with_enum (id int PRIMARY KEY, m mood, tags text[]);
INSERT INTO with_enum VALUES (1, 'happy', '{a,b}'), (2, NULL, NULL);
CREATE TABLE enum_array (id int PRIMARY KEY, ms mood[]);
INSERT INTO enum_array VALUES (1, '{sad,happy}');`)

	c := newTestCollection(t)
	m, err := New(nil).Backup(context.Background(), BackupParams{
		JobID: "bin", DSN: s.DSN("bin"), Database: "bin", Cluster: "test", CreatedBy: "tester", ChunkBytes: 64 << 10,
	}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	formats := map[string]string{}
	for _, tb := range m.Tables {
		formats[tb.QualifiedName()] = tb.Format
	}
	want := map[string]string{"public.builtin": formatBinary, "public.with_enum": formatText, "public.enum_array": formatText}
	for name, f := range want {
		if formats[name] != f {
			t.Errorf("%s stored as %q, want %q", name, formats[name], f)
		}
	}
	var builtin collection.Table
	for _, tb := range m.Tables {
		if tb.Name == "builtin" {
			builtin = tb
		}
	}
	if len(builtin.Files) < 2 || builtin.Rows != 5000 {
		t.Errorf("builtin: %d files, %d rows; want several files and 5000 rows", len(builtin.Files), builtin.Rows)
	}
	compareContents(t, backupContents(t, c, m), expectedContents(t, s.DSN("bin"), m))

	if _, err := New(nil).Restore(context.Background(), restoreParams(s, m, "bin-restore", "bin_restored"), c, &restoreTracker{}); err != nil {
		t.Fatal(err)
	}
	compareTableContents(t, tableContents(t, s.DSN("bin_restored")), tableContents(t, s.DSN("bin")))
}
