package retention

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/storage"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// randomCase makes chains of up to three databases over the last 120
// days, some without their full backup, some of some tables, some locked
// (held, lapsed or under a legal hold), and up to three policies (some for
// one database, some for a database that has no backups, some empty). End
// times are distinct, so "the newest" has one answer.
func randomCase(r *rand.Rand) ([]Chain, []Policy) {
	dbs := []string{"shop", "crm", "hr"}[:1+r.IntN(3)]
	var chains []Chain
	tick := 0
	for range r.IntN(12) {
		start := now.Add(-time.Duration(r.Int64N(int64(120 * Day))))
		c := Chain{Database: dbs[r.IntN(len(dbs))], Restorable: r.IntN(10) > 0, Partial: r.IntN(5) == 0}
		end := start
		for range 1 + r.IntN(5) {
			tick++
			end = end.Add(time.Duration(r.Int64N(int64(3*Day))) + time.Duration(tick)) // distinct
			if end.After(now) {
				break
			}
			c.Ends = append(c.Ends, end)
		}
		if len(c.Ends) == 0 {
			continue
		}
		c.Path = c.Ends[0].Format("2006/01/02-150405.000000000")
		switch r.IntN(6) {
		case 0:
			c.Lock = storage.Lock{Until: now.Add(time.Duration(r.Int64N(int64(30 * Day)))), Mode: "COMPLIANCE"}
		case 1:
			c.Lock = storage.Lock{Until: now.Add(-time.Duration(r.Int64N(int64(30 * Day)))), Mode: "GOVERNANCE"}
		case 2:
			c.Lock = storage.Lock{LegalHold: r.IntN(4) == 0}
		}
		chains = append(chains, c)
	}
	var policies []Policy
	for i := range r.IntN(4) {
		p := Policy{Source: fmt.Sprintf("policy %d", i)}
		if r.IntN(3) > 0 {
			p.MaxAge = time.Duration(1+r.IntN(60)) * Day
		}
		if r.IntN(2) == 0 {
			p.KeepCount = r.IntN(7)
		}
		switch r.IntN(4) {
		case 0:
			p.Database = dbs[r.IntN(len(dbs))]
		case 1:
			p.Database = "nobody"
		}
		policies = append(policies, p)
	}
	return chains, policies
}

// TestPlanProperties checks Plan against rules stated independently of
// its code, over many random cases: every chain is decided once; nothing
// a database cannot do without, nothing with a layer a policy keeps,
// nothing locked and nothing unrestorable is removed; everything else
// that every applicable policy expires is removed; removals come oldest
// first.
func TestPlanProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(20261124, 5))
	removedSome := 0
	for n := range 20000 {
		chains, policies := randomCase(r)
		res := Plan(chains, policies, now)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("case %d: %s\nchains %+v\npolicies %+v\nresult %+v", n, fmt.Sprintf(format, args...), chains, policies, res)
		}
		removed := map[string]bool{}
		decided := map[string]int{}
		for _, d := range res.Remove {
			removed[d.Chain] = true
			decided[d.Chain]++
		}
		for _, d := range res.Keep {
			decided[d.Chain]++
			if d.Reason == "" {
				fail("%s kept without a reason", d.Chain)
			}
		}
		for _, c := range chains {
			if decided[c.Path] != 1 {
				fail("%s decided %d times", c.Path, decided[c.Path])
			}
		}
		if len(res.Remove) > 0 {
			removedSome++
		}
		if !slices.IsSortedFunc(res.Remove, func(a, b Decision) int { return strings.Compare(a.Chain, b.Chain) }) {
			fail("removals not oldest first")
		}

		mustKeep := essential(chains)
		for _, c := range chains {
			should := c.Restorable && !mustKeep[c.Path] && !c.Lock.Held(now) && expiredByAll(c, chains, policies)
			if removed[c.Path] != should {
				fail("%s removed = %v, want %v (essential %v, locked %v)", c.Path, removed[c.Path], should, mustKeep[c.Path], c.Lock.Held(now))
			}
		}
		// After the removals, every database that had a restorable chain
		// still has one, and it is the newest it had.
		for _, c := range chains {
			if mustKeep[c.Path] && removed[c.Path] {
				fail("essential chain %s removed", c.Path)
			}
		}
	}
	if removedSome < 2000 {
		t.Errorf("only %d cases removed anything: the generator is too timid", removedSome)
	}
}

// essential are the chains each database keeps whatever the policies: the
// one holding its newest restorable moment, the one with its newest full
// backup, and the newest of the whole database.
func essential(chains []Chain) map[string]bool {
	out := map[string]bool{}
	mark := func(ok func(Chain) bool, key func(Chain) time.Time) {
		best := map[string]Chain{}
		for _, c := range chains {
			if b, seen := best[c.Database]; c.Restorable && ok(c) && (!seen || key(c).After(key(b))) {
				best[c.Database] = c
			}
		}
		for _, c := range best {
			out[c.Path] = true
		}
	}
	all := func(Chain) bool { return true }
	newestEnd := func(c Chain) time.Time { return c.Ends[len(c.Ends)-1] }
	mark(all, newestEnd)
	mark(all, func(c Chain) time.Time { return c.Ends[0] })
	mark(func(c Chain) bool { return !c.Partial }, newestEnd)
	return out
}

// expiredByAll: some non-empty policy applies to the chain's database, and
// every one that does lets every layer of the chain go.
func expiredByAll(c Chain, chains []Chain, policies []Policy) bool {
	applies := false
	for _, p := range policies {
		if p.MaxAge == 0 && p.KeepCount == 0 || p.Database != "" && p.Database != c.Database {
			continue
		}
		applies = true
		for _, end := range c.Ends {
			newer := 0 // restorable layers of the database that ended later
			for _, o := range chains {
				for _, e := range o.Ends {
					if o.Restorable && o.Database == c.Database && e.After(end) {
						newer++
					}
				}
			}
			old := p.MaxAge == 0 || now.Sub(end) > p.MaxAge
			beyond := p.KeepCount == 0 || newer >= p.KeepCount
			if !old || !beyond {
				return false
			}
		}
	}
	return applies
}

func days(n int) time.Time { return now.Add(-time.Duration(n) * Day) }

// TestPlanReasons shows the words users read for each decision.
func TestPlanReasons(t *testing.T) {
	chains := []Chain{
		{Path: "a", Database: "shop", Restorable: true, Ends: []time.Time{days(90), days(89)}},
		{Path: "b", Database: "shop", Restorable: true, Ends: []time.Time{days(60)}, Lock: storage.Lock{Until: now.Add(Day), Mode: "GOVERNANCE"}},
		{Path: "c", Database: "shop", Restorable: true, Ends: []time.Time{days(50)}, Lock: storage.Lock{LegalHold: true}},
		{Path: "d", Database: "shop", Restorable: false, Ends: []time.Time{days(45)}},
		{Path: "e", Database: "shop", Restorable: true, Ends: []time.Time{days(40), days(10)}},
		{Path: "f", Database: "shop", Restorable: true, Ends: []time.Time{days(3)}},
		{Path: "g", Database: "crm", Restorable: true, Ends: []time.Time{days(80)}},
		{Path: "h", Database: "crm", Restorable: true, Ends: []time.Time{days(70)}},
		{Path: "k", Database: "crm", Restorable: true, Ends: []time.Time{days(75)}},
		{Path: "i", Database: "hr", Restorable: true, Ends: []time.Time{days(70)}},
		{Path: "j", Database: "hr", Restorable: true, Ends: []time.Time{days(60)}},
	}
	policies := []Policy{
		{MaxAge: 30 * Day, KeepCount: 2, Source: "collection policy"},
		{KeepCount: 3, Database: "crm", Source: "schedule crm"},
		{Database: "hr", Source: "schedule without retention"},
	}
	got := Plan(chains, policies, now)
	want := Result{
		Remove: []Decision{
			{"a", "shop", "every backup of the chain is older than 30 days and not among the newest 2 of database shop (collection policy)"},
		},
		Keep: []Decision{ // newest full backup first
			{"f", "shop", "newest restorable backup of database shop"},
			{"e", "shop", "within 30 days (collection policy)"},
			{"d", "shop", "its full backup is missing, so it cannot be restored; expiry leaves it alone"},
			{"c", "shop", "under a legal hold on the storage: it stays until the hold is lifted"},
			{"j", "hr", "newest restorable backup of database hr"},
			{"b", "shop", "locked until 2026-11-25 12:00:00 UTC by the storage's object lock (governance mode)"},
			{"i", "hr", "among the newest 2 of database hr (collection policy)"},
			{"h", "crm", "newest restorable backup of database crm"},
			{"k", "crm", "among the newest 2 of database crm (collection policy)"},
			{"g", "crm", "among the newest 3 of database crm (schedule crm)"},
		},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got\n%s\nwant\n%s", lines(got), lines(want))
	}
	if got := Plan(chains, nil, now); len(got.Remove) != 0 || got.Keep[len(got.Keep)-1].Reason != "no retention policy applies to database shop" {
		t.Errorf("without policies: %s", lines(got))
	}
}

func lines(r Result) string {
	var b strings.Builder
	for _, d := range r.Remove {
		fmt.Fprintf(&b, "  remove %s %s: %s\n", d.Chain, d.Database, d.Reason)
	}
	for _, d := range r.Keep {
		fmt.Fprintf(&b, "  keep %s %s: %s\n", d.Chain, d.Database, d.Reason)
	}
	return b.String()
}

func TestPolicyString(t *testing.T) {
	for p, want := range map[Policy]string{
		{}:                                     "keep every backup",
		{MaxAge: Day}:                          "keep backups for 1 day",
		{KeepCount: 5}:                         "keep the newest 5 backups of each database",
		{MaxAge: 30 * Day, KeepCount: 3}:       "keep backups for 30 days, and at least the newest 3 of each database whatever their age",
		{KeepCount: 2, Database: "shop"}:       "keep the newest 2 backups of database shop",
		{MaxAge: 36 * time.Hour, KeepCount: 0}: "keep backups for 36h0m0s",
	} {
		if got := p.String(); got != want {
			t.Errorf("%+v: %q, want %q", p, got, want)
		}
	}
}

// TestOwnRetention: a managed backup keeps to the retention it was taken
// with, whatever was set later, and expires once it lapses, with or without
// policies; layers without their own retention still need a policy.
func TestOwnRetention(t *testing.T) {
	chains := []Chain{
		{Path: "old30", Database: "shop", Restorable: true, Ends: []time.Time{days(40), days(35)}, KeepDays: []int{30, 30}},
		{Path: "kept30", Database: "shop", Restorable: true, Ends: []time.Time{days(20)}, KeepDays: []int{30}},
		{Path: "new7", Database: "shop", Restorable: true, Ends: []time.Time{days(10)}, KeepDays: []int{7}},
		{Path: "newest", Database: "shop", Restorable: true, Ends: []time.Time{days(1)}, KeepDays: []int{7}},
		{Path: "mixed", Database: "crm", Restorable: true, Ends: []time.Time{days(50), days(45)}, KeepDays: []int{30, 0}},
		{Path: "crm-newest", Database: "crm", Restorable: true, Ends: []time.Time{days(2)}, KeepDays: []int{30}},
	}
	got := Plan(chains, nil, now)
	removed := map[string]string{}
	for _, d := range got.Remove {
		removed[d.Chain] = d.Reason
	}
	if len(removed) != 2 || removed["old30"] == "" || removed["new7"] == "" {
		t.Fatalf("removed %v, want old30 (past 30 days) and new7 (past the 7 days it was taken with)", removed)
	}
	if !strings.Contains(removed["new7"], "past the retention it was taken with") {
		t.Errorf("reason: %s", removed["new7"])
	}
	for _, d := range got.Keep {
		switch d.Chain {
		case "kept30":
			if !strings.Contains(d.Reason, "retention of 30 days") {
				t.Errorf("kept30: %s", d.Reason)
			}
		case "mixed":
			if !strings.Contains(d.Reason, "no retention policy applies") {
				t.Errorf("a layer without its own retention and no policy must stay: %s", d.Reason)
			}
		}
	}
	// A policy applies on top: the union keeps what either keeps.
	got = Plan(chains, []Policy{{MaxAge: 60 * Day, Source: "collection policy"}}, now)
	if len(got.Remove) != 0 {
		t.Errorf("a 60-day policy keeps everything here, yet %v were removed", got.Remove)
	}
}

// TestRetentionNumbersNeverWrap: a number of days past the limit (an old
// row, a manifest from elsewhere) keeps backups for the limit, never for a
// duration that wrapped around, and such numbers are refused where they
// are entered.
func TestRetentionNumbersNeverWrap(t *testing.T) {
	for _, days := range []int{MaxKeepDays + 1, 159009088813961, math.MaxInt} {
		if p := PolicyOf(days, 0, "", "test"); p.MaxAge != MaxKeepDays*Day {
			t.Errorf("PolicyOf(%d days): max age %v, want %v", days, p.MaxAge, time.Duration(MaxKeepDays)*Day)
		}
		if err := CheckLimits(days, 0); err == nil {
			t.Errorf("CheckLimits(%d days) accepted it", days)
		}
	}
	if err := CheckLimits(0, MaxKeepCount+1); err == nil {
		t.Error("CheckLimits accepted a count past the limit")
	}
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	old := now.AddDate(-5, 0, 0)
	chains := []Chain{
		{Database: "db", Path: "own", Restorable: true, Ends: []time.Time{old}, KeepDays: []int{159009088813961}},
		{Database: "db", Path: "policy", Restorable: true, Ends: []time.Time{old.Add(time.Hour)}},
		{Database: "db", Path: "new", Restorable: true, Ends: []time.Time{now.Add(-time.Hour)}},
	}
	if res := Plan(chains, []Policy{PolicyOf(159009088813961, 0, "", "schedule")}, now); len(res.Remove) != 0 {
		t.Errorf("chains kept for 159009088813961 days expire: %+v", res.Remove)
	}
}

// TestEverythingLeavesOutChainsWithoutLayers: a chain without layers
// panicked Everything (index out of range), where Plan leaves it out
// (found by FuzzPlan).
func TestEverythingLeavesOutChainsWithoutLayers(t *testing.T) {
	chains := []Chain{{Path: "empty", Database: "shop"}, {Path: "a", Database: "shop", Restorable: true, Ends: []time.Time{days(3)}}}
	res := Everything(chains, "cluster removed", now)
	if len(res.Keep) != 0 || len(res.Remove) != 1 || res.Remove[0].Chain != "a" {
		t.Errorf("Everything = %+v", res)
	}
}
