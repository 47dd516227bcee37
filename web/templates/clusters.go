package templates

import (
	"fmt"

	"github.com/stratabackup/strata/internal/slothealth"
)

// ClusterForm is the add-cluster form's input, echoed back after an error
// (never the password).
type ClusterForm struct {
	Name, DSN string
	Error     string
}

// SlotsView is the cluster page's "Replication slots" section.
type SlotsView struct {
	Checks     []slothealth.Check
	Thresholds slothealth.Thresholds
	Error      string // why the slots could not be listed
}

// unhealthy are the slots that are not OK, in order, for the findings
// under the table.
func (v SlotsView) unhealthy() []slothealth.Check {
	var out []slothealth.Check
	for _, s := range v.Checks {
		if s.Level != slothealth.OK {
			out = append(out, s)
		}
	}
	return out
}

// slotBytes shows an amount of WAL for slot s; a lost slot keeps none.
func slotBytes(s slothealth.Check, n int64) string {
	if s.Lost {
		return "—"
	}
	return Bytes(n)
}

// slotBadge is a slot's health in a word or two.
func slotBadge(p slothealth.Problem) string {
	switch p {
	case slothealth.Lost:
		return "lost"
	case slothealth.Unreserved:
		return "at risk"
	case slothealth.OverCritical:
		return "critical"
	case slothealth.OverWarn:
		return "warning"
	}
	return "ok"
}

// findingClass is the class of a slot's finding: an error when critical.
func findingClass(l slothealth.Level) string {
	if l == slothealth.Critical {
		return "finding-error"
	}
	return "finding-warning"
}

// slotProblem says what is wrong with slot s and what to do about it.
func slotProblem(s slothealth.Check, t slothealth.Thresholds) string {
	switch s.Problem {
	case slothealth.Lost:
		return "is lost: the server removed WAL it still needed, so the backup chain it served is broken. The next backup of " + s.Database + " into that chain's collection will be a full backup."
	case slothealth.Unreserved:
		return "is at risk: the server no longer reserves the WAL it needs (max_slot_wal_keep_size) and removes some at its next checkpoint, which breaks the slot's backup chain. Back up " + s.Database + " now."
	case slothealth.OverCritical:
		return fmt.Sprintf("keeps %s of WAL, above the critical threshold of %s: the server cannot recycle it, and its disk fills. Back up %s to move the slot forward, or drop the slot if its chain is no longer needed.%s",
			Bytes(s.RetainedBytes), Bytes(t.Critical), s.Database, safeWAL(s))
	case slothealth.OverWarn:
		return fmt.Sprintf("keeps %s of WAL, above the warning threshold of %s. Back up %s to move the slot forward.%s",
			Bytes(s.RetainedBytes), Bytes(t.Warn), s.Database, safeWAL(s))
	}
	return ""
}

// safeWAL says how much more WAL the server may write before it gives up
// the slot, when max_slot_wal_keep_size limits it.
func safeWAL(s slothealth.Check) string {
	if s.SafeWALSize == nil {
		return ""
	}
	return " The slot is lost after another " + Bytes(max(*s.SafeWALSize, 0)) + " of WAL."
}
