package collection

import (
	"errors"
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

// ErrBadCursor is a cursor no listing gave.
var ErrBadCursor = errors.New("collection: bad cursor")

func parseCursor(c string) (Summary, error) {
	end, path, ok := strings.Cut(c, "|")
	t, err := time.Parse(time.RFC3339Nano, end)
	if !ok || err != nil || path == "" {
		return Summary{}, usererror.Wrap(ErrBadCursor, "cursor is not one a listing of backups gave: start again without it")
	}
	return Summary{EndTime: t, Path: path}, nil
}

// Chains groups sums (newest first, as Backups lists them) by chain, in
// one pass: each chain's layers oldest first with its full backup first
// (as ChainLayers orders them), the chains in the order of their newest
// layer.
func Chains(sums []Summary) [][]Summary {
	at := map[string]int{}
	var out [][]Summary
	for _, s := range sums {
		i, ok := at[s.Chain]
		if !ok {
			i = len(out)
			at[s.Chain] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], s)
	}
	for _, ch := range out {
		sortChain(ch)
	}
	return out
}

// ChainPage returns the page of the chains of sums (see Chains) that
// cursor (a previous page's next; "" for the newest) and limit select, by
// each chain's newest layer, and the cursor of the next page.
func ChainPage(sums []Summary, cursor string, limit int) (chains [][]Summary, next string, err error) {
	all := Chains(sums)
	newest := make([]Summary, 0, len(all)) // each chain's newest layer: its first in sums
	at := map[string]int{}
	for _, s := range sums {
		if _, ok := at[s.Chain]; !ok {
			at[s.Chain] = len(newest)
			newest = append(newest, s)
		}
	}
	page, next, err := Page(newest, PageQuery{Cursor: cursor, Limit: limit})
	for _, s := range page {
		chains = append(chains, all[at[s.Chain]])
	}
	return chains, next, err
}
