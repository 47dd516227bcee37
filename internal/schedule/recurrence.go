package schedule

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/stratabackup/strata/internal/usererror"
)

// Recurrence is when a schedule runs, always in UTC.
type Recurrence struct {
	Expr  string // the cron expression (five fields) or macro it runs on
	Words string // the same in plain words
	sched cron.Schedule
}

// Presets are the recurrences the schedule form offers, by name.
var Presets = []struct{ Name, Label, Expr string }{
	{"5m", "Every 5 minutes", "*/5 * * * *"},
	{"10m", "Every 10 minutes", "*/10 * * * *"},
	{"15m", "Every 15 minutes", "*/15 * * * *"},
	{"30m", "Every 30 minutes", "*/30 * * * *"},
	{"hourly", "Hourly", "@hourly"},
	{"4h", "Every 4 hours", "0 */4 * * *"},
}

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse reads a cron expression ("*/15 * * * *", "30 2 * * 1") or a macro
// (@hourly, @daily, @weekly, @monthly, @yearly). Times are UTC.
func Parse(expr string) (Recurrence, error) {
	expr = strings.Join(strings.Fields(expr), " ")
	if expr == "" {
		return Recurrence{}, usererror.New("the recurrence is empty: choose a preset or write a cron expression such as \"0 * * * *\" (hourly)")
	}
	if strings.HasPrefix(expr, "@every") {
		return Recurrence{}, usererror.Errorf("%q is not supported: write a cron expression such as \"*/15 * * * *\"", expr)
	}
	if strings.ContainsFunc(expr, func(r rune) bool { return r < ' ' || r > '~' }) {
		return Recurrence{}, usererror.Errorf("cron expression %q has a character that is not in cron expressions: write it with digits, * , - / and names such as MON or JAN", expr)
	}
	if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
		zone, _, _ := strings.Cut(expr, " ")
		return Recurrence{}, usererror.Errorf("recurrences are in UTC: remove %q and write the times in UTC", zone)
	}
	if !strings.HasPrefix(expr, "@") && len(strings.Fields(expr)) != 5 {
		return Recurrence{}, usererror.Errorf("cron expression %q has %d fields; it needs five: minute, hour, day of month, month, day of week (for example \"30 2 * * *\" is daily at 02:30 UTC)", expr, len(strings.Fields(expr)))
	}
	s, err := parser.Parse(expr)
	if err != nil {
		return Recurrence{}, usererror.Errorf("cron expression %q is not valid: %s", expr, cronDetail(err))
	}
	if err := checkSteps(expr); err != nil {
		return Recurrence{}, err
	}
	r := Recurrence{Expr: expr, sched: s}
	if r.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return Recurrence{}, usererror.Errorf("cron expression %q never runs (a day that does not exist in any month?)", expr)
	}
	r.Words = describe(expr)
	return r, nil
}

// cronDetail is what cron's parser says is wrong, without the Go it
// shows for a word that is not a number ("failed to parse int from 0A:
// strconv.Atoi: parsing ...").
func cronDetail(err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "failed to parse int from "); ok {
		if word, _, ok := strings.Cut(rest, ": strconv."); ok {
			return fmt.Sprintf("%q is not a number, or too large", word)
		}
	}
	return strings.TrimPrefix(msg, "failed to parse ")
}

// fieldSpans are the number of values of each cron field.
var fieldSpans = [5]struct {
	name string
	n    int
}{{"minute", 60}, {"hour", 24}, {"day of month", 31}, {"month", 12}, {"day of week", 7}}

// checkSteps refuses a step no smaller than its field's span ("*/61" in
// minutes), which cron accepts but which runs only at the field's first
// value: surely not what was meant.
func checkSteps(expr string) error {
	if strings.HasPrefix(expr, "@") {
		return nil
	}
	for i, f := range strings.Fields(expr) {
		for _, part := range strings.Split(f, ",") {
			_, step, ok := strings.Cut(part, "/")
			if n, err := strconv.Atoi(step); ok && err == nil && n >= fieldSpans[i].n {
				return usererror.Errorf("cron expression %q steps its %s field by %d, which has only %d values: it would run once per %s; use a smaller step",
					expr, fieldSpans[i].name, n, fieldSpans[i].n, map[int]string{0: "hour", 1: "day", 2: "month", 3: "year", 4: "week"}[i])
			}
		}
	}
	return nil
}

// Daily is the preset "daily at HH:MM" (UTC).
func Daily(hour, minute int) (Recurrence, error) {
	if hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		return Recurrence{}, usererror.Errorf("%02d:%02d is not a time of day: use HH:MM from 00:00 to 23:59", hour, minute)
	}
	return Parse(fmt.Sprintf("%d %d * * *", minute, hour))
}

// Weekly is the preset "weekly on a day at HH:MM" (UTC).
func Weekly(day time.Weekday, hour, minute int) (Recurrence, error) {
	if day < time.Sunday || day > time.Saturday {
		return Recurrence{}, usererror.New("choose a day of the week")
	}
	if _, err := Daily(hour, minute); err != nil {
		return Recurrence{}, err
	}
	return Parse(fmt.Sprintf("%d %d * * %d", minute, hour, day))
}

// Next is the first run strictly after t (zero for a recurrence that
// never runs).
func (r Recurrence) Next(t time.Time) time.Time {
	if r.sched == nil {
		return time.Time{}
	}
	// cron looks five years ahead, and February 29 can be eight years
	// away (2096 to 2104): look five years further once.
	for range 2 {
		if next := r.sched.Next(t.UTC()); !next.IsZero() {
			return next
		}
		t = t.AddDate(5, 0, 0)
	}
	return time.Time{}
}

// NextN lists the next n runs after t.
func (r Recurrence) NextN(t time.Time, n int) []time.Time {
	var out []time.Time
	for len(out) < n {
		t = r.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

// TypicalInterval is the median gap between the next runs (up to 1000 of
// them, over at most a year): what decides the full backup cadence. The
// median, not the longest gap, so that "hourly on weekdays" counts as
// hourly, not as the weekend's 64 hours.
func (r Recurrence) TypicalInterval(from time.Time) time.Duration {
	var gaps []time.Duration
	prev := r.Next(from)
	end := prev.AddDate(1, 0, 0)
	for len(gaps) < 1000 && !prev.IsZero() && prev.Before(end) {
		next := r.Next(prev)
		if next.IsZero() {
			break
		}
		gaps = append(gaps, next.Sub(prev))
		prev = next
	}
	if len(gaps) == 0 {
		return 0
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}

// DefaultFullCadence is CockroachDB's choice for the full backups that go
// with a recurrence of incrementals: runs up to an hour apart get a daily
// full backup; up to a day, a weekly one; longer, every run is a full
// backup ("" then).
func DefaultFullCadence(incrementals Recurrence, now time.Time) string {
	switch iv := incrementals.TypicalInterval(now); {
	case iv <= time.Hour:
		return "@daily"
	case iv <= 24*time.Hour:
		return "@weekly"
	default:
		return ""
	}
}

// describe puts a valid five-field expression or macro in plain words,
// falling back to the expression itself for shapes it does not know.
func describe(expr string) string {
	switch expr {
	case "@yearly", "@annually":
		return "yearly, on January 1 at 00:00 UTC"
	case "@monthly":
		return "monthly, on day 1 at 00:00 UTC"
	case "@weekly":
		return "weekly, on Sunday at 00:00 UTC"
	case "@daily", "@midnight":
		return "daily at 00:00 UTC"
	case "@hourly":
		return "hourly, at minute 0"
	}
	f := strings.Fields(expr)
	if len(f) != 5 {
		return "on cron " + expr + " (UTC)"
	}
	min, hour, dom, mon, dow := f[0], f[1], f[2], f[3], f[4]
	everyDay := dom == "*" && mon == "*" && dow == "*"
	m, mOK := number(min, 59)
	h, hOK := number(hour, 23)
	switch {
	case everyDay && hour == "*" && min == "*":
		return "every minute"
	case everyDay && hour == "*" && strings.HasPrefix(min, "*/"):
		if n, ok := number(min[2:], 59); ok {
			return plural(n, "minute")
		}
	case everyDay && hour == "*" && mOK:
		return fmt.Sprintf("hourly, at minute %d", m)
	case everyDay && strings.HasPrefix(hour, "*/") && mOK:
		if n, ok := number(hour[2:], 23); ok {
			return fmt.Sprintf("%s, at minute %d (from 00:%02d UTC)", plural(n, "hour"), m, m)
		}
	case everyDay && mOK && hOK:
		return fmt.Sprintf("daily at %02d:%02d UTC", h, m)
	case dom == "*" && mon == "*" && mOK && hOK:
		if d, ok := number(dow, 7); ok {
			return fmt.Sprintf("weekly, on %s at %02d:%02d UTC", time.Weekday(d%7), h, m)
		}
	case dow == "*" && mon == "*" && mOK && hOK:
		if d, ok := number(dom, 31); ok {
			return fmt.Sprintf("monthly, on day %d at %02d:%02d UTC", d, h, m)
		}
	}
	return "on cron " + expr + " (UTC)"
}

func number(s string, limit int) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n <= limit
}

func plural(n int, unit string) string {
	if n == 1 {
		return "every " + unit
	}
	return fmt.Sprintf("every %d %ss", n, unit)
}

// CadenceWords says a full backup cadence in words: "every run" for ""
// (every run is a full backup).
func CadenceWords(expr string) string {
	if expr == "" {
		return "every run"
	}
	r, err := Parse(expr)
	if err != nil {
		return expr
	}
	return r.Words
}

// ShortDuration writes a threshold such as AlertAfter as a form takes it,
// without zero units: 26h, 1h30m, 45m.
func ShortDuration(d time.Duration) string {
	out := d.String()
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	if strings.HasSuffix(out, "h0m") {
		out = strings.TrimSuffix(out, "0m")
	}
	return out
}
