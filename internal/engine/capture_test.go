package engine

import (
	"testing"

	"github.com/jackc/pglogrepl"
)

// TestTupleCopiesOutOfTheReadBuffer: the connection reuses its read buffer
// for the next message, so a captured value must not point into it.
func TestTupleCopiesOutOfTheReadBuffer(t *testing.T) {
	buf := []byte("helloworld")
	td := &pglogrepl.TupleData{Columns: []*pglogrepl.TupleDataColumn{
		{DataType: pglogrepl.TupleDataTypeText, Data: buf[:5]},
		{DataType: pglogrepl.TupleDataTypeNull},
		{DataType: pglogrepl.TupleDataTypeToast},
		{DataType: pglogrepl.TupleDataTypeText, Data: buf[5:]},
	}}
	got := tuple(td)
	copy(buf, "XXXXXXXXXX")
	if string(got[0].Data) != "hello" || string(got[3].Data) != "world" {
		t.Fatalf("values changed with the read buffer: %q %q", got[0].Data, got[3].Data)
	}
	if got[1].Kind != valNull || got[2].Kind != valUnchanged {
		t.Fatalf("kinds %c %c", got[1].Kind, got[2].Kind)
	}
	got[0].Data = append(got[0].Data, '!') // must not run into the next value
	if string(got[3].Data) != "world" {
		t.Fatalf("appending to one value changed the next: %q", got[3].Data)
	}
}
