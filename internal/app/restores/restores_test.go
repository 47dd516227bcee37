package restores

import (
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/usererror"
)

// TestAsOfIsCheckedInUTC: the years a moment to restore to is checked by
// are its years in UTC (found by FuzzAsOf). 9999-12-31T23:30:00-01:00 was
// accepted, stored in the job as 10000-01-01T00:30:00Z, which the job
// could not read back; 1990-01-01T00:30:00+01:00 is 1989 in UTC.
func TestAsOfIsCheckedInUTC(t *testing.T) {
	for text, want := range map[string]string{
		"9999-12-31T23:30:00-01:00": "10000-01-01T00:30:00Z is after the year 9999",
		"1990-01-01T00:30:00+01:00": "1989-12-31T23:30:00Z is before any backup could have been taken",
		"0001-01-01T00:00:00Z":      "before any backup could have been taken",
	} {
		_, err := Request{AsOfSystemTime: text}.asOf()
		if msg, _ := usererror.Message(err); !strings.Contains(msg, want) {
			t.Errorf("as_of_system_time %s: %v, want %q", text, err, want)
		}
	}
	asOf, err := Request{AsOfSystemTime: "9999-12-31T23:30:00+01:00"}.asOf()
	if err != nil || !asOf.Equal(time.Date(9999, 12, 31, 22, 30, 0, 0, time.UTC)) {
		t.Errorf("9999-12-31T23:30:00+01:00: %s, %v", asOf, err)
	}
}

func TestSnapToLayerEnd(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 123456000, time.UTC)
	sums := []collection.Summary{{Kind: collection.KindFull, Path: "f", Chain: "f", Database: "shop", EndTime: t0}} // ends at .123456
	for in, want := range map[time.Time]time.Time{
		t0.Truncate(time.Millisecond):                       t0, // the picker's millisecond of the layer's end
		t0.Truncate(time.Millisecond).Add(time.Millisecond): t0.Truncate(time.Millisecond).Add(time.Millisecond),
		t0.Add(-time.Microsecond):                           t0.Add(-time.Microsecond), // finer than a picker: meant as given
	} {
		if got := snapToLayerEnd(in, sums); !got.Equal(want) {
			t.Errorf("snapToLayerEnd(%s) = %s, want %s", in.Format(time.RFC3339Nano), got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
		}
	}
}
