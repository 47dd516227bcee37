package engine

import (
	"encoding/binary"
	"errors"
)

// Data files hold COPY output in one of two formats, recorded per table in
// the manifest: PostgreSQL's text format, which every table can use, or its
// binary format, used when every column's type is a built-in one whose
// binary form is part of the client protocol (so a newer server reads it):
// the server then skips text parsing on restore and text formatting on
// backup, the largest share of both.

// Formats of a table's data files (collection.Table.Format).
const (
	formatText   = ""
	formatBinary = "binary"
)

// binaryHeaderLen is the fixed part of a binary COPY header: the 11-byte
// signature, 32-bit flags and the 32-bit length of the header extension.
const binaryHeaderLen = 19

var errBadBinaryCopy = errors.New("malformed binary COPY stream")

// binaryRowCounter counts the tuples of a binary COPY stream fed to it in
// pieces of any size. It walks the field lengths without looking at the
// values, so it costs a few operations per field.
type binaryRowCounter struct {
	head  [binaryHeaderLen]byte // the part of a header or length read so far
	have  int                   // bytes of head filled
	state int
	skip  int64 // bytes of the current value (or header extension) left to skip
	field int   // fields of the current tuple left
	ext   bool  // skipping the header extension, not a value
	rows  int64
}

const (
	stHeader  = iota // reading the 19-byte file header
	stTuple          // reading a tuple's 16-bit field count
	stLength         // reading a field's 32-bit length
	stSkip           // skipping a value or the header extension
	stTrailer        // after the -1 field count: nothing may follow
)

// write consumes p and returns the number of complete tuples in it.
func (c *binaryRowCounter) write(p []byte) (int64, error) {
	before := c.rows
	for len(p) > 0 {
		switch c.state {
		case stHeader:
			p = c.fill(p, binaryHeaderLen)
			if c.have < binaryHeaderLen {
				continue
			}
			if string(c.head[:11]) != "PGCOPY\n\xff\r\n\x00" {
				return c.rows - before, errBadBinaryCopy
			}
			c.have = 0
			c.state = stTuple
			if n := binary.BigEndian.Uint32(c.head[15:19]); n > 0 {
				c.skip, c.ext, c.state = int64(n), true, stSkip
			}
		case stTuple:
			p = c.fill(p, 2)
			if c.have < 2 {
				continue
			}
			c.have = 0
			n := int16(binary.BigEndian.Uint16(c.head[:2]))
			switch {
			case n == -1:
				c.state = stTrailer
			case n < 0:
				return c.rows - before, errBadBinaryCopy
			case n == 0:
				c.rows++
			default:
				c.field = int(n)
				c.state = stLength
			}
		case stLength:
			p = c.fill(p, 4)
			if c.have < 4 {
				continue
			}
			c.have = 0
			n := int32(binary.BigEndian.Uint32(c.head[:4]))
			c.field--
			if n < -1 {
				return c.rows - before, errBadBinaryCopy
			}
			if n > 0 {
				c.skip = int64(n)
				c.state = stSkip
			} else {
				c.endField()
			}
		case stSkip:
			n := min(int64(len(p)), c.skip)
			p = p[n:]
			c.skip -= n
			if c.skip == 0 {
				c.endField()
			}
		case stTrailer:
			return c.rows - before, errBadBinaryCopy
		}
	}
	return c.rows - before, nil
}

// fill copies into head until it holds want bytes and returns the rest of p.
func (c *binaryRowCounter) fill(p []byte, want int) []byte {
	n := copy(c.head[c.have:want], p)
	c.have += n
	return p[n:]
}

// endField moves on after a value: to the next field, or after a tuple's
// last one (or the header extension) to the next tuple.
func (c *binaryRowCounter) endField() {
	switch {
	case c.ext:
		c.ext = false
	case c.field > 0:
		c.state = stLength
		return
	default:
		c.rows++
	}
	c.state = stTuple
}

// done reports whether the stream ended with its trailer.
func (c *binaryRowCounter) done() bool { return c.state == stTrailer }
