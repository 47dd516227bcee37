package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/web/templates"
)

var layersT0 = time.Date(2026, 11, 23, 12, 0, 0, 123456000, time.UTC)

func layerAt(sec float64) time.Time { return layersT0.Add(time.Duration(sec * float64(time.Second))) }

func fullLayer(path, db string, end time.Time) collection.Summary {
	return collection.Summary{Kind: collection.KindFull, Path: path, Chain: path, Database: db, EndTime: end}
}

func incLayer(path, chain string, start, end time.Time, revision bool) collection.Summary {
	return collection.Summary{Kind: collection.KindIncremental, Path: path, Chain: chain, Database: "shop",
		StartTime: start, EndTime: end, RevisionHistory: revision}
}

func TestChainsOf(t *testing.T) {
	// Newest first, as Collection.Backups lists them.
	sums := []collection.Summary{
		incLayer("i4", "f2", layerAt(500), layerAt(600), true),
		fullLayer("f2", "shop", layerAt(500)),
		incLayer("i3", "f1", layerAt(300), layerAt(400), true),
		incLayer("i2", "f1", layerAt(200), layerAt(300), false),
		incLayer("i1", "f1", layerAt(100), layerAt(200), true),
		fullLayer("f1", "shop", layerAt(100)),
		incLayer("orphan", "gone", layerAt(0), layerAt(50), true),
	}
	chains := chainsOf(sums)
	got := ""
	for _, ch := range chains {
		got += "["
		for _, l := range ch.Layers {
			got += l.Path + " "
		}
		for _, w := range ch.Windows {
			got += fmt.Sprintf("%v-%v ", w.From.Sub(layersT0).Seconds(), w.To.Sub(layersT0).Seconds())
		}
		got += fmt.Sprint(ch.MissingFull(), ch.HasRevisionHistory(), ch.Increments()) + "]"
	}
	// f1: its end, then (end, i1] with revision history joins it; i2 only
	// at its end; i3's history follows i2's end.
	want := "[f2 i4 500-600 false true 1][f1 i1 i2 i3 100-200 300-400 false true 3][orphan true false 1]"
	if got != want {
		t.Fatalf("chains:\n got %s\nwant %s", got, want)
	}
}

func TestRestoreWindowsWithoutRevisionHistory(t *testing.T) {
	ws := collection.Windows([]collection.Summary{fullLayer("f", "shop", layerAt(0)), incLayer("a", "f", layerAt(0), layerAt(10), false), incLayer("b", "f", layerAt(10), layerAt(20), false)})
	want := []templates.RestoreWindow{{From: layerAt(0), To: layerAt(0)}, {From: layerAt(10), To: layerAt(10)}, {From: layerAt(20), To: layerAt(20)}}
	if fmt.Sprint(ws) != fmt.Sprint(want) || !ws[1].Moment() {
		t.Fatalf("windows %v, want %v", ws, want)
	}
}

func TestDatabasesOf(t *testing.T) {
	sums := []collection.Summary{fullLayer("c", "shop", layerAt(3)), incLayer("i", "c", layerAt(3), layerAt(4), true), fullLayer("b", "crm", layerAt(2)), fullLayer("a", "shop", layerAt(1))}
	if got := fmt.Sprint(collection.Databases(sums)); got != "[crm shop]" {
		t.Fatalf("databases %s", got)
	}
}

func TestParseUTC(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-23T12:00":              "2026-11-23T12:00:00Z",
		"2026-11-23T12:00:05":           "2026-11-23T12:00:05Z",
		"2026-11-23T12:00:05.250":       "2026-11-23T12:00:05.25Z",
		"2026-11-23 12:00:05.250 UTC":   "2026-11-23T12:00:05.25Z",
		" 2026-11-23T14:00:05.25+02:00": "2026-11-23T12:00:05.25Z",
		"2026-11-23T12:00:05.123456Z":   "2026-11-23T12:00:05.123456Z",
	} {
		got, err := parseUTC(in)
		if err != nil || got.Format(time.RFC3339Nano) != want {
			t.Errorf("parseUTC(%q) = %s, %v; want %s", in, got.Format(time.RFC3339Nano), err, want)
		}
	}
	for _, early := range []string{"0001-01-01T00:00", "0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z"} {
		if _, err := parseUTC(early); err == nil {
			t.Errorf("parseUTC(%q) accepted a moment no backup can cover (year 1 is the zero time: LATEST)", early)
		}
	}
	if _, err := parseUTC("yesterday"); err == nil {
		t.Error("parseUTC accepted yesterday")
	} else if msg, ok := userMessage(err); !ok || msg == "" {
		t.Errorf("parseUTC error is not for users: %v", err)
	}
}
