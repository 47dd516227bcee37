package restores

import (
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testutil"
)

// The fuzz target below runs over its seeds (testdata/fuzz and the
// f.Add calls) as ordinary tests. To look for more:
//
//	go test -fuzz=FuzzAsOf -fuzztime=60s -parallel=1 ./internal/app/restores

// FuzzAsOf: a moment to restore to that is accepted is in UTC, no earlier
// than 1990, and reads back the same from the text Start stores in
// the job (the job parses it again when it runs); what is refused says why.
func FuzzAsOf(f *testing.F) {
	f.Add("2026-11-23T14:05:00Z")
	f.Add("9999-12-31T23:30:00-01:00") // year 10000 in UTC
	f.Add("1990-01-01T00:30:00+01:00") // 1989 in UTC
	f.Fuzz(func(t *testing.T, text string) {
		asOf, err := Request{AsOfSystemTime: text}.asOf()
		if err != nil {
			testutil.UserError(t, err, text)
			return
		}
		if asOf.IsZero() {
			if strings.TrimSpace(text) != "" {
				t.Fatalf("%q read as no moment", text)
			}
			return
		}
		if asOf.Location() != time.UTC || asOf.Year() < 1990 || CheckAsOf(asOf) != nil {
			t.Fatalf("%q accepted as %s", text, asOf)
		}
		stored := asOf.Format(time.RFC3339Nano)
		again, err := Request{AsOfSystemTime: stored}.asOf()
		if err != nil || !again.Equal(asOf) {
			t.Fatalf("%q accepted as %s, stored as %q, which reads back as %s, %v", text, asOf, stored, again, err)
		}
	})
}
