package sqlite

import (
	"database/sql"
	"fmt"
	"strings"
)

// RowProblems reads a row column by column and collects what cannot be
// read instead of failing the scan, so that one damaged row (an old bug, a
// hand edit) is shown and skipped by a list rather than failing every page
// and loop that lists it. Pass its scanners to Scan, then check Err.
type RowProblems struct{ list []string }

// Err says which columns could not be read and why, or is nil.
func (p *RowProblems) Err() error {
	if len(p.list) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(p.list, "; "))
}

// Text scans a text column.
func (p *RowProblems) Text(dst *string, col string) sql.Scanner {
	return p.scanner(col, func(src any) error {
		switch v := src.(type) {
		case string:
			*dst = v
		case []byte:
			*dst = string(v)
		default:
			return fmt.Errorf("%s, want text", kind(src))
		}
		return nil
	})
}

// Int64 scans an integer column.
func (p *RowProblems) Int64(dst *int64, col string) sql.Scanner {
	return p.scanner(col, func(src any) error {
		v, ok := src.(int64)
		if !ok {
			return fmt.Errorf("%s, want an integer", kind(src))
		}
		*dst = v
		return nil
	})
}

// Int scans an integer column that must fit an int.
func (p *RowProblems) Int(dst *int, col string) sql.Scanner {
	return p.scanner(col, func(src any) error {
		v, ok := src.(int64)
		if !ok || int64(int(v)) != v {
			return fmt.Errorf("%s, want an integer", kind(src))
		}
		*dst = int(v)
		return nil
	})
}

// Bool scans a 0/1 column.
func (p *RowProblems) Bool(dst *bool, col string) sql.Scanner {
	return p.scanner(col, func(src any) error {
		v, ok := src.(int64)
		if !ok || (v != 0 && v != 1) {
			return fmt.Errorf("%s, want 0 or 1", kind(src))
		}
		*dst = v == 1
		return nil
	})
}

// Scanner scans with s, a scanner of this package (ScanTime…), and collects
// its error.
func (p *RowProblems) Scanner(s sql.Scanner, col string) sql.Scanner {
	return p.scanner(col, s.Scan)
}

func (p *RowProblems) scanner(col string, scan func(any) error) sql.Scanner {
	return lenient(func(src any) error {
		if err := scan(src); err != nil {
			p.list = append(p.list, col+": "+err.Error())
		}
		return nil
	})
}

type lenient func(any) error

func (f lenient) Scan(src any) error { return f(src) }

// kind names a column value's type and, when short, the value itself.
func kind(src any) string {
	switch v := src.(type) {
	case nil:
		return "NULL"
	case int64:
		return fmt.Sprintf("%d", v)
	case string:
		if len(v) > 40 {
			return "a long text"
		}
		return fmt.Sprintf("%q", v)
	case []byte:
		return "a blob"
	case float64:
		return fmt.Sprintf("%g", v)
	}
	return fmt.Sprintf("%T", src)
}
