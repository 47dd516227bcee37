package schedule

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, expr string) Recurrence {
	t.Helper()
	r, err := Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// clock drives a schedule through time: every minute it asks Due, starts
// what is due, and ends each run after runFor with the outcome fail gives.
type clock struct {
	t       *testing.T
	spec    Spec
	st      State
	now     time.Time
	log     []string
	runEnds time.Time
	runFull bool
}

func (c *clock) advance(d time.Duration, runFor time.Duration, fail func(n int) bool) {
	end := c.now.Add(d)
	for ; !c.now.After(end); c.now = c.now.Add(time.Minute) {
		if c.st.Running && !c.now.Before(c.runEnds) {
			ok := !fail(len(c.log))
			c.st = Finished(c.spec, c.st, c.runFull, ok, c.now)
			if !ok {
				c.log[len(c.log)-1] += " failed"
			}
		}
		r := Due(c.spec, c.st, c.now)
		c.st = r.State
		if r.Start {
			kind := "inc"
			if r.Full {
				kind = "full"
			}
			c.log = append(c.log, c.now.Format("15:04")+" "+kind)
			c.runEnds, c.runFull = c.now.Add(runFor), r.Full
		}
	}
}

func never(int) bool { return false }

func TestRecurrenceAndFullCadence(t *testing.T) {
	spec := Spec{Recurrence: mustParse(t, "*/15 * * * *"), Full: mustParse(t, "0 */2 * * *"), OnFailure: OnFailureReschedule, OnPreviousRunning: OnRunningSkip}
	c := &clock{t: t, spec: spec, now: time.Date(2026, 11, 23, 9, 50, 0, 0, time.UTC)}
	c.st.NextRun = spec.Recurrence.Next(c.now)
	c.advance(2*time.Hour+30*time.Minute, 2*time.Minute, never)
	want := "10:00 full, 10:15 inc, 10:30 inc, 10:45 inc, 11:00 inc, 11:15 inc, 11:30 inc, 11:45 inc, 12:00 full, 12:15 inc"
	if got := strings.Join(c.log, ", "); got != want {
		t.Errorf("runs:\n got %s\nwant %s", got, want)
	}
}

func TestMissedRunsRunOnce(t *testing.T) {
	spec := Spec{Recurrence: mustParse(t, "@hourly"), Full: mustParse(t, "@daily"), OnFailure: OnFailureReschedule, OnPreviousRunning: OnRunningStart}
	st := State{NextRun: time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC), HasFull: true, NextFull: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)}
	// The console was down from 02:30 to 09:20: one run at start, then hourly.
	now := time.Date(2026, 11, 23, 9, 20, 0, 0, time.UTC)
	r := Due(spec, st, now)
	if !r.Start || r.Full || !r.State.NextRun.Equal(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("after downtime: %+v", r)
	}
	r.State.Running = false
	if again := Due(spec, r.State, now.Add(time.Minute)); again.Start {
		t.Fatalf("a second run for the same missed slots: %+v", again)
	}
}

func TestIncrementalsWaitForTheFirstFull(t *testing.T) {
	spec := Spec{Recurrence: mustParse(t, "*/5 * * * *"), Full: mustParse(t, "@daily"), OnFailure: OnFailureReschedule, OnPreviousRunning: OnRunningStart}
	c := &clock{t: t, spec: spec, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	c.st.NextRun = c.now
	// The first full backup takes 12 minutes: no incremental starts meanwhile,
	// even with on_previous_running=start; the first one after it does.
	c.advance(20*time.Minute, 12*time.Minute, never)
	if got := strings.Join(c.log, ", "); got != "10:00 full, 10:12 inc, 10:15 inc, 10:20 inc" {
		t.Errorf("runs: %s", got)
	}
}

func TestOverlapPolicies(t *testing.T) {
	for policy, want := range map[string]string{
		OnRunningStart: "10:00 inc, 10:05 inc, 10:10 inc, 10:15 inc",
		OnRunningSkip:  "10:00 inc, 10:10 inc",
		OnRunningWait:  "10:00 inc, 10:07 inc, 10:14 inc",
	} {
		spec := Spec{Recurrence: mustParse(t, "*/5 * * * *"), Full: mustParse(t, "@daily"), OnFailure: OnFailureReschedule, OnPreviousRunning: policy}
		c := &clock{t: t, spec: spec, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
		c.st = State{NextRun: c.now, HasFull: true, NextFull: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)}
		c.advance(15*time.Minute, 7*time.Minute, never)
		if got := strings.Join(c.log, ", "); got != want {
			t.Errorf("%s: runs %s, want %s", policy, got, want)
		}
	}
}

func TestFailurePolicies(t *testing.T) {
	failFirst := func(n int) bool { return n == 1 }
	for policy, want := range map[string]string{
		OnFailureRetry:      "10:00 full failed, 10:03 full, 10:15 inc, 10:30 inc",
		OnFailureReschedule: "10:00 full failed, 10:15 full, 10:30 inc",
		OnFailurePause:      "10:00 full failed",
	} {
		spec := Spec{Recurrence: mustParse(t, "*/15 * * * *"), Full: mustParse(t, "@daily"), OnFailure: policy, OnPreviousRunning: OnRunningSkip}
		c := &clock{t: t, spec: spec, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
		c.st.NextRun = c.now
		c.advance(40*time.Minute, 2*time.Minute, failFirst)
		if got := strings.Join(c.log, ", "); got != want {
			t.Errorf("%s: runs %s, want %s", policy, got, want)
		}
		if policy == OnFailurePause && !c.st.Paused {
			t.Errorf("pause policy: schedule not paused")
		}
	}
	if err := (Spec{OnFailure: "explode", OnPreviousRunning: OnRunningSkip}).CheckPolicies(); err == nil || !strings.Contains(fmt.Sprint(err), "retry, reschedule, pause") {
		t.Errorf("bad policy: %v", err)
	}
}

func TestEveryRunFullWithoutCadence(t *testing.T) {
	spec := Spec{Recurrence: mustParse(t, "0 3 * * 0"), OnFailure: OnFailureReschedule, OnPreviousRunning: OnRunningSkip}
	st := State{NextRun: time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC), HasFull: true}
	r := Due(spec, st, st.NextRun)
	if !r.Start || !r.Full {
		t.Fatalf("weekly schedule without a full cadence: %+v", r)
	}
}
