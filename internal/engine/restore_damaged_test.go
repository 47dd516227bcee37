package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testutil/layers"
)

// TestRestoreRefusesWhatDamageHides: with the index entry of a chain
// damaged, a restore that could have read it (LATEST when it is the
// newest, a moment it may cover, any layer of it) is refused naming the
// entry, and one it could not matter to resolves as before.
func TestRestoreRefusesWhatDamageHides(t *testing.T) {
	ctx := context.Background()
	c := newTestCollection(t)
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	older := layers.Commit(t, c, "shop", t0, "", time.Time{})
	newer := layers.Commit(t, c, "shop", t0.Add(24*time.Hour), "", time.Time{})
	damagedKey := layers.DamageIndex(t, c, newer)
	for _, tc := range []struct {
		name, spec string
		asOf       time.Time
		refused    bool
	}{
		{"LATEST", "LATEST", time.Time{}, true},
		{"the damaged chain by path", newer, time.Time{}, true},
		{"a moment after the damaged chain began", "", t0.Add(48 * time.Hour), true},
		{"the older chain by path", older, time.Time{}, false},
		{"a moment before the damaged chain began", "", t0, false},
	} {
		point, err := ResolveRestorePoint(ctx, c, tc.spec, "shop", tc.asOf)
		switch {
		case tc.refused && (userError(err) == nil || !strings.Contains(userError(err).Error(), damagedKey)):
			t.Errorf("%s: %v, want a message naming the damaged entry", tc.name, err)
		case !tc.refused && (err != nil || point.Manifest().Path != older):
			t.Errorf("%s: %v, %v", tc.name, point, err)
		}
	}
}

// TestIncrementalAfterDamage: an incremental is added to the newest chain
// as usual when an older chain's entry is damaged, and becomes a full
// backup (saying why) when the chain it would extend may be the damaged one.
func TestIncrementalAfterDamage(t *testing.T) {
	ctx := context.Background()
	c := newTestCollection(t)
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	older := layers.Commit(t, c, "shop", t0, "", time.Time{})
	newer := layers.Commit(t, c, "shop", t0.Add(24*time.Hour), "", time.Time{})
	layers.DamageIndex(t, c, older)
	if full, _, err := resolveParent(ctx, BackupParams{Database: "shop"}, c); err != nil || full.Path != newer {
		t.Fatalf("with an older chain damaged: %v, %v", full, err)
	}
	key := layers.DamageIndex(t, c, newer)
	var broken *chainBrokenError
	if _, _, err := resolveParent(ctx, BackupParams{Database: "shop"}, c); !errors.As(err, &broken) || !strings.Contains(broken.reason, key) {
		t.Fatalf("with the newest chain damaged: %v, want a full backup saying why", err)
	}
}
