package templates

import (
	"testing"

	"github.com/stratabackup/strata/internal/schedule"
)

func TestManagedWords(t *testing.T) {
	for _, tc := range []struct {
		recurrence, full string
		label, cadence   string
	}{
		{"@hourly", "@daily", "Hourly", "daily at 00:00 UTC"},
		{"@daily", "", "Every 24 hours", "every run"},
		{"*/7 * * * *", "@weekly", "*/7 * * * *", "weekly, on Sunday at 00:00 UTC"},
	} {
		v := ManagedView{Schedule: &schedule.Schedule{Recurrence: tc.recurrence, FullRecurrence: tc.full}}
		if got := v.frequencyLabel(); got != tc.label {
			t.Errorf("frequencyLabel of %q = %q, want %q", tc.recurrence, got, tc.label)
		}
		if got := v.fullCadence(); got != tc.cadence {
			t.Errorf("fullCadence of %q = %q, want %q", tc.full, got, tc.cadence)
		}
	}
}
