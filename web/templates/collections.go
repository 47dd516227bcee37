package templates

import (
	"net/url"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/registry"
)

// CollectionForm is the add-collection form's input, echoed back after an error.
type CollectionForm struct {
	Name, URI, AccessKeyID string
	Error                  string
}

// CollectionView is one collection's page.
type CollectionView struct {
	Collection registry.Collection
	Chains     []Chain // newest first: one page of them
	// Newer says newer chains are on earlier pages; Next is the cursor of
	// the page of older ones ("" when none).
	Newer      bool
	Next       string
	Incomplete []string
	Damaged    []collection.DamagedEntry
	Error      string // the location could not be read: what to fix
	Retention  RetentionView
	// ManagedFor names the cluster a managed collection belongs to;
	// KeptUntil is set once that cluster was removed.
	ManagedFor string
	KeptUntil  time.Time
}

// pageURL is the page of the collection's chains after cursor ("" for
// the newest).
func (v CollectionView) pageURL(cursor string) string {
	if cursor == "" {
		return collectionPath(v.Collection.Name, "")
	}
	return collectionPath(v.Collection.Name, "?"+url.Values{"cursor": {cursor}}.Encode())
}

// managedLive reports whether the collection holds the managed backups of
// a cluster that is still registered.
func (v CollectionView) managedLive() bool { return v.ManagedFor != "" && v.KeptUntil.IsZero() }

// managedOrphaned reports whether the collection holds the managed backups
// of a removed cluster, kept until KeptUntil.
func (v CollectionView) managedOrphaned() bool { return v.ManagedFor != "" && !v.KeptUntil.IsZero() }

// Chain is a full backup and the incrementals on it, oldest first, with
// the moments it can restore.
type Chain struct {
	Layers  []collection.Summary // Layers[0] is the full backup, unless it is missing
	Windows []RestoreWindow      // oldest first; none when the full backup is missing
}

// RestoreWindow is a span of time a chain can restore to.
type RestoreWindow = collection.Window

// Full is the chain's first layer: its full backup, unless MissingFull.
func (c Chain) Full() collection.Summary { return c.Layers[0] }

// Last is the chain's newest layer.
func (c Chain) Last() collection.Summary { return c.Layers[len(c.Layers)-1] }

// MissingFull is set when the chain's full backup is not in the collection's
// index: its incrementals cannot be restored.
func (c Chain) MissingFull() bool { return c.Full().Kind != collection.KindFull }

// HasRevisionHistory tells whether any moment between layers can be restored.
func (c Chain) HasRevisionHistory() bool {
	for _, w := range c.Windows {
		if !w.Moment() {
			return true
		}
	}
	return false
}

// Increments counts the chain's incremental layers.
func (c Chain) Increments() int {
	if c.MissingFull() {
		return len(c.Layers)
	}
	return len(c.Layers) - 1
}

// windowsText says in words every moment the chain can restore.
func (c Chain) windowsText() string {
	parts := make([]string, len(c.Windows))
	for i, w := range c.Windows {
		parts[i] = windowText(w)
	}
	return strings.Join(parts, "; ")
}

// removeConfirm asks before the chain is deleted.
func (c Chain) removeConfirm() string {
	return "Delete the backup chain of " + c.Full().Database + " from " + utcMilli(c.Full().EndTime) + " UTC" +
		" (the full backup and its incrementals) and drop its replication slot? This cannot be undone."
}

// restorable are the chains whose full backup is in the index, in order.
func restorable(chains []Chain) []Chain {
	var out []Chain
	for _, ch := range chains {
		if !ch.MissingFull() {
			out = append(out, ch)
		}
	}
	return out
}

// damagedRemoveConfirm asks before the chain a damaged index entry
// belongs to is deleted.
func damagedRemoveConfirm(d collection.DamagedEntry) string {
	return "Delete the backup chain whose full backup ended at " + utcMilli(d.ChainEnd()) +
		" UTC (the full backup and its incrementals, including those its damaged entry hides) and drop its replication slot? This cannot be undone."
}

// covers says what a layer covers: a full backup its end, an incremental
// (start, end], the end's date left out when it is the start's.
func covers(l collection.Summary) string {
	if l.Kind == collection.KindFull {
		return "at " + utcMilli(l.EndTime)
	}
	end := utcMilli(l.EndTime)
	if l.StartTime.UTC().Format(time.DateOnly) == l.EndTime.UTC().Format(time.DateOnly) {
		end = l.EndTime.UTC().Format("15:04:05.000")
	}
	return utcMilli(l.StartTime) + " – " + end
}

// manifestCovers is covers for the layer m describes.
func manifestCovers(m *collection.Manifest) string {
	return covers(collection.Summary{Kind: m.Kind, StartTime: m.StartTime, EndTime: m.EndTime})
}

// windowText says in words what a restore window holds.
func windowText(w RestoreWindow) string {
	if w.Moment() {
		return "at " + utcMilli(w.To) + " UTC"
	}
	return "any moment from " + utcMilli(w.From) + " to " + utcMilli(w.To) + " UTC"
}

// tableFiles counts a table's files in a layer: whole copies and changes.
func tableFiles(t collection.Table) int64 { return int64(len(t.Files) + len(t.Changes)) }
