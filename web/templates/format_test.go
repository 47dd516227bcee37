package templates

import (
	"math"
	"testing"
	"time"
)

// t0 is a Saturday, with a fraction of a second to show rounding.
var t0 = time.Date(2026, 3, 14, 8, 26, 53, 589793000, time.UTC)

func TestBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{1, "1 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{1536, "1.5 KiB"},
		{1<<20 - 1, "1.0 MiB"}, // rounds to the next unit, not to 1024.0 KiB
		{1 << 20, "1.0 MiB"},
		{123456789, "117.7 MiB"},
		{10 << 30, "10.0 GiB"},
		{1 << 40, "1.0 TiB"},
		{1 << 50, "1.0 PiB"},
		{1 << 60, "1.0 EiB"},
		{math.MaxInt64, "8.0 EiB"},
		{-1, "-1 B"},
		{-2048, "-2.0 KiB"},
		{math.MinInt64, "-8.0 EiB"},
	} {
		if got := Bytes(tc.n); got != tc.want {
			t.Errorf("Bytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0"},
		{7, "7"},
		{999, "999"},
		{1000, "1,000"},
		{100000, "100,000"},
		{1234567, "1,234,567"},
		{-999, "-999"},
		{-1234, "-1,234"},
		{-1234567, "-1,234,567"},
		{math.MaxInt64, "9,223,372,036,854,775,807"},
		{math.MinInt64, "-9,223,372,036,854,775,808"}, // its negation overflows
	} {
		if got := Count(tc.n); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestCountNoun(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0 warnings"},
		{1, "1 warning"},
		{2, "2 warnings"},
		{1500, "1,500 warnings"},
		{-1, "-1 warnings"},
	} {
		if got := countNoun(tc.n, "warning", "warnings"); got != tc.want {
			t.Errorf("countNoun(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestTimes(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	inCET := t0.In(cet)
	whole := time.Date(2026, 3, 14, 8, 26, 53, 0, time.UTC)
	for _, tc := range []struct {
		name, got, want string
	}{
		{"UTC", UTC(t0), "2026-03-14 08:26:53 UTC"},
		{"UTC of another zone", UTC(inCET), "2026-03-14 08:26:53 UTC"},
		{"UTC zero", UTC(time.Time{}), "—"},
		{"UTCPtr nil", UTCPtr(nil), "never"},
		{"UTCPtr zero", UTCPtr(&time.Time{}), "—"},
		{"UTCPtr", UTCPtr(&inCET), "2026-03-14 08:26:53 UTC"},
		{"utcMilli truncates", utcMilli(inCET), "2026-03-14 08:26:53.589"},
		{"utcMilli whole", utcMilli(whole), "2026-03-14 08:26:53.000"},
		{"utcPrecise", utcPrecise(inCET), "2026-03-14 08:26:53.589793 UTC"},
		{"utcPrecise trailing zeros", utcPrecise(whole.Add(500 * time.Millisecond)), "2026-03-14 08:26:53.5 UTC"},
		{"utcPrecise whole", utcPrecise(whole), "2026-03-14 08:26:53 UTC"},
		{"runAt", runAt(inCET), "Sat 2026-03-14 08:26 UTC"},
		{"pickerValue", pickerValue(inCET), "2026-03-14T08:26:53.589"},
		{"pickerValue whole", pickerValue(whole), "2026-03-14T08:26:53.000"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{1500 * time.Microsecond, "2ms"},
		{999400 * time.Microsecond, "999ms"},
		{999600 * time.Microsecond, "1s"},
		{1400 * time.Millisecond, "1s"},
		{61500 * time.Millisecond, "1m2s"},
		{59*time.Minute + 59600*time.Millisecond, "1h0m0s"},
		{90*time.Minute + 29*time.Second, "1h30m0s"},
		{90*time.Minute + 30*time.Second, "1h31m0s"},
		{50 * time.Hour, "50h0m0s"},
		// Negative durations (a clock that went back) keep to the millisecond.
		{-1500 * time.Millisecond, "-1.5s"},
		{-90 * time.Second, "-1m30s"},
	} {
		if got := duration(tc.d); got != tc.want {
			t.Errorf("duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := elapsed(t0, t0.Add(90*time.Second)); got != "1m30s" {
		t.Errorf("elapsed = %q, want 1m30s", got)
	}
	if got := elapsed(t0.Add(90*time.Second), t0); got != "-1m30s" {
		t.Errorf("elapsed backwards = %q, want -1m30s", got)
	}
}

func TestFractions(t *testing.T) {
	for _, tc := range []struct {
		f                 float64
		percent, progress string
	}{
		{0, "0%", "0.000"},
		{0.125, "12%", "0.125"}, // 12.5 rounds to even
		{1.0 / 3, "33%", "0.333"},
		{0.5, "50%", "0.500"},
		{0.9996, "100%", "1.000"},
		{1, "100%", "1.000"},
	} {
		if got := percent(tc.f); got != tc.percent {
			t.Errorf("percent(%v) = %q, want %q", tc.f, got, tc.percent)
		}
		if got := progressValue(tc.f); got != tc.progress {
			t.Errorf("progressValue(%v) = %q, want %q", tc.f, got, tc.progress)
		}
	}
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		name, got, want string
	}{
		{"orDash empty", orDash(""), "—"},
		{"orDash", orDash("0/16B3748"), "0/16B3748"},
		{"yesNo true", yesNo(true), "yes"},
		{"yesNo false", yesNo(false), "no"},
		{"commaList nil", commaList(nil), ""},
		{"commaList one", commaList([]string{"shop"}), "shop"},
		{"commaList", commaList([]string{"shop", "crm", "hr"}), "shop, crm, hr"},
		{"itoa", itoa(-42), "-42"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
