// Package templates holds the console's templ pages, fragments and layout.
package templates

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"time"
)

// Page is what every full page needs from the request: who is looking, the
// CSRF token for its forms, flash messages and the active navigation entry.
type Page struct {
	Title  string
	Nav    string
	Viewer *Viewer
	CSRF   string
	Flash  []Flash
}

// Viewer is the logged-in user as the layout shows them.
type Viewer struct {
	Name    string
	Role    string
	IsAdmin bool
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind string // "ok", "error" or "info"
	Text string
}

// CanChange tells a template whether to show controls that change state.
// The server enforces the same rule on every route; this only hides buttons.
func (p Page) CanChange() bool { return p.Viewer != nil && p.Viewer.IsAdmin }

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

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// withoutCursor copies q without its keyset cursor, for links to the first
// page or to an export of the same filters.
func withoutCursor(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		if k != "before" {
			c[k] = v
		}
	}
	return c
}

func withQuery(base string, q url.Values) string {
	if len(q) == 0 {
		return base
	}
	return base + "?" + q.Encode()
}

// regexpQuote makes s a pattern attribute that matches exactly s.
func regexpQuote(s string) string { return regexp.QuoteMeta(s) }
