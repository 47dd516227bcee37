package sqlite

import (
	"testing"
	"time"
)

// The fuzz targets below run over their seeds (testdata/fuzz and the
// f.Add calls) as ordinary tests. To look for more:
//
//	go test -fuzz=FuzzTime -fuzztime=60s -parallel=1 ./internal/store

// storable reports whether the state store's text can hold t: years 0 to
// 9999 in UTC, which RFC 3339 writes in four digits.
func storable(t time.Time) bool { y := t.UTC().Year(); return y >= 0 && y <= 9999 }

// FuzzTime: a time the store can hold, in any zone, is written in the
// fixed width that makes text order time order, and read back equal (as
// an optional time too, the zero time included); a time it cannot hold is
// not read back as another one.
func FuzzTime(f *testing.F) {
	f.Add(int64(1_795_000_000), int64(123_456_789), int64(1_795_000_001), int64(0), 3600)
	f.Add(int64(-62135596800), int64(0), int64(253402300799), int64(999_999_999), 0) // years 1 and 9999
	f.Fuzz(func(t *testing.T, sec1, nsec1, sec2, nsec2 int64, offset int) {
		zone := time.FixedZone("fuzz", offset%(24*3600))
		a, b := time.Unix(sec1, nsec1).In(zone), time.Unix(sec2, nsec2).In(zone)
		for _, tm := range []time.Time{a, b} {
			text := Time(tm)
			var back, optional time.Time
			err := ScanTime(&back).Scan(text)
			if !storable(tm) {
				if err == nil && !back.Equal(tm) {
					t.Fatalf("%s written as %q reads back as %s", tm, text, back)
				}
				continue
			}
			if len(text) != len("2006-01-02T15:04:05.000000000Z") || err != nil || !back.Equal(tm) || back.Location() != time.UTC {
				t.Fatalf("%s written as %q reads back as %s, %v", tm, text, back, err)
			}
			if err := ScanOptionalTime(&optional).Scan(OptionalTime(tm)); err != nil || !optional.Equal(tm) {
				t.Fatalf("optional %s written as %q reads back as %s, %v", tm, OptionalTime(tm), optional, err)
			}
		}
		if storable(a) && storable(b) {
			if ta, tb := Time(a), Time(b); (ta < tb) != a.Before(b) || (ta == tb) != a.Equal(b) {
				t.Fatalf("%s < %s is %v, but %q < %q is %v", a, b, a.Before(b), ta, tb, ta < tb)
			}
		}
	})
}

// FuzzScanTime: any text in a time column reads as an error or as a time
// in UTC that is written back to the same moment.
func FuzzScanTime(f *testing.F) {
	f.Add("2026-03-01T12:00:00.000000000Z")
	f.Add("2026-03-01T12:00:00+14:00")
	f.Fuzz(func(t *testing.T, text string) {
		var tm time.Time
		if err := ScanTime(&tm).Scan(text); err != nil {
			return
		}
		var back time.Time
		if err := ScanTime(&back).Scan(Time(tm)); tm.Location() != time.UTC || (storable(tm) && (err != nil || !back.Equal(tm))) {
			t.Fatalf("%q reads as %s, written as %q, back as %s, %v", text, tm, Time(tm), back, err)
		}
	})
}
