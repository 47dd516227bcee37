package server

import (
	"testing"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/testutil/browser"
)

// TestBrowserSchedulePresetPauseResume creates a schedule from a preset in
// headless Chromium: the form describes the choice in plain words with its
// next runs as it changes (and says what is wrong with a bad cron); the
// schedule's page shows the same; pausing and resuming it show on the page,
// and a run started by hand shows in its run history.
func TestBrowserSchedulePresetPauseResume(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	env.unreachableCluster()
	b := browser.New(t)
	base := env.http.URL

	p := browser.Open(t, b, base+"/login")
	p.MustElement(`input[name=username]`).MustInput("root")
	p.MustElement(`input[name=password]`).MustInput(testPassword)
	submit(p, `form[action="/login"]`)

	p = browser.Open(t, b, base+"/schedules")
	p.MustElementR("#schedules-empty", "No schedules yet")
	browser.Screenshot(t, p, "empty")
	wait := p.MustWaitNavigation()
	p.MustElementR("a", "Create a schedule").MustClick()
	wait()
	p.MustElementR("h1", "New schedule")

	p.MustElement(`input[name=label]`).MustInput("shop every 15 minutes")
	p.MustElement(`input[name=database]`).MustInput("shop")
	kind := p.MustElement(`#recurrence-kind`)
	kind.MustSelect("Cron expression…")
	p.MustElement(`input[name=cron]`).MustInput("61 * * * *")
	p.MustElementR("#recurrence-error", `cron expression "61 \* \* \* \*" is not valid`)
	browser.Screenshot(t, p, "form-bad-cron")

	kind.MustSelect("Every 15 minutes")
	p.MustElementR("#recurrence-words", "^every 15 minutes$")
	if n := len(p.MustElements("#preview-runs li")); n != 5 {
		t.Fatalf("the form previews %d next runs, want 5", n)
	}
	p.MustElementR("#full-default", "^daily at 00:00 UTC$")
	if p.MustHas("#recurrence-error") {
		t.Fatal("the cron error stays after choosing a preset")
	}
	browser.Screenshot(t, p, "form")
	submit(p, "#schedule-form")

	p.MustElementR(".flash-ok", "Schedule shop every 15 minutes created")
	p.MustElementR("#schedule-words", "^every 15 minutes$")
	if n := len(p.MustElements("#next-runs li")); n != 5 {
		t.Fatalf("the schedule page lists %d next runs, want 5", n)
	}
	p.MustElementR("h1 .badge", "^active$")
	p.MustElementR("#webhook-deliveries", "no webhook, so no alerts are sent") // loaded by htmx
	browser.Screenshot(t, p, "detail")

	submit(p, `form[action$="/pause"]`)
	p.MustElementR(".flash-ok", "Schedule paused")
	p.MustElementR("h1 .badge", "^paused$")
	p.MustElementR("#schedule-facts dd", `paused`)
	browser.Screenshot(t, p, "paused")
	if sch := env.onlySchedule(); !sch.State.Paused {
		t.Fatal("the schedule is not paused in the store")
	}

	submit(p, `form[action$="/resume"]`)
	p.MustElementR(".flash-ok", "Schedule resumed")
	p.MustElementR("h1 .badge", "^active$")
	if sch := env.onlySchedule(); sch.State.Paused {
		t.Fatal("the schedule is still paused in the store")
	}

	// Run now: the run's job shows in the run history, linked to its page.
	submit(p, `form[action$="/run"]`)
	p.MustElementR(".flash-ok", "Run started")
	p.MustElementR("#run-history td a", `^#\d+$`)
	p.MustElementR("#run-history td", "^full$")
	browser.Screenshot(t, p, "run-history")
	wait = p.MustWaitNavigation()
	p.MustElementR("a", "^Edit$").MustClick()
	wait()
	p.MustElementR("#recurrence-kind option[selected]", "Every 15 minutes")
	browser.Screenshot(t, p, "edit")

	p = browser.Open(t, b, base+"/schedules")
	p.MustElementR("#schedules td a", "shop every 15 minutes")
	p.MustElementR("#schedules td", "^every 15 minutes$")
	browser.Screenshot(t, p, "list")
}
