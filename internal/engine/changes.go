package engine

// Change files: the row changes an incremental layer captured from the
// replication slot, one table per file series (changes/<oid>/NNNN.chg.zst).
//
// A file is a sequence of records, each an op byte and its body:
//
//	'R' relation: ncols, then per column name, type OID, key flag
//	'I' insert:   commit LSN, commit time, new tuple
//	'U' update:   commit LSN, commit time, old tuple or none, new tuple
//	'D' delete:   commit LSN, commit time, old tuple (key or whole row)
//	'T' truncate: commit LSN, commit time
//
// A tuple is ncols values, each 'n' (NULL), 'u' (a TOASTed value the update
// left unchanged: logical decoding does not send it) or 't' and the text
// form. Numbers are varints. Every file starts with an 'R' record, and a new
// one precedes the first change after the table's columns changed (DDL).

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

const (
	opRelation = 'R'
	opInsert   = 'I'
	opUpdate   = 'U'
	opDelete   = 'D'
	opTruncate = 'T'

	valNull      = 'n'
	valUnchanged = 'u'
	valText      = 't'
)

// relation is a table's columns as the change stream described them.
type relation struct {
	Columns []string
	Types   []uint32
	Key     []bool // part of the replica identity
}

func (r *relation) same(o *relation) bool {
	if r == o {
		return true
	}
	if r == nil || o == nil || len(r.Columns) != len(o.Columns) {
		return false
	}
	for i := range r.Columns {
		if r.Columns[i] != o.Columns[i] || r.Types[i] != o.Types[i] || r.Key[i] != o.Key[i] {
			return false
		}
	}
	return true
}

// value is one column of a tuple.
type value struct {
	Kind byte // valNull, valUnchanged or valText
	Data []byte
}

// change is one captured row change (or a truncate) of one table.
type change struct {
	Table uint32 // source table OID (not stored: a file holds one table)
	Op    byte
	LSN   uint64 // the transaction's commit LSN
	Time  int64  // its commit time, microseconds since the Unix epoch
	Rel   *relation
	Old   []value // the key (or, with REPLICA IDENTITY FULL, the old row); nil when not sent
	New   []value
}

func (c *change) commitTime() time.Time { return time.UnixMicro(c.Time).UTC() }

// size is a rough count of the memory the change holds.
func (c *change) size() int {
	n := 64
	for _, v := range c.Old {
		n += 24 + len(v.Data)
	}
	for _, v := range c.New {
		n += 24 + len(v.Data)
	}
	return n
}

// changeEncoder writes change records to w.
type changeEncoder struct {
	w   *bufio.Writer
	rel *relation // the relation last written
	buf []byte
}

func newChangeEncoder(w io.Writer) *changeEncoder {
	return &changeEncoder{w: bufio.NewWriterSize(w, 64<<10)}
}

func (e *changeEncoder) write(c *change) error {
	b := e.buf[:0]
	if !e.rel.same(c.Rel) {
		b = append(b, opRelation)
		b = binary.AppendUvarint(b, uint64(len(c.Rel.Columns)))
		for i, name := range c.Rel.Columns {
			b = appendBytes(b, []byte(name))
			b = binary.AppendUvarint(b, uint64(c.Rel.Types[i]))
			b = append(b, boolByte(c.Rel.Key[i]))
		}
		e.rel = c.Rel
	}
	b = append(b, c.Op)
	b = binary.AppendUvarint(b, c.LSN)
	b = binary.AppendVarint(b, c.Time)
	switch c.Op {
	case opInsert:
		b = appendTuple(b, c.New)
	case opUpdate:
		if c.Old == nil {
			b = append(b, 0)
		} else {
			b = append(b, 1)
			b = appendTuple(b, c.Old)
		}
		b = appendTuple(b, c.New)
	case opDelete:
		b = appendTuple(b, c.Old)
	case opTruncate:
	default:
		return fmt.Errorf("change op %q", c.Op)
	}
	e.buf = b
	_, err := e.w.Write(b)
	return err
}

func (e *changeEncoder) flush() error { return e.w.Flush() }

func appendTuple(b []byte, t []value) []byte {
	b = binary.AppendUvarint(b, uint64(len(t)))
	for _, v := range t {
		b = append(b, v.Kind)
		if v.Kind == valText {
			b = appendBytes(b, v.Data)
		}
	}
	return b
}

func appendBytes(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// errBadChangeFile: a change file that does not decode (its checksum
// matched, so it was written so: a bug, not a storage fault).
var errBadChangeFile = errors.New("malformed change file")

// changeDecoder reads the records a changeEncoder wrote.
type changeDecoder struct {
	r   *bufio.Reader
	src *sourceReader
	rel *relation
}

func newChangeDecoder(r io.Reader) *changeDecoder {
	src := &sourceReader{r: r}
	return &changeDecoder{r: bufio.NewReaderSize(src, 64<<10), src: src}
}

// sourceReader remembers the error its reader returned other than io.EOF
// (storage, checksum), so that a decoding error is told from a failure to
// read the file.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// next returns the next change, or io.EOF after the last.
func (d *changeDecoder) next() (*change, error) {
	op, err := d.r.ReadByte()
	if err != nil {
		return nil, err // io.EOF at a record boundary: the end
	}
	if op == opRelation {
		if d.rel, err = d.readRelation(); err != nil {
			return nil, d.corrupt(err)
		}
		if op, err = d.r.ReadByte(); err != nil {
			return nil, d.corrupt(err)
		}
	}
	if d.rel == nil {
		return nil, errBadChangeFile
	}
	c := &change{Op: op, Rel: d.rel}
	if c.LSN, err = binary.ReadUvarint(d.r); err != nil {
		return nil, d.corrupt(err)
	}
	if c.Time, err = binary.ReadVarint(d.r); err != nil {
		return nil, d.corrupt(err)
	}
	switch op {
	case opInsert:
		c.New, err = d.readTuple()
	case opUpdate:
		var hasOld byte
		if hasOld, err = d.r.ReadByte(); err == nil && hasOld == 1 {
			c.Old, err = d.readTuple()
		}
		if err == nil {
			c.New, err = d.readTuple()
		}
	case opDelete:
		c.Old, err = d.readTuple()
	case opTruncate:
	default:
		return nil, errBadChangeFile
	}
	if err != nil {
		return nil, d.corrupt(err)
	}
	return c, nil
}

func (d *changeDecoder) readRelation() (*relation, error) {
	n, err := binary.ReadUvarint(d.r)
	if err != nil || n > 1600 { // PostgreSQL's column limit
		return nil, errBadChangeFile
	}
	r := &relation{Columns: make([]string, n), Types: make([]uint32, n), Key: make([]bool, n)}
	for i := range r.Columns {
		name, err := d.readBytes()
		if err != nil {
			return nil, err
		}
		typ, err := binary.ReadUvarint(d.r)
		if err != nil {
			return nil, err
		}
		key, err := d.r.ReadByte()
		if err != nil {
			return nil, err
		}
		r.Columns[i], r.Types[i], r.Key[i] = string(name), uint32(typ), key == 1
	}
	return r, nil
}

func (d *changeDecoder) readTuple() ([]value, error) {
	n, err := binary.ReadUvarint(d.r)
	if err != nil || n > 1600 {
		return nil, errBadChangeFile
	}
	t := make([]value, n)
	for i := range t {
		if t[i].Kind, err = d.r.ReadByte(); err != nil {
			return nil, err
		}
		switch t[i].Kind {
		case valText:
			if t[i].Data, err = d.readBytes(); err != nil {
				return nil, err
			}
		case valNull, valUnchanged:
		default:
			return nil, errBadChangeFile
		}
	}
	return t, nil
}

func (d *changeDecoder) readBytes() ([]byte, error) {
	n, err := binary.ReadUvarint(d.r)
	if err != nil {
		return nil, err
	}
	if n > 1<<30 { // a text value is at most 1 GB
		return nil, errBadChangeFile
	}
	return readLength(d.r, int64(n))
}

// corrupt says what stopped a record halfway: the file could not be read,
// or its bytes are not a record (cut short, or malformed).
func (d *changeDecoder) corrupt(err error) error {
	switch {
	case d.src.err != nil:
		return d.src.err
	case errors.Is(err, errBadChangeFile):
		return err
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: cut short", errBadChangeFile)
	}
	return fmt.Errorf("%w: %v", errBadChangeFile, err)
}
