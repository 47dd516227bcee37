package server

import (
	"strings"
	"time"
)

// formTimeLayouts are the forms a date and time may be typed in: RFC 3339
// with its zone, what a datetime-local input sends (to the minute, second
// or a fraction of one), with a T or a space, or a date alone.
var formTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999", "2006-01-02 15:04", "2006-01-02"}

// parseFormTime reads a date and time typed in a form, in UTC unless it
// gives its zone (forms label their times UTC, and may end them so). ok
// is false when v is not a date and time.
func parseFormTime(v string) (t time.Time, ok bool) {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "UTC"))
	for _, layout := range formTimeLayouts {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
