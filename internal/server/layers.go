package server

import (
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/app/restores"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/usererror"
	"github.com/stratabackup/strata/web/templates"
)

// chainsOf groups a collection's layers (newest first, as Backups lists
// them) into chains: each full backup with its incrementals, oldest first,
// and the moments the chain can restore. Chains come newest first, by their
// last layer; incrementals whose full backup is not listed form a chain of
// their own that cannot be restored.
func chainsOf(sums []collection.Summary) []templates.Chain {
	return chainViews(collection.Chains(sums))
}

// chainViews are chains (each as collection.Chains orders it) as the
// collection page and the wizard show them.
func chainViews(chains [][]collection.Summary) []templates.Chain {
	out := make([]templates.Chain, 0, len(chains))
	for _, layers := range chains {
		ch := templates.Chain{Layers: layers}
		if layers[0].Kind == collection.KindFull {
			ch.Windows = collection.Windows(layers)
		}
		out = append(out, ch)
	}
	return out
}

// parseUTC reads a moment to restore to from the restore form.
func parseUTC(v string) (time.Time, error) {
	t, ok := parseFormTime(v)
	if !ok {
		return time.Time{}, usererror.Errorf("%q is not a date and time: write it like 2026-11-23T14:05:00.000 (UTC)", strings.TrimSpace(v))
	}
	if err := restores.CheckAsOf(t); err != nil {
		return time.Time{}, err
	}
	return t, nil
}
