package retention

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/testutil"
)

// The fuzz targets below run over their seeds (testdata/fuzz and the
// f.Add calls) as ordinary tests. To look for more:
//
//	go test -fuzz=FuzzPlan -fuzztime=60s -parallel=1 ./internal/retention

// FuzzLimits: numbers CheckLimits accepts make exactly the policy they
// say; any number at all makes a policy within the limits, never one
// that wrapped around; what is refused says why.
func FuzzLimits(f *testing.F) {
	f.Add(30, 7)
	f.Add(159009088813961, 0)
	f.Fuzz(func(t *testing.T, keepDays, keepCount int) {
		p := PolicyOf(keepDays, keepCount, "", "fuzz")
		if p.MaxAge < 0 || p.MaxAge > MaxKeepDays*Day || p.MaxAge%Day != 0 || p.KeepCount < 0 || p.KeepCount > MaxKeepCount {
			t.Fatalf("PolicyOf(%d, %d) = %+v", keepDays, keepCount, p)
		}
		testutil.Readable(t, p.String())
		if err := CheckLimits(keepDays, keepCount); err != nil {
			testutil.UserError(t, err)
			return
		}
		if int(p.MaxAge/Day) != keepDays || p.KeepCount != keepCount {
			t.Fatalf("CheckLimits accepts %d days and %d backups, which make %+v", keepDays, keepCount, p)
		}
	})
}

// fuzzBytes reads numbers from a fuzzer's bytes, zeros once they run out.
type fuzzBytes []byte

func (b *fuzzBytes) byte() byte {
	if len(*b) == 0 {
		return 0
	}
	c := (*b)[0]
	*b = (*b)[1:]
	return c
}

func (b *fuzzBytes) int64() int64 {
	var buf [8]byte
	n := copy(buf[:], *b)
	*b = (*b)[n:]
	return int64(binary.LittleEndian.Uint64(buf[:]))
}

// time is a moment near now (most), or anywhere in the years 0 to 9999 a
// manifest or index entry can hold.
func (b *fuzzBytes) time() time.Time {
	n := b.int64()
	if b.byte()%4 > 0 {
		return now.Add(-time.Duration(n % int64(400*Day)))
	}
	first, last := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
	return time.Unix(first+int64(uint64(n)%uint64(last-first+1)), 0).UTC()
}

// fuzzCase reads chains (some without layers) and policies from data.
func fuzzCase(data []byte) ([]Chain, []Policy) {
	b := fuzzBytes(data)
	dbs := []string{"shop", "crm", "hr"}
	var chains []Chain
	for i := range int(b.byte() % 10) {
		flags := b.byte()
		c := Chain{Path: fmt.Sprintf("chain%d", i), Database: dbs[flags%3], Restorable: flags&4 == 0, Partial: flags&8 != 0}
		for range int(b.byte() % 5) {
			c.Ends = append(c.Ends, b.time())
			if flags&16 != 0 {
				c.KeepDays = append(c.KeepDays, int(b.int64()))
			}
		}
		switch flags >> 5 {
		case 1:
			c.Lock = storage.Lock{Until: b.time(), Mode: "COMPLIANCE"}
		case 2:
			c.Lock = storage.Lock{LegalHold: true}
		}
		chains = append(chains, c)
	}
	var policies []Policy
	for i := range int(b.byte() % 4) {
		db := ""
		if c := b.byte(); c%2 == 1 {
			db = dbs[c/2%3]
		}
		policies = append(policies, PolicyOf(int(b.int64()), int(b.int64()), db, fmt.Sprintf("policy %d", i)))
	}
	return chains, policies
}

// FuzzPlan: whatever the chains hold (layers at any time, retention
// numbers of any size, locks), Plan decides each chain with layers once,
// and removes none that a database cannot do without, that is locked or
// not restorable, that holds a layer still within the retention it was
// taken with, or that a policy keeps. Everything removes only what no
// lock holds.
func FuzzPlan(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x03\x10\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		chains, policies := fuzzCase(data)
		res := Plan(chains, policies, now)
		decided := map[string]int{}
		for _, d := range slices.Concat(res.Remove, res.Keep) {
			decided[d.Chain]++
			testutil.Readable(t, d.Reason)
		}
		removed := map[string]bool{}
		for _, d := range res.Remove {
			removed[d.Chain] = true
		}
		for _, c := range chains {
			if want := min(len(c.Ends), 1); decided[c.Path] != want {
				t.Fatalf("%s (%d layers) decided %d times: %+v", c.Path, len(c.Ends), decided[c.Path], res)
			}
			if !removed[c.Path] {
				continue
			}
			if why := keeps(c, chains, policies); why != "" {
				t.Fatalf("%s removed, yet %s\nchain %+v\npolicies %+v", c.Path, why, c, policies)
			}
		}
		if why := lost(chains, removed); why != "" {
			t.Fatalf("%s\nchains %+v\nresult %+v", why, chains, res)
		}
		if !slices.IsSortedFunc(res.Remove, byFirstEnd(chains)) {
			t.Fatalf("removals not oldest first: %+v", res.Remove)
		}

		all := Everything(chains, "cluster removed", now)
		for _, d := range all.Remove {
			for _, c := range chains {
				if c.Path == d.Chain && c.Lock.Held(now) {
					t.Fatalf("%s removed under lock %+v", c.Path, c.Lock)
				}
			}
		}
		if n := len(all.Remove) + len(all.Keep); n != len(withLayers(chains)) {
			t.Fatalf("Everything decided %d of %d chains with layers", n, len(withLayers(chains)))
		}
	})
}

func withLayers(chains []Chain) []Chain {
	return slices.DeleteFunc(slices.Clone(chains), func(c Chain) bool { return len(c.Ends) == 0 })
}

// keeps says why c must stay, stated apart from Plan's code: not
// restorable, locked, a layer within its own retention, no policy and not
// every layer with its own, or a layer an applicable policy keeps.
func keeps(c Chain, chains []Chain, policies []Policy) string {
	switch {
	case !c.Restorable:
		return "it is not restorable"
	case c.Lock.Held(now):
		return "it is locked"
	}
	own := true
	for i, end := range c.Ends {
		days := 0
		if i < len(c.KeepDays) {
			days = c.KeepDays[i]
		}
		if days <= 0 {
			own = false
			continue
		}
		days = min(days, MaxKeepDays)
		if !end.Add(time.Duration(days) * Day).Before(now) {
			return fmt.Sprintf("layer %d is within the %d days it was taken with", i, days)
		}
	}
	applies := false
	for _, p := range policies {
		if p.Empty() || p.Database != "" && p.Database != c.Database {
			continue
		}
		applies = true
		for i, end := range c.Ends {
			// Layers that may rank before this one: those that ended
			// later, and, as ties go either way, at the same time.
			before := 0
			for _, o := range chains {
				for j, e := range o.Ends {
					if o.Restorable && o.Database == c.Database && !e.Before(end) && (o.Path != c.Path || j != i) {
						before++
					}
				}
			}
			if p.MaxAge > 0 && now.Sub(end) <= p.MaxAge {
				return fmt.Sprintf("%s keeps a layer by age", p.Source)
			}
			if p.KeepCount > 0 && before < p.KeepCount {
				return fmt.Sprintf("%s keeps a layer by count", p.Source)
			}
		}
	}
	if !applies && !own {
		return "no policy applies"
	}
	return ""
}

// lost says what a database lost through the removals: every database
// keeps a chain with its newest restorable moment, one with its newest
// full backup, and one with its newest moment of the whole database
// (ties go either way).
func lost(chains []Chain, removed map[string]bool) string {
	last := func(c Chain) time.Time { return slices.MaxFunc(c.Ends, time.Time.Compare) }
	first := func(c Chain) time.Time { return c.Ends[0] }
	for _, k := range []struct {
		what string
		ok   func(Chain) bool
		key  func(Chain) time.Time
	}{
		{"newest restorable moment", func(Chain) bool { return true }, last},
		{"newest full backup", func(Chain) bool { return true }, first},
		{"newest moment of the whole database", func(c Chain) bool { return !c.Partial }, last},
	} {
		before, after := map[string]time.Time{}, map[string]time.Time{}
		for _, c := range withLayers(chains) {
			if !c.Restorable || !k.ok(c) {
				continue
			}
			if t, seen := before[c.Database]; !seen || k.key(c).After(t) {
				before[c.Database] = k.key(c)
			}
			if t, seen := after[c.Database]; !removed[c.Path] && (!seen || k.key(c).After(t)) {
				after[c.Database] = k.key(c)
			}
		}
		for db, t := range before {
			if a, ok := after[db]; !ok || !a.Equal(t) {
				return fmt.Sprintf("database %s lost its %s (%s)", db, k.what, t)
			}
		}
	}
	return ""
}

func byFirstEnd(chains []Chain) func(a, b Decision) int {
	first := map[string]time.Time{}
	for _, c := range chains {
		if len(c.Ends) > 0 {
			first[c.Path] = c.Ends[0]
		}
	}
	return func(a, b Decision) int {
		return cmp.Or(first[a.Chain].Compare(first[b.Chain]), strings.Compare(a.Chain, b.Chain))
	}
}
