package slothealth

import "github.com/stratabackup/strata/internal/cluster"

// Thresholds are the amounts of retained WAL, in bytes, above which a slot
// is a warning or critical.
type Thresholds struct {
	Warn     int64
	Critical int64
}

// Defaults are the thresholds when none are configured: 1 GiB and 10 GiB.
var Defaults = Thresholds{Warn: 1 << 30, Critical: 10 << 30}

// Level says how urgent a slot's problem is.
type Level string

// Levels.
const (
	OK       Level = "ok"
	Warning  Level = "warning"
	Critical Level = "critical"
)

// Problem is what is wrong with a slot.
type Problem string

// Problems, in the order Check looks for them.
const (
	None         Problem = ""
	Lost         Problem = "lost"          // the WAL it needs is gone: its chain is broken
	Unreserved   Problem = "unreserved"    // over max_slot_wal_keep_size: the next checkpoint may lose it
	OverCritical Problem = "over-critical" // retains more WAL than the critical threshold
	OverWarn     Problem = "over-warn"     // retains more WAL than the warning threshold
)

// Check is a slot with the verdict on it.
type Check struct {
	cluster.Slot
	Level   Level
	Problem Problem
}

// Assess judges one slot against t.
func Assess(s cluster.Slot, t Thresholds) Check {
	switch {
	case s.Lost:
		return Check{s, Critical, Lost}
	case s.WALStatus == "unreserved":
		return Check{s, Critical, Unreserved}
	case s.RetainedBytes > t.Critical:
		return Check{s, Critical, OverCritical}
	case s.RetainedBytes > t.Warn:
		return Check{s, Warning, OverWarn}
	}
	return Check{s, OK, None}
}

// AssessAll judges every slot against t, in order.
func AssessAll(slots []cluster.Slot, t Thresholds) []Check {
	checks := make([]Check, len(slots))
	for i, s := range slots {
		checks[i] = Assess(s, t)
	}
	return checks
}
