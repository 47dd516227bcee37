package collection

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/usererror"
)

// DamagedIndexError names the index entries Backups could not use: entries
// that cannot be read, or that do not describe the layer their key names
// (a disk failed, or someone altered the collection). The layers they stand
// for are not listed. Backups returns it with the layers it could list:
// pages may show those, but whatever builds on or removes a chain asks
// Hides first, so a damaged entry never makes a restore leave a layer out.
type DamagedIndexError struct {
	Entries []DamagedEntry
}

// Readable splits what Backups returned for callers that go on past
// damaged entries: the layers, the damaged entries apart (nil when none),
// and any other error.
func Readable(sums []Summary, err error) ([]Summary, *DamagedIndexError, error) {
	var damaged *DamagedIndexError
	if errors.As(err, &damaged) {
		return sums, damaged, nil
	}
	return sums, nil, err
}

// DamagedEntry is one index entry Backups could not use.
type DamagedEntry struct {
	Key   string // the entry's key in the collection
	Chain string // the path of the chain's full backup, from the key; "" when the key does not say
	Err   error
}

// ChainEnd is when the full backup of the entry's chain ended, to the
// hundredth of a second; zero when the chain is unknown.
func (d DamagedEntry) ChainEnd() time.Time {
	lp, err := parseLayerPath(d.Chain)
	if err != nil {
		return time.Time{}
	}
	return lp.chainEnd
}

func (e *DamagedIndexError) Error() string {
	d := e.Entries[0]
	where := "of an unknown chain"
	if d.Chain != "" {
		where = "of backup chain " + d.Chain
	}
	msg := fmt.Sprintf("index entry %s %s is damaged (%v): the layer it lists cannot be used; restore another backup, or remove the chain", d.Key, where, d.Err)
	if n := len(e.Entries) - 1; n > 0 {
		msg += fmt.Sprintf("; %d more damaged index entries", n)
	}
	return msg
}

// Unwrap makes a DamagedIndexError a user error: its message names the entry.
func (e *DamagedIndexError) Unwrap() error { return usererror.New(e.Error()) }

// Chains returns the chains with a damaged entry, oldest first, and
// whether every damaged entry names its chain.
func (e *DamagedIndexError) Chains() (chains []string, known bool) {
	if e == nil {
		return nil, true
	}
	known = true
	for _, d := range e.Entries {
		if d.Chain == "" {
			known = false
		} else if !slices.Contains(chains, d.Chain) {
			chains = append(chains, d.Chain)
		}
	}
	slices.Sort(chains)
	return chains, known
}

// Hides returns e when a damaged entry may stand for a layer of chain or,
// with newer, for a layer of a chain that ended after it: what would then
// be read is not what was asked for. It returns nil otherwise, and for a
// nil e.
func (e *DamagedIndexError) Hides(chain string, newer bool) error {
	return e.hides(chain, func(DamagedEntry) bool { return newer })
}

// HidesAt is Hides for a restore to asOf from chain: a newer chain matters
// only if its full backup ended by then.
func (e *DamagedIndexError) HidesAt(chain string, asOf time.Time) error {
	return e.hides(chain, func(d DamagedEntry) bool { return !d.ChainEnd().After(asOf) })
}

// hides is Hides, where a newer chain's entry counts when counts says so.
func (e *DamagedIndexError) hides(chain string, counts func(DamagedEntry) bool) error {
	if e == nil {
		return nil
	}
	for _, d := range e.Entries {
		// Chain paths are fixed-width times: text order is time order.
		if d.Chain == "" || d.Chain == chain || d.Chain > chain && counts(d) {
			return e
		}
	}
	return nil
}

// chainOfIndexKey returns the chain whose index folder holds key, or "".
func chainOfIndexKey(key string) string {
	dir, _, _ := strings.Cut(strings.TrimPrefix(key, indexPrefix), "/")
	_, name, ok := strings.Cut(dir, "_")
	if !ok || strings.Count(name, "-") != 3 {
		return ""
	}
	chain := strings.Replace(name, "-", "/", 2)
	if lp, err := parseLayerPath(chain); err != nil || lp.chainIndexDir() != indexPrefix+dir+"/" {
		return ""
	}
	return chain
}

// checkSummary checks that the index entry at key describes the layer its
// key names, as Commit wrote it.
func checkSummary(key string, s Summary) error {
	lp, err := parseLayerPath(s.Path)
	switch {
	case err != nil:
		return fmt.Errorf("it lists %.100q, which is not a backup path", s.Path)
	case s.Kind != lp.kind || s.Chain != lp.chain:
		return fmt.Errorf("it lists %s as %.20q of chain %.100q", s.Path, s.Kind, s.Chain)
	case s.EndTime.UTC().Format(fullLayout) != lp.end.Format(fullLayout):
		return fmt.Errorf("it lists %s as ending at %s", s.Path, s.EndTime.UTC().Format(time.RFC3339Nano))
	case key != lp.chainIndexDir()+desc(s.EndTime)+"_"+string(s.Kind)+"_"+s.ID+".json":
		return fmt.Errorf("it describes layer %s, which its name does not", s.Path)
	}
	return nil
}
