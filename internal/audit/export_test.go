package audit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/audit"
)

func TestExport(t *testing.T) {
	l, _ := newLog(t)
	all := fill(t, l, 2*audit.ExportPage+300) // several export pages
	f := audit.Filter{Outcome: audit.OutcomeOK, From: all[10].Time}
	want := ids(listAll(t, l, f, audit.MaxLimit))
	if len(want) <= audit.ExportPage {
		t.Fatalf("filter matches only %d entries; the test wants more than one export page", len(want))
	}

	t.Run("csv", func(t *testing.T) {
		var buf bytes.Buffer
		if err := l.Export(context.Background(), f, &buf, audit.FormatCSV); err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(records[0], audit.CSVHeader) {
			t.Fatalf("header = %v", records[0])
		}
		var got []int64
		for _, rec := range records[1:] {
			id, _ := strconv.ParseInt(rec[0], 10, 64)
			got = append(got, id)
			if rec[9] != audit.OutcomeOK {
				t.Fatalf("record with outcome %q: %v", rec[9], rec)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("exported %d ids, want %d (%v... vs %v...)", len(got), len(want), got[:3], want[:3])
		}
		e := all[want[0]-1]
		first := records[1]
		if first[1] != e.Time.Format(audit.TimeLayout) || first[5] != e.Action || first[8] != `{"n":`+strconv.FormatInt(e.ID-1, 10)+`}` || first[14] != e.Hash {
			t.Fatalf("first record = %v, want entry %+v", first, e)
		}
	})

	t.Run("jsonl", func(t *testing.T) {
		var buf bytes.Buffer
		if err := l.Export(context.Background(), f, &buf, audit.FormatJSONL); err != nil {
			t.Fatal(err)
		}
		var got []int64
		sc := bufio.NewScanner(&buf)
		for sc.Scan() {
			var e audit.Entry
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Fatalf("line %q: %v", sc.Text(), err)
			}
			if want := all[e.ID-1]; e.Hash != want.Hash || e.Outcome != audit.OutcomeOK || !e.Time.Equal(want.Time) {
				t.Fatalf("line %s, want entry %+v", sc.Text(), want)
			}
			got = append(got, e.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("exported %d ids, want %d", len(got), len(want))
		}
	})

	t.Run("unknown format", func(t *testing.T) {
		if err := l.Export(context.Background(), f, new(bytes.Buffer), "xml"); err == nil {
			t.Fatal("no error for format xml")
		}
	})
}

func TestCSVExportDefusesFormulas(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	if _, err := l.Append(ctx, audit.Entry{Actor: "=HYPERLINK(\"http://evil\")", Source: audit.SourceUI, Action: "LOGIN_FAILED", Outcome: audit.OutcomeDenied}); err != nil {
		t.Fatal(err)
	}
	var csvOut, jsonOut bytes.Buffer
	if err := l.Export(ctx, audit.Filter{}, &csvOut, audit.FormatCSV); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csvOut.String(), `'=HYPERLINK`) {
		t.Fatalf("formula not defused in CSV: %s", csvOut.String())
	}
	if err := l.Export(ctx, audit.Filter{}, &jsonOut, audit.FormatJSONL); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(jsonOut.String(), `"actor":"=HYPERLINK`) {
		t.Fatalf("JSON Lines must keep the value as stored: %s", jsonOut.String())
	}
}
