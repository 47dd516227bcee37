package engine

import (
	"fmt"
)

// warnings are what the layer could not carry as it is, for its manifest:
// a restore repeats those that apply to it.
func (r *backupRun) warnings() []string {
	out := append([]string(nil), r.dumpWarnings...)
	if r.snap.noPub != "" {
		out = append(out, r.snap.noPub)
	}
	if r.cat.largeObjects > 0 && !r.withLargeObjects() {
		out = append(out, fmt.Sprintf("database %s has %s; large objects belong to the database, not to a table, so a backup of chosen tables does not hold them",
			r.p.Database, countWord(r.cat.largeObjects, "large object", "large objects")))
	}
	return out
}
