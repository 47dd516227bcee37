package templates

import (
	"testing"

	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/schedule"
)

func TestScheduleForm(t *testing.T) {
	for _, tc := range []struct {
		kind                   string
		dflt, always, cronKind bool
	}{
		{"", true, false, false},
		{"default", true, false, false},
		{"always", false, true, false},
		{"cron", false, false, true},
	} {
		w := ScheduleWhen{FullKind: tc.kind}
		if w.fullKindIs("default") != tc.dflt || w.fullKindIs("always") != tc.always || w.fullKindIs("cron") != tc.cronKind {
			t.Errorf("FullKind %q: default/always/cron = %v/%v/%v, want %v/%v/%v", tc.kind,
				w.fullKindIs("default"), w.fullKindIs("always"), w.fullKindIs("cron"), tc.dflt, tc.always, tc.cronKind)
		}
	}

	if got := formAction(ScheduleForm{}); got != "/schedules" {
		t.Errorf("formAction of a new schedule = %q, want /schedules", got)
	}
	if got := formAction(ScheduleForm{ID: 12}); got != "/schedules/12" {
		t.Errorf("formAction of schedule 12 = %q, want /schedules/12", got)
	}

	// Weekdays are numbered as cron numbers them.
	if len(weekdayChoices) != 7 || weekdayChoices[0] != [2]string{"0", "Sunday"} || weekdayChoices[6] != [2]string{"6", "Saturday"} {
		t.Errorf("weekdayChoices = %v, want Sunday 0 to Saturday 6", weekdayChoices)
	}
}

func TestScheduleWords(t *testing.T) {
	for status, want := range map[string]string{
		schedules.Active:     "status-succeeded",
		schedules.Running:    "status-running",
		schedules.Unreadable: "status-failed",
		schedules.Paused:     "status-paused",
		"":                   "status-paused",
	} {
		if got := scheduleStatusClass(status); got != want {
			t.Errorf("scheduleStatusClass(%q) = %q, want %q", status, got, want)
		}
	}
	for _, tc := range []struct {
		s    schedule.Schedule
		want string
	}{
		{schedule.Schedule{}, "keep every backup"},
		{schedule.Schedule{KeepDays: 7}, "keep backups for 7 days"},
		{schedule.Schedule{KeepCount: 3, Database: "shop"}, "keep the newest 3 backups of database shop"},
	} {
		if got := keepWords(tc.s); got != tc.want {
			t.Errorf("keepWords(%d days, %d, %q) = %q, want %q", tc.s.KeepDays, tc.s.KeepCount, tc.s.Database, got, tc.want)
		}
	}
}
