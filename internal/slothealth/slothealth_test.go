package slothealth

import (
	"testing"

	"github.com/stratabackup/strata/internal/cluster"
)

func TestAssess(t *testing.T) {
	th := Thresholds{Warn: 1 << 30, Critical: 10 << 30}
	for _, tc := range []struct {
		name    string
		slot    cluster.Slot
		level   Level
		problem Problem
	}{
		{"small", cluster.Slot{WALStatus: "reserved", RetainedBytes: 64 << 20}, OK, None},
		{"at the warning threshold", cluster.Slot{WALStatus: "reserved", RetainedBytes: 1 << 30}, OK, None},
		{"above it", cluster.Slot{WALStatus: "extended", RetainedBytes: 1<<30 + 1}, Warning, OverWarn},
		{"above critical", cluster.Slot{WALStatus: "extended", RetainedBytes: 10<<30 + 1}, Critical, OverCritical},
		{"unreserved however small", cluster.Slot{WALStatus: "unreserved", RetainedBytes: 1 << 20}, Critical, Unreserved},
		{"lost", cluster.Slot{WALStatus: "lost", Lost: true}, Critical, Lost},
		{"lost beats unreserved and size", cluster.Slot{WALStatus: "unreserved", Lost: true, RetainedBytes: 20 << 30}, Critical, Lost},
	} {
		c := Assess(tc.slot, th)
		if c.Level != tc.level || c.Problem != tc.problem {
			t.Errorf("%s: %s/%q, want %s/%q", tc.name, c.Level, c.Problem, tc.level, tc.problem)
		}
	}
}

func TestAssessAllKeepsOrderAndSlots(t *testing.T) {
	slots := []cluster.Slot{{Name: "strata_a", RetainedBytes: 5}, {Name: "strata_b", RetainedBytes: 50}}
	checks := AssessAll(slots, Thresholds{Warn: 10, Critical: 100})
	if len(checks) != 2 || checks[0].Name != "strata_a" || checks[0].Level != OK || checks[1].Name != "strata_b" || checks[1].Level != Warning {
		t.Fatalf("checks = %+v", checks)
	}
}
