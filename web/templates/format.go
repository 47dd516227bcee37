package templates

// Formatters every page shares: times, durations, byte and row counts,
// and small words.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// UTC formats a time for display, always in UTC and labelled so.
func UTC(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

// UTCPtr formats an optional time.
func UTCPtr(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return UTC(*t)
}

// utcMilli formats a layer's time to the millisecond, in UTC (the column
// or label around it says so).
func utcMilli(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") }

// utcPrecise formats a restore's moment to the microsecond, trailing
// zeros left out.
func utcPrecise(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.999999") + " UTC" }

// runAt formats a run's time with its day of the week.
func runAt(t time.Time) string { return t.UTC().Format("Mon 2006-01-02 15:04") + " UTC" }

// duration rounds d for reading: to the millisecond under a second, to the
// second under an hour, to the minute above.
func duration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Minute).String()
}

// elapsed is the duration from from to to, for reading.
func elapsed(from, to time.Time) string { return duration(to.Sub(from)) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Bytes formats a byte count in binary units.
func Bytes(n int64) string {
	if n < 0 {
		// A negative size is a damaged record; say it as it is, scaled.
		return "-" + Bytes(-max(n, -math.MaxInt64))
	}
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, exp := float64(n)/unit, 0
	// Round first, so that 1 MiB less a byte is 1.0 MiB, not 1024.0 KiB.
	for math.Round(f*10)/10 >= unit && exp < len("KMGTPE")-1 {
		f /= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", f, "KMGTPE"[exp])
}

// Count formats a whole number with thousands separators.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s
}

// countNoun is n with the noun in its number: "1 warning", "3 warnings".
func countNoun(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Count(n) + " " + many
}

// percent formats a fraction completed as a whole percentage.
func percent(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// progressValue is a fraction completed for a <progress> element.
func progressValue(f float64) string { return fmt.Sprintf("%.3f", f) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// commaList names items in a line: "a, b, c".
func commaList(items []string) string { return strings.Join(items, ", ") }
