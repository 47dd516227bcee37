package retention

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/usererror"
)

// Day is the unit policies are written in.
const Day = 24 * time.Hour

// Policy says which backups may go. Age is measured from a backup's end;
// the count is of restorable backups (every layer is one), newest first,
// per database. With both, a backup expires only when it is older than
// MaxAge and not among the newest KeepCount. A policy with neither expires
// nothing.
type Policy struct {
	MaxAge    time.Duration // 0: no age limit
	KeepCount int           // 0: no count limit
	Database  string        // the database it applies to; "" for every one
	Source    string        // where it comes from, for reasons: "collection policy", "schedule nightly"
}

// Retention limits, far beyond any sensible policy: a number past them is
// refused where it is entered (CheckLimits), and one that reaches a plan
// anyway (an old row, a manifest) counts as the limit, never wrapping into
// a short or negative duration that would expire backups.
const (
	MaxKeepDays  = 36500
	MaxKeepCount = 100000
)

// CheckLimits says what to fix in a number of days and of backups to keep.
func CheckLimits(keepDays, keepCount int) error {
	switch {
	case keepDays < 0 || keepCount < 0:
		return usererror.New("retention cannot be negative: give a number of days or backups to keep, or 0 for no limit")
	case keepDays > MaxKeepDays:
		return usererror.Errorf("keep backups for at most %d days (100 years), or 0 for no age limit", MaxKeepDays)
	case keepCount > MaxKeepCount:
		return usererror.Errorf("keep at most the newest %d backups, or 0 for no count limit", MaxKeepCount)
	}
	return nil
}

// keepFor is keepDays as a duration, bounded to [0, MaxKeepDays].
func keepFor(keepDays int) time.Duration {
	return time.Duration(min(max(keepDays, 0), MaxKeepDays)) * Day
}

// PolicyOf is the policy of keepDays and keepCount (0: no limit of that
// kind), as collections and schedules store them.
func PolicyOf(keepDays, keepCount int, database, source string) Policy {
	return Policy{MaxAge: keepFor(keepDays), KeepCount: min(max(keepCount, 0), MaxKeepCount), Database: database, Source: source}
}

// Empty reports whether p sets no limit.
func (p Policy) Empty() bool { return p.MaxAge <= 0 && p.KeepCount <= 0 }

func (p Policy) appliesTo(db string) bool {
	return !p.Empty() && (p.Database == "" || p.Database == db)
}

// String says what p keeps, in plain words.
func (p Policy) String() string {
	of := "each database"
	if p.Database != "" {
		of = "database " + p.Database
	}
	switch {
	case p.Empty():
		return "keep every backup"
	case p.KeepCount == 0:
		return "keep backups for " + Age(p.MaxAge)
	case p.MaxAge == 0:
		return fmt.Sprintf("keep the newest %d backups of %s", p.KeepCount, of)
	}
	return fmt.Sprintf("keep backups for %s, and at least the newest %d of %s whatever their age", Age(p.MaxAge), p.KeepCount, of)
}

// Age writes a duration in days when it is whole days.
func Age(d time.Duration) string {
	if d%Day == 0 {
		if d == Day {
			return "1 day"
		}
		return strconv.FormatInt(int64(d/Day), 10) + " days"
	}
	return d.String()
}

// keeps says why p keeps a backup that ended at end and is the rank-th
// newest of its database (0 for the newest), or "" when p lets it go.
func (p Policy) keeps(end time.Time, rank int, db string, now time.Time) string {
	var why string
	switch {
	case p.MaxAge > 0 && now.Sub(end) <= p.MaxAge:
		why = "within " + Age(p.MaxAge)
	case p.KeepCount > 0 && rank < p.KeepCount:
		why = fmt.Sprintf("among the newest %d of database %s", p.KeepCount, db)
	default:
		return ""
	}
	return why + p.from()
}

// expiry says why p lets a backup go.
func (p Policy) expiry(db string) string {
	var parts []string
	if p.MaxAge > 0 {
		parts = append(parts, "older than "+Age(p.MaxAge))
	}
	if p.KeepCount > 0 {
		parts = append(parts, fmt.Sprintf("not among the newest %d of database %s", p.KeepCount, db))
	}
	return strings.Join(parts, " and ") + p.from()
}

func (p Policy) from() string {
	if p.Source == "" {
		return ""
	}
	return " (" + p.Source + ")"
}

// Chain is a full backup and the incrementals on it, as Plan sees it.
type Chain struct {
	Path     string // the full backup's path
	Database string
	// Restorable: the full backup is listed, so the chain can be restored.
	Restorable bool
	Partial    bool        // a backup of some tables only
	Ends       []time.Time // each layer's end, the full backup's first
	// KeepDays, when set, is each layer's own retention (as Ends): a
	// managed backup records the retention it was taken with, and keeps
	// to it whatever policies say. 0 for a layer leaves it to the policies.
	KeepDays []int
	// Lock is the lock that lapses last among the chain's objects (the
	// zero Lock when they have none or it was not read).
	Lock storage.Lock
}

func (c Chain) last() time.Time { return slices.MaxFunc(c.Ends, time.Time.Compare) }

// Decision is what Plan does with one chain, and why.
type Decision struct {
	Chain    string
	Database string
	Reason   string
}

// Result is a plan: the chains to remove, in the order to remove them
// (oldest first), and those kept with why, newest first.
type Result struct {
	Remove []Decision
	Keep   []Decision
}

// Plan decides, at now, which chains the policies expire. A chain is
// removed only when every policy that applies to its database lets every
// one of its layers go, it is not locked, and it is not one its database
// cannot do without: the chain holding the newest restorable moment, the
// one with the newest full backup (which new incrementals extend), and,
// when those are backups of some tables, the newest of the whole
// database. Chains whose full backup is missing are left alone. Plan does
// no I/O.
func Plan(chains []Chain, policies []Policy, now time.Time) Result {
	chs := oldestFirst(chains)
	ranks := rank(chs)
	needed := needed(chs)
	var r Result
	for i, c := range chs {
		d := Decision{Chain: c.Path, Database: c.Database}
		d.Reason = needed[i]
		if d.Reason == "" && !c.Restorable {
			d.Reason = "its full backup is missing, so it cannot be restored; expiry leaves it alone"
		}
		if d.Reason == "" {
			d.Reason = keptByPolicy(c, ranks[i], policies, now)
		}
		if d.Reason == "" && c.Lock.Held(now) {
			d.Reason = lockReason(c.Lock)
		}
		if d.Reason == "" {
			d.Reason = expiryReason(c, policies)
			r.Remove = append(r.Remove, d)
		} else {
			r.Keep = append(r.Keep, d)
		}
	}
	slices.Reverse(r.Keep)
	return r
}

// oldestFirst returns the chains that have layers (Plan and Everything
// leave the others out), oldest full backup first.
func oldestFirst(chains []Chain) []Chain {
	chs := slices.DeleteFunc(slices.Clone(chains), func(c Chain) bool { return len(c.Ends) == 0 })
	slices.SortStableFunc(chs, func(a, b Chain) int {
		return cmp.Or(a.Ends[0].Compare(b.Ends[0]), strings.Compare(a.Path, b.Path))
	})
	return chs
}

// Everything removes every chain, oldest first, for reason, except those
// still locked at now: what expiring the backups of a cluster that is gone
// does once they have been kept long enough. Chains must have their locks
// read.
func Everything(chains []Chain, reason string, now time.Time) Result {
	var r Result
	for _, c := range oldestFirst(chains) {
		d := Decision{Chain: c.Path, Database: c.Database, Reason: reason}
		if c.Lock.Held(now) {
			d.Reason = lockReason(c.Lock)
			r.Keep = append(r.Keep, d)
			continue
		}
		r.Remove = append(r.Remove, d)
	}
	slices.Reverse(r.Keep)
	return r
}

// rank gives each layer of the restorable chains its place among the
// layers of its database, newest first (0 for the newest).
func rank(chs []Chain) [][]int {
	type layer struct {
		chain, i int
		end      time.Time
	}
	byDB := map[string][]layer{}
	for ci, c := range chs {
		if c.Restorable {
			for i, end := range c.Ends {
				byDB[c.Database] = append(byDB[c.Database], layer{ci, i, end})
			}
		}
	}
	out := make([][]int, len(chs))
	for ci, c := range chs {
		out[ci] = make([]int, len(c.Ends))
	}
	for _, ls := range byDB {
		slices.SortStableFunc(ls, func(a, b layer) int { return b.end.Compare(a.end) })
		for r, l := range ls {
			out[l.chain][l.i] = r
		}
	}
	return out
}

// needed names, by index into chs, the chains each database cannot do
// without, and why.
func needed(chs []Chain) map[int]string {
	out := map[int]string{}
	keep := func(why string, ok func(Chain) bool, key func(Chain) time.Time) {
		newest := map[string]int{}
		for i, c := range chs {
			if !c.Restorable || !ok(c) {
				continue
			}
			if j, seen := newest[c.Database]; !seen || !key(c).Before(key(chs[j])) {
				newest[c.Database] = i
			}
		}
		for db, i := range newest {
			if out[i] == "" {
				out[i] = fmt.Sprintf(why, db)
			}
		}
	}
	all := func(Chain) bool { return true }
	keep("newest restorable backup of database %s", all, Chain.last)
	keep("newest full backup of database %s, which new incrementals extend", all, func(c Chain) time.Time { return c.Ends[0] })
	keep("newest backup of the whole database %s", func(c Chain) bool { return !c.Partial }, Chain.last)
	return out
}

// keptByPolicy says why a policy keeps one of the chain's layers (the
// newest it keeps), or "" when every applicable policy lets all of them go.
func keptByPolicy(c Chain, ranks []int, policies []Policy, now time.Time) string {
	applies := true
	for i, end := range c.Ends {
		days := 0
		if i < len(c.KeepDays) {
			days = c.KeepDays[i]
		}
		if days <= 0 {
			applies = false
			continue
		}
		if until := end.Add(keepFor(days)); !now.After(until) {
			return fmt.Sprintf("taken with a retention of %d days: kept until %s UTC", days, until.UTC().Format("2006-01-02 15:04"))
		}
	}
	order := make([]int, len(c.Ends))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return c.Ends[b].Compare(c.Ends[a]) })
	for _, p := range policies {
		if !p.appliesTo(c.Database) {
			continue
		}
		applies = true
		for _, i := range order {
			if why := p.keeps(c.Ends[i], ranks[i], c.Database, now); why != "" {
				return why
			}
		}
	}
	if !applies {
		return "no retention policy applies to database " + c.Database
	}
	return ""
}

func expiryReason(c Chain, policies []Policy) string {
	var parts []string
	if slices.ContainsFunc(c.KeepDays, func(d int) bool { return d > 0 }) {
		parts = append(parts, "past the retention it was taken with")
	}
	for _, p := range policies {
		if p.appliesTo(c.Database) {
			parts = append(parts, p.expiry(c.Database))
		}
	}
	return "every backup of the chain is " + strings.Join(parts, "; and ")
}

func lockReason(l storage.Lock) string {
	if l.LegalHold {
		return "under a legal hold on the storage: it stays until the hold is lifted"
	}
	why := "locked until " + l.Until.UTC().Format("2006-01-02 15:04:05") + " UTC by the storage's object lock"
	if l.Mode != "" {
		why += " (" + strings.ToLower(l.Mode) + " mode)"
	}
	return why
}
