package audit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/audit"
)

// settableClock is a clock that moves only when told.
type settableClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *settableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *settableClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func refusal(addr, action string) audit.Entry {
	return audit.Entry{Actor: "anonymous", Source: audit.SourceUI, Action: action, Outcome: audit.OutcomeDenied, ClientAddr: addr}
}

func allEntries(t *testing.T, l *audit.Log) []audit.Entry {
	t.Helper()
	list, _, err := l.List(context.Background(), audit.Filter{}, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func summaries(t *testing.T, l *audit.Log) []audit.Entry {
	t.Helper()
	list, _, err := l.List(context.Background(), audit.Filter{Action: audit.ActionRefusalsSuppressed}, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestRefusalsBounded (issue 11): 1,000 refusals from one client append
// ten entries, and one summary when the window ends says how many more
// there were, of which actions.
func TestRefusalsBounded(t *testing.T) {
	ctx := context.Background()
	l, _ := newLog(t)
	clock := &settableClock{now: t0}
	r := audit.NewRefusals(l, clock.Now)
	appended := 0
	for i := range 1000 {
		action := "LOGIN_FAILED"
		if i%4 == 0 {
			action = "ACCESS_DENIED"
		}
		ok, err := r.Append(ctx, refusal(fmt.Sprintf("192.0.2.7:%d", 1000+i), action))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			appended++
		}
	}
	if n := len(allEntries(t, l)); n != 10 || appended != 10 {
		t.Fatalf("%d entries (%d reported appended) after 1,000 refusals, want 10", n, appended)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(allEntries(t, l)); n != 10 {
		t.Fatalf("a flush within the window appended a summary: %d entries", n)
	}

	clock.Advance(time.Minute)
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	sums := summaries(t, l)
	if len(sums) != 1 {
		t.Fatalf("%d summaries, want 1", len(sums))
	}
	s := sums[0]
	// Of 1,000, 250 were ACCESS_DENIED; the ten appended were the first ten
	// (3 of them ACCESS_DENIED).
	want := "990 further refusals from 192.0.2.7 suppressed (actions ACCESS_DENIED 247, LOGIN_FAILED 743)"
	if s.Message != want || s.ClientAddr != "192.0.2.7" || s.Outcome != audit.OutcomeDenied {
		t.Fatalf("summary = %q from %q (%s), want %q", s.Message, s.ClientAddr, s.Outcome, want)
	}
	if s.Params["suppressed"] != json.Number("990") {
		t.Fatalf("params = %v", s.Params)
	}
	if audit.TrackedClients(r) != 0 {
		t.Fatalf("%d clients still tracked after their windows ended", audit.TrackedClients(r))
	}
	if err := r.Flush(ctx); err != nil || len(summaries(t, l)) != 1 {
		t.Fatalf("a second flush: %v, %d summaries", err, len(summaries(t, l)))
	}
}

// TestRefusalsSummaryWithNextRefusal: the client's next refusal after its
// window ended appends the summary first, then itself.
func TestRefusalsSummaryWithNextRefusal(t *testing.T) {
	ctx := context.Background()
	l, _ := newLog(t)
	clock := &settableClock{now: t0}
	r := audit.NewRefusals(l, clock.Now)
	for range 15 {
		r.Append(ctx, refusal("198.51.100.1", "CSRF_REJECTED"))
	}
	clock.Advance(61 * time.Second)
	if ok, err := r.Append(ctx, refusal("198.51.100.1", "API_AUTH_FAILED")); !ok || err != nil {
		t.Fatalf("first refusal of a new window: %v %v", ok, err)
	}
	list := allEntries(t, l) // newest first
	if len(list) != 12 || list[1].Action != audit.ActionRefusalsSuppressed || list[0].Action != "API_AUTH_FAILED" {
		t.Fatalf("entries: %d, newest %s then %s", len(list), list[0].Action, list[1].Action)
	}
	if want := "5 further refusals from 198.51.100.1 suppressed (actions CSRF_REJECTED 5)"; list[1].Message != want {
		t.Fatalf("summary = %q, want %q", list[1].Message, want)
	}
}

// TestRefusalsClients: clients count apart, an IPv6 /64 counts as one, and
// memory is bounded: a client dropped to make room has its summary
// appended. FlushAll appends what is pending.
func TestRefusalsClients(t *testing.T) {
	ctx := context.Background()
	l, _ := newLog(t)
	clock := &settableClock{now: t0}
	r := audit.NewRefusals(l, clock.Now)
	r.PerWindow, r.MaxClients = 2, 3
	for i := range 3 {
		r.Append(ctx, refusal(fmt.Sprintf("2001:db8:0:1::%x", i+1), "LOGIN_FAILED"))
	}
	if n := len(allEntries(t, l)); n != 2 {
		t.Fatalf("3 refusals from one /64 appended %d entries, want 2", n)
	}
	for i := range 5 {
		clock.Advance(time.Second)
		for range 3 {
			r.Append(ctx, refusal(fmt.Sprintf("192.0.2.%d", i), "ACCESS_DENIED"))
		}
	}
	if audit.TrackedClients(r) > 3 {
		t.Fatalf("%d clients tracked, want at most 3", audit.TrackedClients(r))
	}
	// The /64 and the first two addresses were dropped, each with a summary.
	sums := summaries(t, l)
	if len(sums) != 3 {
		t.Fatalf("%d summaries after dropping 3 clients, want 3", len(sums))
	}
	if sums[2].ClientAddr != "2001:db8:0:1::/64" {
		t.Fatalf("first summary for %q", sums[2].ClientAddr)
	}
	if err := r.FlushAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(summaries(t, l)); n != 6 || audit.TrackedClients(r) != 0 {
		t.Fatalf("after FlushAll: %d summaries, %d clients; want 6, 0", n, audit.TrackedClients(r))
	}
	for _, s := range summaries(t, l) {
		if !strings.Contains(s.Message, "1 further refusal from") {
			t.Errorf("summary %q", s.Message)
		}
	}
}
