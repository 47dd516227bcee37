package templates

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/audit"
)

// AuditView is the audit page: one page of entries and the filters that chose them.
type AuditView struct {
	Entries []audit.Entry
	Query   url.Values // the filters, as they stand in the URL
	Next    int64      // cursor of the next (older) page; 0 when there is none
	Before  int64      // cursor of this page; 0 on the first page
	Actions []string
	Actors  []string
	Chain   ChainStatus
}

// ChainStatus is the result of the newest verification of the hash chain.
type ChainStatus struct {
	Checked  bool
	OK       bool
	Entries  int64
	At       time.Time
	Problems []string // each names what is wrong
	Anchors  []audit.AnchorStatus
	Duration time.Duration
	// TriggersRestored is the newest AUDIT_TRIGGERS_RESTORED entry while
	// it is recent; nil otherwise.
	TriggersRestored *audit.Entry
}

// auditOutcomes are the outcomes the audit page filters on.
var auditOutcomes = []string{"ok", "denied", "error"}

// Summary is the first problem, and how many more there are.
func (c ChainStatus) Summary() string {
	switch len(c.Problems) {
	case 0:
		return ""
	case 1:
		return c.Problems[0]
	}
	return c.Problems[0] + " (and " + countNoun(int64(len(c.Problems)-1), "more problem", "more problems") + ")"
}

// anchoredAt says up to which entry each anchor holds the chain, for people.
func anchoredAt(anchors []audit.AnchorStatus) string {
	parts := make([]string, len(anchors))
	for i, a := range anchors {
		parts[i] = a.Anchor + ": "
		switch c := a.Newest; {
		case c.EntryID == 0:
			parts[i] += "no checkpoint"
		case c.Time.IsZero():
			parts[i] += "entry " + itoa(c.EntryID)
		default:
			parts[i] += "entry " + itoa(c.EntryID) + " at " + UTC(c.Time)
		}
	}
	return strings.Join(parts, "; ")
}

// pageURL is the audit page of the same filters before cursor before
// (0: the newest entries).
func (v AuditView) pageURL(before int64) string { return pageURL("/audit", v.Query, before) }

// exportURL exports every entry of the same filters in format.
func (v AuditView) exportURL(format string) string {
	q := withoutCursor(v.Query)
	q.Set("format", format)
	return withQuery("/audit/export", q)
}

// paramsJSON is an entry's parameters, indented for reading.
func paramsJSON(m map[string]any) string {
	if len(m) == 0 {
		return "{}"
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "{}"
	}
	return string(b)
}

// hashVersion says how an entry's hash was made.
func hashVersion(v int) string {
	switch v {
	case audit.HashHMAC:
		return "HMAC-SHA256 with the audit key"
	case audit.HashSHA256:
		return "SHA-256, written before the chain was keyed"
	}
	return "unknown hash version " + itoa(int64(v))
}

// target names what an entry acted on: "user:3", "user", or a dash.
func target(e audit.Entry) string {
	if e.TargetType == "" {
		return "—"
	}
	if e.TargetID == "" {
		return e.TargetType
	}
	return e.TargetType + ":" + e.TargetID
}
