package engine

import (
	"encoding/binary"
	"testing"
)

// pgoutputTuple encodes values as a pgoutput tuple with tag.
func pgoutputTuple(tag byte, vals ...value) []byte {
	b := []byte{tag}
	b = binary.BigEndian.AppendUint16(b, uint16(len(vals)))
	for _, v := range vals {
		b = append(b, v.Kind)
		if v.Kind == valText {
			b = binary.BigEndian.AppendUint32(b, uint32(len(v.Data)))
			b = append(b, v.Data...)
		}
	}
	return b
}

// TestDecodeRowChange decodes the three row messages, and checks the values
// are copied out of the read buffer, which the connection reuses for the
// next message.
func TestDecodeRowChange(t *testing.T) {
	txt := func(s string) value { return value{Kind: valText, Data: []byte(s)} }
	msg := append([]byte{'U', 0, 0, 0x40, 0x01}, pgoutputTuple('K', txt("7"), value{Kind: valNull})...)
	msg = append(msg, pgoutputTuple('N', txt("8"), value{Kind: valUnchanged}, txt("hello"))...)
	c, err := decodeRowChange(msg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Op != opUpdate || c.Table != 0x4001 || len(c.Old) != 2 || string(c.Old[0].Data) != "7" || c.Old[1].Kind != valNull ||
		len(c.New) != 3 || string(c.New[0].Data) != "8" || c.New[1].Kind != valUnchanged || string(c.New[2].Data) != "hello" {
		t.Fatalf("decoded %+v", c)
	}
	for i := range msg {
		msg[i] = 'X'
	}
	if string(c.New[2].Data) != "hello" || string(c.Old[0].Data) != "7" {
		t.Fatal("values changed with the read buffer")
	}
	c.New[0].Data = append(c.New[0].Data, '!') // must not run into the next value
	if string(c.New[2].Data) != "hello" {
		t.Fatalf("appending to one value changed another: %q", c.New[2].Data)
	}

	ins := append([]byte{'I', 0, 0, 0, 9}, pgoutputTuple('N', txt("a\tb"))...)
	if c, err := decodeRowChange(ins); err != nil || c.Op != opInsert || string(c.New[0].Data) != "a\tb" || c.Old != nil {
		t.Fatalf("insert: %+v %v", c, err)
	}
	del := append([]byte{'D', 0, 0, 0, 9}, pgoutputTuple('O', txt("1"), txt("2"))...)
	if c, err := decodeRowChange(del); err != nil || c.Op != opDelete || len(c.Old) != 2 || c.New != nil {
		t.Fatalf("delete: %+v %v", c, err)
	}
	for name, bad := range map[string][]byte{
		"cut short":        ins[:len(ins)-1],
		"trailing bytes":   append(append([]byte{}, ins...), 0),
		"binary value":     append([]byte{'I', 0, 0, 0, 9}, 'N', 0, 1, 'b', 0, 0, 0, 1, 'x'),
		"length too large": append([]byte{'I', 0, 0, 0, 9}, 'N', 0, 1, 't', 0, 0, 1, 0, 'x'),
		"no tuple":         {'D', 0, 0, 0, 9},
	} {
		if _, err := decodeRowChange(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
