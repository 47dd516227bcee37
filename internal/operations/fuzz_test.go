package operations

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/testutil"
)

// The fuzz targets below run over their seeds (testdata/fuzz and the
// f.Add calls) as ordinary tests. To look for more:
//
//	go test -fuzz=FuzzAsOf -fuzztime=60s -parallel=1 ./internal/operations

// FuzzAsOf: a moment to restore to that is accepted is in UTC, no earlier
// than 1990, and reads back the same from the text StartRestore stores in
// the job (the job parses it again when it runs); what is refused says why.
func FuzzAsOf(f *testing.F) {
	f.Add("2026-11-23T14:05:00Z")
	f.Add("9999-12-31T23:30:00-01:00") // year 10000 in UTC
	f.Add("1990-01-01T00:30:00+01:00") // 1989 in UTC
	f.Fuzz(func(t *testing.T, text string) {
		asOf, err := RestoreRequest{AsOfSystemTime: text}.asOf()
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
		again, err := RestoreRequest{AsOfSystemTime: stored}.asOf()
		if err != nil || !again.Equal(asOf) {
			t.Fatalf("%q accepted as %s, stored as %q, which reads back as %s, %v", text, asOf, stored, again, err)
		}
	})
}

// FuzzDatabaseName: a name accepted for new_db_name or into_db is one
// PostgreSQL takes whole: at most 63 bytes of UTF-8, without NUL.
func FuzzDatabaseName(f *testing.F) {
	f.Add("shop_restored")
	f.Add(strings.Repeat("é", 32))
	f.Fuzz(func(t *testing.T, name string) {
		if err := checkDatabaseName("new_db_name", name); err != nil {
			testutil.UserError(t, err, name)
			return
		}
		if len(name) > 63 || strings.ContainsRune(name, 0) || !utf8.ValidString(name) {
			t.Fatalf("database name %q accepted", name)
		}
	})
}

// FuzzFullBackupCadence: an accepted full backup choice is "" (every run)
// or a recurrence that parses as itself, as the schedule stores and reads
// it; what is refused says why.
func FuzzFullBackupCadence(f *testing.F) {
	f.Add("default", false, "*/15 * * * *")
	f.Add("ALWAYS", true, "@hourly")
	f.Add("0 3 * * 0", true, "@daily")
	f.Fuzz(func(t *testing.T, choice string, tables bool, recurrence string) {
		rec, err := schedule.Parse(recurrence)
		if err != nil {
			return
		}
		var chosen []string
		if tables {
			chosen = []string{"public.orders"}
		}
		full, err := FullBackupCadence(choice, rec, chosen, time.Date(2026, 11, 23, 10, 7, 0, 0, time.UTC))
		if err != nil {
			testutil.UserError(t, err, choice)
			return
		}
		if tables && full != "" {
			t.Fatalf("a schedule of tables gets full backups on %q", full)
		}
		if full == "" {
			return
		}
		if again, err := schedule.Parse(full); err != nil || again.Expr != full {
			t.Fatalf("%q gives cadence %q, which reads back as %q, %v", choice, full, again.Expr, err)
		}
	})
}
