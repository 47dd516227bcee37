package schedule

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stratabackup/strata/internal/usererror"
)

var t0 = time.Date(2026, 11, 23, 10, 7, 30, 0, time.UTC) // a Monday

func TestPresetsAndCronInWordsWithNextRuns(t *testing.T) {
	for _, tc := range []struct {
		expr, words string
		next        []string
	}{
		{"*/5 * * * *", "every 5 minutes", []string{"10:10", "10:15", "10:20", "10:25", "10:30"}},
		{"*/15  *  * * *", "every 15 minutes", []string{"10:15", "10:30", "10:45", "11:00", "11:15"}},
		{"@hourly", "hourly, at minute 0", []string{"11:00", "12:00", "13:00", "14:00", "15:00"}},
		{"0 */4 * * *", "every 4 hours, at minute 0 (from 00:00 UTC)", []string{"12:00", "16:00", "20:00", "11-24 00:00", "11-24 04:00"}},
		{"30 2 * * *", "daily at 02:30 UTC", []string{"11-24 02:30", "11-25 02:30", "11-26 02:30", "11-27 02:30", "11-28 02:30"}},
		{"@daily", "daily at 00:00 UTC", []string{"11-24 00:00", "11-25 00:00", "11-26 00:00", "11-27 00:00", "11-28 00:00"}},
		{"0 3 * * 0", "weekly, on Sunday at 03:00 UTC", []string{"11-29 03:00", "12-06 03:00", "12-13 03:00", "12-20 03:00", "12-27 03:00"}},
		{"15 1 1 * *", "monthly, on day 1 at 01:15 UTC", []string{"12-01 01:15", "01-01 01:15", "02-01 01:15", "03-01 01:15", "04-01 01:15"}},
		{"0 9-17 * * 1-5", "on cron 0 9-17 * * 1-5 (UTC)", []string{"11:00", "12:00", "13:00", "14:00", "15:00"}},
	} {
		r, err := Parse(tc.expr)
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		if r.Words != tc.words {
			t.Errorf("%q in words: %q, want %q", tc.expr, r.Words, tc.words)
		}
		var got []string
		for _, n := range r.NextN(t0, 5) {
			if n.Location() != time.UTC {
				t.Errorf("%q: next run %v not in UTC", tc.expr, n)
			}
			if n.YearDay() == t0.YearDay() {
				got = append(got, n.Format("15:04"))
			} else {
				got = append(got, n.Format("01-02 15:04"))
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.next, " ") {
			t.Errorf("%q next runs %v, want %v", tc.expr, got, tc.next)
		}
	}
	if r, err := Weekly(time.Wednesday, 23, 5); err != nil || r.Words != "weekly, on Wednesday at 23:05 UTC" {
		t.Errorf("Weekly: %+v %v", r, err)
	}
	if r, err := Daily(6, 0); err != nil || r.Expr != "0 6 * * *" {
		t.Errorf("Daily: %+v %v", r, err)
	}
}

func TestBadRecurrencesSayWhatToFix(t *testing.T) {
	for expr, want := range map[string]string{
		"":                        "the recurrence is empty",
		"* * * *":                 "has 4 fields; it needs five",
		"61 * * * *":              "is not valid",
		"0 0 31 2 *":              "never runs",
		"@every 5m":               "not supported",
		"@fortnightly":            "is not valid",
		"0 25 * * *":              "is not valid",
		"*/0 * * * *":             "is not valid",
		"0 0 * * * 2026":          "has 6 fields",
		"*/61 * * * *":            "steps its minute field by 61",
		"0 */24 * * *":            "steps its hour field by 24",
		"0A 0 0 0 0":              `"0A" is not a number`,
		"@\xc4":                   "has a character that is not in cron expressions",
		"0 0 * * 1\x00":           "has a character that is not in cron expressions",
		"TZ=Europe/Paris 0 0 * *": `recurrences are in UTC: remove "TZ=Europe/Paris"`,
	} {
		_, err := Parse(expr)
		msg, ok := usererror.Message(err)
		if !ok || !strings.Contains(msg, want) {
			t.Errorf("Parse(%q) = %v; want a user error saying %q", expr, err, want)
		}
	}
	// Found by FuzzParse: cron's own words showed Go's (strconv.Atoi:
	// parsing "0A": invalid syntax) and bytes that are not UTF-8.
	for _, expr := range []string{"0A 0 0 0 0", "@\xc4", "*/99999999999999999999 * * * *"} {
		_, err := Parse(expr)
		if msg, _ := usererror.Message(err); strings.Contains(msg, "strconv") || !utf8.ValidString(msg) {
			t.Errorf("Parse(%q): %q", expr, msg)
		}
	}
	for _, bad := range [][2]int{{24, 0}, {-1, 0}, {0, 60}} {
		if _, err := Daily(bad[0], bad[1]); err == nil {
			t.Errorf("Daily(%d, %d) accepted", bad[0], bad[1])
		}
	}
}

// TestDefaultFullCadence: CockroachDB's rule, by the typical gap between
// incrementals.
func TestDefaultFullCadence(t *testing.T) {
	for expr, want := range map[string]string{
		"*/5 * * * *":    "@daily",
		"@hourly":        "@daily",
		"0 9-17 * * 1-5": "@daily", // hourly on weekdays: nights and weekends do not count
		"0 */4 * * *":    "@weekly",
		"30 2 * * *":     "@weekly",
		"0 3 * * 0":      "",
		"@monthly":       "",
	} {
		r, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := DefaultFullCadence(r, t0); got != want {
			t.Errorf("%q: full cadence %q, want %q", expr, got, want)
		}
	}
}

func TestWordsOfCadenceAndThreshold(t *testing.T) {
	for expr, want := range map[string]string{"": "every run", "@weekly": "weekly, on Sunday at 00:00 UTC", "bad": "bad"} {
		if got := CadenceWords(expr); got != want {
			t.Errorf("CadenceWords(%q) = %q, want %q", expr, got, want)
		}
	}
	for d, want := range map[time.Duration]string{time.Hour: "1h", 90 * time.Minute: "1h30m", 10 * time.Minute: "10m", 26 * time.Hour: "26h"} {
		if got := ShortDuration(d); got != want {
			t.Errorf("ShortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestNextRunsAfterEightYears: from March 2096 the next February 29 is in
// 2104, beyond the five years cron looks ahead. Next said "never" (the
// zero time), so a schedule on it was due on every tick (found by
// FuzzParse).
func TestNextRunsAfterEightYears(t *testing.T) {
	r, err := Parse("0 0 29 2 *")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2096, 3, 1, 0, 0, 0, 0, time.UTC)
	if got, want := r.Next(from), time.Date(2104, 2, 29, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Next(%s) = %s, want %s", from, got, want)
	}
	if run := Due(Spec{Recurrence: r}, State{NextRun: from}, from); !run.State.NextRun.After(from) {
		t.Errorf("after a run at %s the next is %s", from, run.State.NextRun)
	}
}
