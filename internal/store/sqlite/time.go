package sqlite

import (
	"database/sql"
	"fmt"
	"time"
)

// TimeLayout is how every table stores a time: TEXT in UTC, RFC 3339 with
// nine fractional digits ("2026-03-01T12:00:00.000000000Z"). The width is
// fixed, so times sort and compare correctly as text in SQL.
const TimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Time formats t for storing.
func Time(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ScanTime scans a stored time into *t.
func ScanTime(t *time.Time) sql.Scanner { return timeDest{t} }

// ScanNullTime scans a stored time that may be NULL into *t (nil for NULL).
func ScanNullTime(t **time.Time) sql.Scanner { return nullTimeDest{t} }

type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("stored time is %T, want text", src)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("stored time %.40q is not a time", s)
	}
	*d.t = t.UTC()
	return nil
}

type nullTimeDest struct{ t **time.Time }

func (d nullTimeDest) Scan(src any) error {
	if src == nil {
		*d.t = nil
		return nil
	}
	var t time.Time
	if err := (timeDest{&t}).Scan(src); err != nil {
		return err
	}
	*d.t = &t
	return nil
}

// OptionalTime formats t for a column where ” stands for none (the zero
// time).
func OptionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return Time(t)
}

// ScanOptionalTime scans such a column into *t: the zero time for ”.
func ScanOptionalTime(t *time.Time) sql.Scanner { return optionalTimeDest{t} }

type optionalTimeDest struct{ t *time.Time }

func (d optionalTimeDest) Scan(src any) error {
	if src == "" {
		*d.t = time.Time{}
		return nil
	}
	return timeDest(d).Scan(src)
}
