package alerts_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/schedule"
)

// TestDeliverJobFailed sends a job_failed alert to a local receiver: one
// JSON POST with the schedule and the job, marked delivered.
func TestDeliverJobFailed(t *testing.T) {
	c := newConsole(t, t.TempDir())
	r := newReceiver(t, always(http.StatusNoContent))
	s := c.addSchedule(t, "shop nightly", r.URL+"/hooks/strata", time.Hour, t0.Add(-time.Hour))
	j := c.addJob(t, s.ID, jobs.StatusFailed, t0.Add(-time.Minute), "could not connect to prod: connection refused")
	if err := c.n.JobFailed(context.Background(), s, j, t0); err != nil {
		t.Fatal(err)
	}
	if d := c.only(t, s.ID); d.Status != alerts.StatusPending || d.Attempts != 0 || !d.NextAttemptAt.Equal(t0) {
		t.Fatalf("queued: %+v", d)
	}
	c.deliver(t, t0)
	got := r.got()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	q := got[0]
	if q.Path != "/hooks/strata" || q.ContentType != "application/json" || q.UserAgent != "Strata" || q.Event != alerts.EventJobFailed {
		t.Errorf("request: %+v", q)
	}
	sch, _ := q.Body["schedule"].(map[string]any)
	job, _ := q.Body["job"].(map[string]any)
	if q.Body["event"] != alerts.EventJobFailed || q.Body["at"] != "2026-11-20T12:00:00Z" ||
		sch["label"] != "shop nightly" || sch["cluster"] != "prod" || sch["database"] != "shop" || sch["collection"] != "local" ||
		job["id"] != float64(j.ID) || job["status"] != "failed" || job["error"] != j.Error || job["finished_at"] != "2026-11-20T11:59:00Z" ||
		!strings.Contains(q.Body["text"].(string), "connection refused") {
		t.Errorf("body: %v", q.Body)
	}
	d := c.only(t, s.ID)
	if d.Status != alerts.StatusDelivered || d.Attempts != 1 || d.LastStatusCode != http.StatusNoContent || d.LastError != "" ||
		!d.DeliveredAt.Equal(t0) || !d.NextAttemptAt.IsZero() {
		t.Errorf("delivery: %+v", d)
	}
	c.deliver(t, t0.Add(time.Hour))
	if n := len(r.got()); n != 1 {
		t.Errorf("%d requests after another pass, want 1", n)
	}
}

// TestDeliverRetriesWithBackoff: a receiver that fails twice gets the alert
// on the third attempt, each retry waiting 30 s, then 1 min.
func TestDeliverRetriesWithBackoff(t *testing.T) {
	c := newConsole(t, t.TempDir())
	r := newReceiver(t, func(nth int) int {
		if nth < 3 {
			return http.StatusBadGateway
		}
		return http.StatusOK
	})
	s := c.addSchedule(t, "shop", r.URL, 0, t0)
	if err := c.n.Test(context.Background(), s, t0); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		at       time.Duration
		requests int
		status   string
		next     time.Duration // from t0; 0: none
	}{
		{0, 1, alerts.StatusPending, 30 * time.Second},
		{29 * time.Second, 1, alerts.StatusPending, 30 * time.Second},
		{30 * time.Second, 2, alerts.StatusPending, 90 * time.Second},
		{89 * time.Second, 2, alerts.StatusPending, 90 * time.Second},
		{90 * time.Second, 3, alerts.StatusDelivered, 0},
	}
	for _, st := range steps {
		c.deliver(t, t0.Add(st.at))
		d := c.only(t, s.ID)
		wantNext := time.Time{}
		if st.next > 0 {
			wantNext = t0.Add(st.next)
		}
		if n := len(r.got()); n != st.requests || d.Status != st.status || d.Attempts != st.requests || !d.NextAttemptAt.Equal(wantNext) {
			t.Fatalf("at +%s: %d requests, delivery %+v; want %d requests, %s, next %s", st.at, n, d, st.requests, st.status, wantNext)
		}
	}
	if d := c.only(t, s.ID); d.LastStatusCode != http.StatusOK || d.LastError != "" || !d.DeliveredAt.Equal(t0.Add(90*time.Second)) {
		t.Errorf("delivered: %+v", d)
	}
}

// TestDeliverGivesUp: a receiver that always fails gets MaxAttempts
// attempts, then the delivery is failed with the receiver's answer.
func TestDeliverGivesUp(t *testing.T) {
	c := newConsole(t, t.TempDir())
	c.n.MaxAttempts = 4
	r := newReceiver(t, always(http.StatusServiceUnavailable))
	s := c.addSchedule(t, "shop", r.URL, 0, t0)
	if err := c.n.Test(context.Background(), s, t0); err != nil {
		t.Fatal(err)
	}
	for now := t0; now.Before(t0.Add(time.Hour)); now = now.Add(time.Minute) {
		c.deliver(t, now)
	}
	d := c.only(t, s.ID)
	if n := len(r.got()); n != 4 || d.Status != alerts.StatusFailed || d.Attempts != 4 || d.LastStatusCode != http.StatusServiceUnavailable ||
		d.LastError != "the receiver answered 503 Service Unavailable" || !d.NextAttemptAt.IsZero() {
		t.Errorf("%d requests, delivery %+v", n, d)
	}
	if !strings.Contains(c.logs.String(), "gave up") {
		t.Errorf("log: %s", c.logs)
	}
}

// TestWebhookURLNeverShown: the webhook's token appears in no stored
// delivery, error or log line, whether the receiver fails, cannot be
// reached or does not answer in time.
func TestWebhookURLNeverShown(t *testing.T) {
	const token = "T0KEN-s3cret"
	c := newConsole(t, t.TempDir())
	c.n.Timeout = 200 * time.Millisecond
	failing := newReceiver(t, always(http.StatusInternalServerError))
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(func() { close(release); slow.Close() })

	cases := []struct{ base, wantError string }{
		{failing.URL, "the receiver answered 500 Internal Server Error"},
		{closed.URL, "could not reach the receiver: dial tcp " + strings.TrimPrefix(closed.URL, "http://")},
		{slow.URL, "the receiver did not answer within 200ms"},
	}
	for i, tc := range cases {
		s := c.addSchedule(t, "s"+string(rune('a'+i)), tc.base+"/hooks/"+token+"?key="+token, time.Hour, t0.Add(-3*time.Hour))
		if err := c.n.Test(context.Background(), s, t0); err != nil {
			t.Fatal(err)
		}
		if err := c.n.JobFailed(context.Background(), s, c.addJob(t, s.ID, jobs.StatusFailed, t0, "boom"), t0); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := c.n.CheckOverdue(context.Background(), t0); err != nil || n != len(cases) {
		t.Fatalf("overdue: %d, %v", n, err)
	}
	c.deliver(t, t0)
	list, _ := c.schedules.List(context.Background())
	for i, s := range list {
		for _, d := range c.deliveries(t, s.ID) {
			if !strings.HasPrefix(d.LastError, cases[i].wantError) || d.Status != alerts.StatusPending {
				t.Errorf("schedule %s, %s: error %q, want %q", s.Label, d.Event, d.LastError, cases[i].wantError)
			}
		}
	}
	if strings.Contains(c.storedText(t), token) {
		t.Errorf("stored deliveries hold the token:\n%s", c.storedText(t))
	}
	if logs := c.logs.String(); strings.Contains(logs, token) || !strings.Contains(logs, "will retry") {
		t.Errorf("log:\n%s", logs)
	}
}

// TestOverdueOncePerGap: a schedule with AlertAfter 1h whose last success
// was 2h ago gets one overdue alert, not repeated while the gap lasts; a
// new success and a new gap send another.
func TestOverdueOncePerGap(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t, t.TempDir())
	r := newReceiver(t, always(http.StatusOK))
	s := c.addSchedule(t, "shop", r.URL, time.Hour, t0.Add(-24*time.Hour))
	quiet := c.addSchedule(t, "fresh", r.URL, time.Hour, t0.Add(-30*time.Minute))
	c.addJob(t, s.ID, jobs.StatusSucceeded, t0.Add(-2*time.Hour), "")
	c.addJob(t, s.ID, jobs.StatusFailed, t0.Add(-time.Hour), "boom")
	check := func(now time.Time, want int) {
		t.Helper()
		if n, err := c.n.CheckOverdue(ctx, now); err != nil || n != want {
			t.Fatalf("check at %s: %d queued (%v), want %d", now, n, err, want)
		}
	}
	check(t0, 1)
	check(t0.Add(time.Minute), 0)
	c.deliver(t, t0.Add(time.Minute))
	got := r.got()
	if len(got) != 1 || got[0].Body["event"] != alerts.EventOverdue || got[0].Body["last_success_at"] != "2026-11-20T10:00:00Z" ||
		got[0].Body["alert_after_seconds"] != float64(3600) || got[0].Body["schedule"].(map[string]any)["label"] != "shop" {
		t.Fatalf("requests: %+v", got)
	}
	if n := len(c.deliveries(t, quiet.ID)); n != 0 {
		t.Errorf("the schedule created 30 min ago has %d alerts", n)
	}
	// Without a success, the gap starts at the schedule's creation.
	check(t0.Add(31*time.Minute), 1)
	if d := c.only(t, quiet.ID); d.Event != alerts.EventOverdue {
		t.Errorf("fresh schedule: %+v", d)
	}

	c.addJob(t, s.ID, jobs.StatusSucceeded, t0.Add(40*time.Minute), "")
	check(t0.Add(100*time.Minute), 0) // 1h since the success: not yet
	check(t0.Add(101*time.Minute), 1)
	check(t0.Add(3*time.Hour), 0)
	if n := len(c.deliveries(t, s.ID)); n != 2 {
		t.Errorf("%d overdue alerts, want 2", n)
	}
}

// TestTwoConsolesDeliverOnce: two notifiers on one store send each attempt
// once.
func TestTwoConsolesDeliverOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := newConsole(t, dir), newConsole(t, dir)
	r := newReceiver(t, func(nth int) int {
		if nth == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusAccepted
	})
	const queued = 6
	for i := range queued {
		s := a.addSchedule(t, "s"+string(rune('a'+i)), r.URL, 0, t0)
		if err := a.n.Test(ctx, s, t0); err != nil {
			t.Fatal(err)
		}
	}
	both := func(now time.Time) {
		var wg sync.WaitGroup
		for _, c := range []*console{a, b} {
			wg.Go(func() {
				if err := c.n.Deliver(ctx, now); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	both(t0)
	both(t0.Add(30 * time.Second))
	both(t0.Add(time.Hour))
	perDelivery := map[string]int{}
	for _, q := range r.got() {
		perDelivery[q.Delivery]++
	}
	if len(perDelivery) != queued {
		t.Fatalf("requests per delivery: %v", perDelivery)
	}
	for id, n := range perDelivery {
		if n != 2 {
			t.Errorf("delivery %s: %d requests, want 2", id, n)
		}
	}
	list, _ := a.schedules.List(ctx)
	for _, s := range list {
		if d := a.only(t, s.ID); d.Status != alerts.StatusDelivered || d.Attempts != 2 {
			t.Errorf("%+v", d)
		}
	}
}

// TestStatuses lists failing schedules first, then overdue ones, and
// never calls a paused schedule overdue.
func TestStatuses(t *testing.T) {
	c := newConsole(t, t.TempDir())
	ok := c.addSchedule(t, "ok", "", time.Hour, t0.Add(-time.Hour))
	overdue := c.addSchedule(t, "overdue", "", time.Hour, t0.Add(-2*time.Hour))
	failing := c.addSchedule(t, "failing", "", 0, t0.Add(-2*time.Hour))
	c.addJob(t, ok.ID, jobs.StatusFailed, t0.Add(-70*time.Minute), "an older run failed")
	c.addJob(t, ok.ID, jobs.StatusSucceeded, t0.Add(-10*time.Minute), "")
	c.addJob(t, failing.ID, jobs.StatusFailed, t0.Add(-10*time.Minute), "boom")
	c.addJob(t, failing.ID, jobs.StatusSucceeded, t0.Add(-10*time.Minute), "") // another database of the run
	ok.State.LastRunAt = t0.Add(-11 * time.Minute)
	failing.State.LastRunAt = t0.Add(-11 * time.Minute)
	paused := overdue
	paused.State.Paused = true

	got, err := c.n.Statuses(context.Background(), []schedule.Schedule{ok, overdue, failing}, t0)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, st := range got {
		order = append(order, st.Schedule.Label)
	}
	if strings.Join(order, ",") != "failing,overdue,ok" || !got[0].Failing || !got[1].Overdue || got[2].NeedsAttention() ||
		!got[2].LastSuccess.Equal(t0.Add(-10*time.Minute)) {
		t.Errorf("statuses: %+v", got)
	}
	if alerts.IsOverdue(paused, time.Time{}, t0) {
		t.Error("a paused schedule is overdue")
	}
}
