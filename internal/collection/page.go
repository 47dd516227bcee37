package collection

import (
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/usererror"
)

// Page sizes of a listing of layers.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// PageQuery selects a page of layers, newest first as Backups lists them.
type PageQuery struct {
	Database string    // only this database's layers; "" for all
	From, To time.Time // only layers that end within [From, To]; zero: unbounded
	// Cursor continues after the last layer of the previous page (its
	// Next); "" starts at the newest.
	Cursor string
	Limit  int // 1 to MaxPageSize; 0 for DefaultPageSize
}

// Page returns the page of sums (newest first, as Backups lists them) that
// q selects, and the cursor of the next page ("" after the last). The
// cursor names a place in the order, not a layer, so it stays valid when
// layers are added or removed between pages.
func Page(sums []Summary, q PageQuery) (page []Summary, next string, err error) {
	limit := q.Limit
	switch {
	case limit == 0:
		limit = DefaultPageSize
	case limit < 1 || limit > MaxPageSize:
		return nil, "", usererror.Errorf("limit must be a whole number from 1 to %d", MaxPageSize)
	}
	var after *Summary
	if q.Cursor != "" {
		c, err := parseCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		after = &c
	}
	for _, s := range sums {
		switch {
		case after != nil && !newer(*after, s):
		case q.Database != "" && s.Database != q.Database:
		case !q.From.IsZero() && s.EndTime.Before(q.From):
		case !q.To.IsZero() && s.EndTime.After(q.To):
		default:
			if len(page) == limit {
				last := page[len(page)-1]
				return page, cursor(last), nil
			}
			page = append(page, s)
		}
	}
	return page, "", nil
}

// newer reports whether a comes before b in Backups' order: newer end,
// then the greater path.
func newer(a, b Summary) bool {
	if c := a.EndTime.Compare(b.EndTime); c != 0 {
		return c > 0
	}
	return a.Path > b.Path
}

func cursor(s Summary) string {
	return s.EndTime.UTC().Format(time.RFC3339Nano) + "|" + s.Path
}

func parseCursor(c string) (Summary, error) {
	end, path, ok := strings.Cut(c, "|")
	t, err := time.Parse(time.RFC3339Nano, end)
	if !ok || err != nil || path == "" {
		return Summary{}, usererror.New("cursor is not one a listing of backups gave: start again without it")
	}
	return Summary{EndTime: t, Path: path}, nil
}
