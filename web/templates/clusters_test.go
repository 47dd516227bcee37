package templates

import (
	"testing"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/slothealth"
)

func TestSlots(t *testing.T) {
	th := slothealth.Thresholds{Warn: 1 << 30, Critical: 10 << 30}
	safe, gone := int64(512<<20), int64(-5)
	slot := func(name string, level slothealth.Level, p slothealth.Problem, retained int64, safeWAL *int64, lost bool) slothealth.Check {
		return slothealth.Check{
			Slot:  cluster.Slot{Name: name, Database: "shop", RetainedBytes: retained, LagBytes: 100, SafeWALSize: safeWAL, Lost: lost},
			Level: level, Problem: p,
		}
	}
	for _, tc := range []struct {
		name               string
		s                  slothealth.Check
		badge, class, says string
		retained           string
	}{
		{"ok", slot("ok", slothealth.OK, slothealth.None, 1536, nil, false), "ok", "finding-warning", "", "1.5 KiB"},
		{"lost", slot("lost", slothealth.Critical, slothealth.Lost, 1536, nil, true), "lost", "finding-error",
			"is lost: the server removed WAL it still needed, so the backup chain it served is broken. The next backup of shop into that chain's collection will be a full backup.", "—"},
		{"unreserved", slot("unres", slothealth.Critical, slothealth.Unreserved, 3<<30, &gone, false), "at risk", "finding-error",
			"is at risk: the server no longer reserves the WAL it needs (max_slot_wal_keep_size) and removes some at its next checkpoint, which breaks the slot's backup chain. Back up shop now.", "3.0 GiB"},
		{"over critical", slot("crit", slothealth.Critical, slothealth.OverCritical, 11<<30, &safe, false), "critical", "finding-error",
			"keeps 11.0 GiB of WAL, above the critical threshold of 10.0 GiB: the server cannot recycle it, and its disk fills. Back up shop to move the slot forward, or drop the slot if its chain is no longer needed. The slot is lost after another 512.0 MiB of WAL.", "11.0 GiB"},
		{"over critical, nothing safe left", slot("crit", slothealth.Critical, slothealth.OverCritical, 11<<30, &gone, false), "critical", "finding-error",
			"keeps 11.0 GiB of WAL, above the critical threshold of 10.0 GiB: the server cannot recycle it, and its disk fills. Back up shop to move the slot forward, or drop the slot if its chain is no longer needed. The slot is lost after another 0 B of WAL.", "11.0 GiB"},
		{"over warn, unlimited", slot("warn", slothealth.Warning, slothealth.OverWarn, 2<<30, nil, false), "warning", "finding-warning",
			"keeps 2.0 GiB of WAL, above the warning threshold of 1.0 GiB. Back up shop to move the slot forward.", "2.0 GiB"},
	} {
		if got := slotBadge(tc.s.Problem); got != tc.badge {
			t.Errorf("%s: slotBadge = %q, want %q", tc.name, got, tc.badge)
		}
		if got := findingClass(tc.s.Level); got != tc.class {
			t.Errorf("%s: findingClass = %q, want %q", tc.name, got, tc.class)
		}
		if got := slotProblem(tc.s, th); got != tc.says {
			t.Errorf("%s: slotProblem =\n%q\nwant\n%q", tc.name, got, tc.says)
		}
		if got := slotBytes(tc.s, tc.s.RetainedBytes); got != tc.retained {
			t.Errorf("%s: slotBytes = %q, want %q", tc.name, got, tc.retained)
		}
	}

	v := SlotsView{Checks: []slothealth.Check{
		slot("a", slothealth.OK, slothealth.None, 0, nil, false),
		slot("b", slothealth.Critical, slothealth.Lost, 0, nil, true),
		slot("c", slothealth.OK, slothealth.None, 0, nil, false),
		slot("d", slothealth.Warning, slothealth.OverWarn, 0, nil, false),
	}}
	got := v.unhealthy()
	if len(got) != 2 || got[0].Name != "b" || got[1].Name != "d" {
		t.Errorf("unhealthy = %v, want b and d", got)
	}
	if got := (SlotsView{Checks: v.Checks[:1]}).unhealthy(); len(got) != 0 {
		t.Errorf("unhealthy of healthy slots = %v, want none", got)
	}
}
