package engine

// Reading the table of contents of a pg_dump custom-format archive.
//
// Why not parse `pg_restore -l -v`? Its lines are "id; classid oid DESC
// schema tag owner" with names printed unquoted, so a table called
// "Mixed Case Table" in schema "Ünïcode Schema" cannot be told apart from
// other splits of the same words (pg_restore's own comment says the fields
// "aren't automatically parseable"). The archive itself stores every field
// as a length-prefixed string, so reading it gives exact names, each
// entry's section, owner and SQL, and pg_dump's dependency graph (dump ids).
// The format is read as pg_backup_archiver.c's ReadHead/ReadToc do, for
// archive versions 1.12 to 1.16 (pg_dump 9.6 to 17).

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// tocSection is pg_dump's section of an entry (teSection): 1 none
// (comments, ACLs: they follow their object), 2 pre-data, 3 data, 4
// post-data.
type tocSection int

// tocEntry is one entry of an archive's table of contents.
type tocEntry struct {
	ID        int        // dump id, what pg_restore -L lists refer to
	TableOID  uint32     // catalog of the object (1259 = pg_class, ...)
	OID       uint32     // the object's OID in the source database
	Tag       string     // name: "orders", "orders_pkey", "f(integer)", "COLUMN orders.note"
	Desc      string     // kind: "TABLE", "FK CONSTRAINT", "COMMENT", ...
	Section   tocSection //
	Defn      string     // the SQL that creates it
	Namespace string     // schema, "" for objects outside schemas
	Owner     string
	Deps      []int // dump ids this entry depends on
}

// Archive versions are major<<16 | minor<<8 | rev, as in pg_backup_archiver.h.
const (
	archV1_12 = 1<<16 | 12<<8
	archV1_14 = 1<<16 | 14<<8
	archV1_15 = 1<<16 | 15<<8
	archV1_16 = 1<<16 | 16<<8
	archVMax  = 1<<16 | 16<<8 | 0xff
)

const archCustomFormat = 1

// tocReader reads the archive's integers and strings.
type tocReader struct {
	r       *bufio.Reader
	intSize int
	offSize int
	err     error
}

func (r *tocReader) byte() byte {
	if r.err != nil {
		return 0
	}
	b, err := r.r.ReadByte()
	if err != nil {
		r.err = err
	}
	return b
}

// int reads pg_dump's integer: a sign byte, then intSize bytes little-endian.
func (r *tocReader) int() int {
	neg := r.byte() != 0
	v := 0
	for i := 0; i < r.intSize; i++ {
		v |= int(r.byte()) << (8 * i)
	}
	if neg {
		v = -v
	}
	return v
}

// str reads a length-prefixed string; ok is false for a NULL (length -1).
func (r *tocReader) str() (s string, ok bool) {
	n := r.int()
	if r.err != nil || n < 0 {
		return "", false
	}
	if n > 1<<30 {
		r.err = fmt.Errorf("string of %d bytes", n)
		return "", false
	}
	b, err := readLength(r.r, int64(n))
	if err != nil {
		r.err = err
		return "", false
	}
	return string(b), true
}

func (r *tocReader) s() string { s, _ := r.str(); return s }

func (r *tocReader) skip(n int) {
	if r.err != nil {
		return
	}
	if _, err := r.r.Discard(n); err != nil {
		r.err = err
	}
}

// readTOC reads the table of contents of a custom-format archive.
func readTOC(in io.Reader) ([]tocEntry, error) {
	r := &tocReader{r: bufio.NewReaderSize(in, 64<<10)}
	magic := make([]byte, 5)
	if _, err := io.ReadFull(r.r, magic); err != nil || !bytes.Equal(magic, []byte("PGDMP")) {
		return nil, errors.New("the schema archive is not a pg_dump custom-format archive")
	}
	vmaj, vmin, vrev := int(r.byte()), int(r.byte()), int(r.byte())
	version := vmaj<<16 | vmin<<8 | vrev
	if r.err == nil && (version < archV1_12 || version > archVMax) {
		return nil, fmt.Errorf("the schema archive has format version %d.%d, which this restore cannot read (1.12 to 1.16)", vmaj, vmin)
	}
	r.intSize, r.offSize = int(r.byte()), int(r.byte())
	if r.err == nil && (r.intSize < 1 || r.intSize > 8 || r.offSize < 1 || r.offSize > 8) {
		return nil, fmt.Errorf("the schema archive header is corrupt (int size %d, offset size %d)", r.intSize, r.offSize)
	}
	if f := r.byte(); r.err == nil && f != archCustomFormat {
		return nil, fmt.Errorf("the schema archive has format %d, not custom (1)", f)
	}
	if version >= archV1_15 {
		r.byte() // compression algorithm
	} else {
		r.int() // compression level
	}
	for range 7 { // creation time: sec, min, hour, mday, mon, year, isdst
		r.int()
	}
	r.s() // database name
	r.s() // server version
	r.s() // pg_dump version

	n := r.int()
	if r.err != nil {
		return nil, fmt.Errorf("reading the schema archive's header: %w", r.err)
	}
	if n < 0 || n > 10_000_000 {
		return nil, fmt.Errorf("the schema archive's table of contents is corrupt (%d entries)", n)
	}
	entries := make([]tocEntry, 0, min(n, 4096)) // n is the archive's word: grow with what is read
	for range n {
		var e tocEntry
		if e.ID = r.int(); r.err == nil && e.ID <= 0 {
			return nil, fmt.Errorf("the schema archive's table of contents is corrupt (entry id %d)", e.ID)
		}
		r.int() // had a data dumper
		e.TableOID = parseOID(r.s())
		e.OID = parseOID(r.s())
		e.Tag = r.s()
		e.Desc = r.s()
		e.Section = tocSection(r.int())
		e.Defn = r.s()
		r.s() // drop statement
		r.s() // COPY statement
		e.Namespace = r.s()
		r.s() // tablespace
		if version >= archV1_14 {
			r.s() // table access method
		}
		if version >= archV1_16 {
			r.int() // relkind
		}
		e.Owner = r.s()
		r.s() // "false": tables WITH OIDS
		for {
			d, ok := r.str()
			if !ok {
				break
			}
			id, err := strconv.Atoi(d)
			if err != nil {
				return nil, fmt.Errorf("the schema archive's table of contents is corrupt (dependency %q)", d)
			}
			e.Deps = append(e.Deps, id)
		}
		// The custom format's extra field: a data-offset flag byte and offset.
		r.byte()
		r.skip(r.offSize)
		if r.err != nil {
			break
		}
		entries = append(entries, e)
	}
	if r.err != nil {
		return nil, fmt.Errorf("reading the schema archive's table of contents: %w", r.err)
	}
	return entries, nil
}

func parseOID(s string) uint32 {
	v, _ := strconv.ParseUint(s, 10, 32)
	return uint32(v)
}
