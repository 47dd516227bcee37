package schedule

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stratabackup/strata/internal/retention"
	"github.com/stratabackup/strata/internal/testutil"
	"github.com/stratabackup/strata/internal/usererror"
)

// The fuzz targets below run over their seeds (testdata/fuzz and the
// f.Add calls) as ordinary tests. To look for more:
//
//	go test -fuzz=FuzzParse -fuzztime=60s -parallel=1 ./internal/schedule

// moment maps any n onto a time in the years [from, from+years), to the
// second, in UTC: the clock a scheduler may read.
func moment(n int64, from, years int) time.Time {
	span := uint64(years) * 366 * 24 * 3600
	return time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(uint64(n)%span) * time.Second)
}

// nextWithin is the longest a recurrence Parse accepts may go without a
// run: February 29 comes back after eight years across 2100.
const nextWithin = 8*366*24*time.Hour + time.Hour

// storable reports whether t comes back from the state store unchanged:
// its times are RFC 3339 text in UTC, years 0 to 9999 (store/sqlite's
// FuzzTime checks that they come back).
func storable(t time.Time) bool { y := t.UTC().Year(); return y >= 0 && y <= 9999 }

// FuzzParse: a recurrence Parse accepts reads back the same, says itself
// in words, and runs again within nextWithin of any moment a scheduler may
// see, at a time the state store can hold; what it refuses, it says why.
func FuzzParse(f *testing.F) {
	f.Add("*/15 * * * *", int64(0))
	f.Add("@hourly", int64(1))
	f.Add("0 0 29 2 *", int64(3_350_246_400)) // 2096-03-01: the next February 29 is in 2104
	f.Fuzz(func(t *testing.T, expr string, clock int64) {
		r, err := Parse(expr)
		if err != nil {
			testutil.UserError(t, err, expr)
			return
		}
		again, err := Parse(r.Expr)
		if err != nil || again.Expr != r.Expr || again.Words != r.Words {
			t.Fatalf("%q parses as %q (%s), which reads back as %+v, %v", expr, r.Expr, r.Words, again, err)
		}
		testutil.Readable(t, r.Words, expr)
		if CadenceWords(r.Expr) != r.Words {
			t.Fatalf("CadenceWords(%q) = %q, not %q", r.Expr, CadenceWords(r.Expr), r.Words)
		}
		now := moment(clock, 1990, 300)
		runs := r.NextN(now, 3)
		if len(runs) != 3 {
			t.Fatalf("%q after %s: runs %v", r.Expr, now, runs)
		}
		prev := now
		for _, run := range runs {
			if !run.After(prev) || run.Sub(prev) > nextWithin || run.Location() != time.UTC || !storable(run) {
				t.Fatalf("%q after %s runs at %s", r.Expr, prev, run)
			}
			prev = run
		}
		if iv := r.TypicalInterval(now); iv <= 0 {
			t.Fatalf("%q after %s: typical interval %s", r.Expr, now, iv)
		}
		// Due never leaves a started schedule due again at once.
		spec := Spec{Recurrence: r, OnFailure: OnFailureRetry, OnPreviousRunning: OnRunningStart}
		if run := Due(spec, State{NextRun: now}, now); !run.Start || !run.State.NextRun.After(now) {
			t.Fatalf("%q due at %s: %+v", r.Expr, now, run)
		}
	})
}

// FuzzFirstRun: a first_run is refused beyond FirstRunRange years of now,
// and otherwise gives a first run at or after it, soon enough, storable.
func FuzzFirstRun(f *testing.F) {
	f.Add("*/5 * * * *", int64(0), int64(0))
	f.Add("0 0 29 2 *", int64(1_200_000_000), int64(4_007_836_800)) // first_run 2097-01-01
	f.Fuzz(func(t *testing.T, expr string, clock, from int64) {
		r, err := Parse(expr)
		if err != nil {
			return
		}
		now := moment(clock, 1990, 300)
		first := time.Unix(from, 0).UTC()
		next, err := Spec{Recurrence: r}.firstRun(first, now)
		if err != nil {
			testutil.UserError(t, err, expr)
			if !first.Before(now.AddDate(-FirstRunRange, 0, 0)) && !first.After(now.AddDate(FirstRunRange, 0, 0)) {
				t.Fatalf("first_run %s refused at %s: %v", first, now, err)
			}
			return
		}
		if first.IsZero() {
			first = now
		}
		if next.Before(first) || next.Sub(first) > nextWithin || !storable(next) {
			t.Fatalf("%q from %s at %s: first run %s", r.Expr, first, now, next)
		}
	})
}

// FuzzCheck: a schedule check accepts is within every documented bound;
// what it refuses, it says why, without showing the webhook (a secret).
func FuzzCheck(f *testing.F) {
	f.Add("nightly", "shop", "*/15 * * * *", "@daily", "retry", "wait", "https://hooks.example.com/t0ken", 30, 7, int64(26*time.Hour))
	f.Add(" ", "", "@hourly", "", "pause", "skip", "", -1, 0, int64(0))
	f.Add(strings.Repeat("é", MaxLabel+1), "", "@hourly", "", "pause", "skip", "", 0, 0, int64(0))
	f.Add("a\x00b", "", "@hourly", "", "pause", "skip", "ftp://hooks.example.com/s3cr3t", 36501, 100001, int64(time.Second))
	f.Fuzz(func(t *testing.T, label, database, recurrence, full, onFailure, onRunning, webhook string, keepDays, keepCount int, alertAfter int64) {
		s := Schedule{Label: label, Cluster: "prod", Database: database, Collection: "local", Recurrence: recurrence,
			FullRecurrence: full, OnFailure: onFailure, OnPreviousRunning: onRunning, Webhook: webhook,
			KeepDays: keepDays, KeepCount: keepCount, AlertAfter: time.Duration(alertAfter)}
		other := s
		spec, err := check(&s)
		if err != nil {
			others := []string{label, database, recurrence, full, onFailure, onRunning}
			testutil.UserError(t, err, append(others, webhook)...)
			msg, _ := usererror.Message(err)
			// The webhook's words may be the message's own ("https://"):
			// the same schedule with an unreadable webhook says them too.
			other.Webhook = "\x01"
			_, otherErr := check(&other)
			otherMsg, _ := usererror.Message(otherErr)
			if secret := strings.TrimSpace(webhook); secret != "" && strings.Contains(msg, secret) &&
				!strings.Contains(otherMsg, secret) && !strings.Contains(strings.Join(others, " "), secret) {
				t.Fatalf("the error shows the webhook: %q", msg)
			}
			return
		}
		switch {
		case s.Label == "" || s.Label != strings.TrimSpace(s.Label) || utf8.RuneCountInString(s.Label) > MaxLabel ||
			!utf8.ValidString(s.Label) || strings.ContainsFunc(s.Label, unicode.IsControl):
			t.Fatalf("label %q accepted", s.Label)
		case s.KeepDays < 0 || s.KeepDays > retention.MaxKeepDays || s.KeepCount < 0 || s.KeepCount > retention.MaxKeepCount:
			t.Fatalf("retention %d days, %d backups accepted", s.KeepDays, s.KeepCount)
		case s.AlertAfter < 0 || (s.AlertAfter > 0 && s.AlertAfter < time.Minute):
			t.Fatalf("alert after %s accepted", s.AlertAfter)
		case s.Webhook != "" && !strings.HasPrefix(s.WebhookHost(), "http"):
			t.Fatalf("webhook %q accepted", s.Webhook)
		case spec.Recurrence.Expr == "" || (s.FullRecurrence != "") != (spec.Full.Expr != "") || spec.CheckPolicies() != nil:
			t.Fatalf("spec %+v accepted", spec)
		}
	})
}
