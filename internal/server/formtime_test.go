package server

import (
	"testing"
	"time"
)

func TestParseFormTime(t *testing.T) {
	at := func(h, m, s, ns int) time.Time { return time.Date(2026, 11, 23, h, m, s, ns, time.UTC) }
	for v, want := range map[string]time.Time{
		"2026-11-23T14:05":               at(14, 5, 0, 0),
		"2026-11-23T14:05:07":            at(14, 5, 7, 0),
		"2026-11-23T14:05:07.250":        at(14, 5, 7, 250e6),
		"2026-11-23 14:05:07.123456 UTC": at(14, 5, 7, 123456e3),
		" 2026-11-23 14:05 ":             at(14, 5, 0, 0),
		"2026-11-23":                     at(0, 0, 0, 0),
		"2026-11-23T15:05:07+01:00":      at(14, 5, 7, 0),
		"2026-11-23T14:05:07.5Z":         at(14, 5, 7, 500e6),
	} {
		got, ok := parseFormTime(v)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%q: %s, %v; want %s", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "yesterday", "2026-13-01T00:00", "2026-11-23T25:00", "23/11/2026 14:05", "2026-11-23T14:05 CET"} {
		if got, ok := parseFormTime(v); ok {
			t.Errorf("%q read as %s", v, got)
		}
	}
}
