package schedules

import (
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/testutil"
)

// The fuzz target below runs over its seeds (testdata/fuzz and the
// f.Add calls) as ordinary tests. To look for more:
//
//	go test -fuzz=FuzzFullBackupCadence -fuzztime=60s -parallel=1 ./internal/app/schedules

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
