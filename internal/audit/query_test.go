package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/audit"
)

func TestAppendGetListRoundTrip(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	in := audit.Entry{
		Actor: "alice", Role: "admin", Source: audit.SourceUI, Action: "USER_CREATED",
		TargetType: "user", TargetID: "bob", Params: map[string]any{"role": "operator", "quota": 3},
		Outcome: audit.OutcomeOK, ClientAddr: "203.0.113.7", RequestID: "req-1",
	}
	first := mustAppend(t, l, in)
	if first.ID != 1 || first.PrevHash != audit.ZeroHash || len(first.Hash) != 64 || !first.Time.Equal(t0) {
		t.Fatalf("first entry = %+v", first)
	}
	second := mustAppend(t, l, audit.Entry{Actor: "bob", Source: audit.SourceAPI, Action: "LOGIN_FAILED",
		Outcome: audit.OutcomeError, Message: "bad password"})
	if second.ID != 2 || second.PrevHash != first.Hash {
		t.Fatalf("second entry = %+v, want id 2 chained to %s", second, first.Hash)
	}

	got, err := l.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !sameEntry(got, first) {
		t.Fatalf("Get(1) = %+v\nAppend returned %+v", got, first)
	}
	if got.Params["quota"] != json.Number("3") || got.Params["role"] != "operator" {
		t.Fatalf("params = %#v", got.Params)
	}

	list, next, err := l.List(ctx, audit.Filter{}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if next != 0 || len(list) != 2 || !sameEntry(list[0], second) || !sameEntry(list[1], first) {
		t.Fatalf("List = %+v, next %d", list, next)
	}

	if _, err := l.Get(ctx, 3); !errors.Is(err, audit.ErrNotFound) {
		t.Fatalf("Get(3) error = %v, want ErrNotFound", err)
	}
}

func sameEntry(a, b audit.Entry) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestAppendRejectsInvalidEntries(t *testing.T) {
	l, _ := newLog(t)
	for _, e := range []audit.Entry{
		{Source: audit.SourceUI, Outcome: audit.OutcomeOK},
		{Action: "X", Source: "web", Outcome: audit.OutcomeOK},
		{Action: "X", Source: audit.SourceUI, Outcome: "maybe"},
		{Action: "X", Source: audit.SourceUI, Outcome: audit.OutcomeOK, Params: map[string]any{"f": func() {}}},
	} {
		if _, err := l.Append(context.Background(), e); err == nil || !strings.HasPrefix(err.Error(), "audit: ") {
			t.Errorf("Append(%+v) error = %v, want an audit error", e, err)
		}
	}
	if res, _ := l.Verify(context.Background()); res.Checked != 0 {
		t.Fatalf("rejected entries were stored: %+v", res)
	}
}

func TestTimeNeverGoesBackwards(t *testing.T) {
	times := []time.Time{t0, t0.Add(-time.Hour), t0.Add(time.Minute)}
	var calls int
	l, _ := newLog(t)
	audit.SetClock(l, func() time.Time { calls++; return times[calls-1] })
	var got []time.Time
	for range times {
		got = append(got, mustAppend(t, l, sample(0)).Time)
	}
	want := []time.Time{t0, t0, t0.Add(time.Minute)}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Fatalf("times = %v, want %v", got, want)
		}
	}
}

func TestListFilters(t *testing.T) {
	l, _ := newLog(t)
	all := fill(t, l, 200)
	mustAppend(t, l, audit.Entry{Source: audit.SourceUI, Action: "SETTING_CHANGED", TargetType: "setting:x",
		TargetID: "user:alice", Outcome: audit.OutcomeOK}) // matches "user:alice" as a target id
	mustAppend(t, l, audit.Entry{Source: audit.SourceUI, Action: "ODD", TargetType: "same", TargetID: "same",
		Outcome: audit.OutcomeOK}) // matches "same" as type and as id, must be listed once
	all = append(all, mustLast(t, l, 2)...)

	tests := []struct {
		name  string
		f     audit.Filter
		match func(audit.Entry) bool
	}{
		{"none", audit.Filter{}, func(audit.Entry) bool { return true }},
		{"actor", audit.Filter{Actor: "bob"}, func(e audit.Entry) bool { return e.Actor == "bob" }},
		{"action", audit.Filter{Action: "LOGIN_FAILED"}, func(e audit.Entry) bool { return e.Action == "LOGIN_FAILED" }},
		{"outcome", audit.Filter{Outcome: audit.OutcomeDenied}, func(e audit.Entry) bool { return e.Outcome == audit.OutcomeDenied }},
		{"target type", audit.Filter{Target: "user"}, func(e audit.Entry) bool { return e.TargetType == "user" }},
		{"target id", audit.Filter{Target: "offsite"}, func(e audit.Entry) bool { return e.TargetID == "offsite" }},
		{"target type:id", audit.Filter{Target: "user:alice"}, func(e audit.Entry) bool {
			return e.TargetType == "user" && e.TargetID == "alice" || e.TargetID == "user:alice"
		}},
		{"target both columns", audit.Filter{Target: "same"}, func(e audit.Entry) bool { return e.TargetType == "same" }},
		{"from", audit.Filter{From: t0.Add(150 * time.Second)}, func(e audit.Entry) bool { return !e.Time.Before(t0.Add(150 * time.Second)) }},
		{"to", audit.Filter{To: t0.Add(30 * time.Second)}, func(e audit.Entry) bool { return e.Time.Before(t0.Add(30 * time.Second)) }},
		{"from to", audit.Filter{From: t0.Add(20*time.Second + 1), To: t0.Add(90 * time.Second)}, func(e audit.Entry) bool {
			return e.Time.After(t0.Add(20*time.Second)) && e.Time.Before(t0.Add(90*time.Second))
		}},
		{"empty range", audit.Filter{From: t0.Add(time.Minute), To: t0.Add(time.Minute)}, func(audit.Entry) bool { return false }},
		{"after the end", audit.Filter{From: t0.Add(time.Hour)}, func(audit.Entry) bool { return false }},
		{"combined", audit.Filter{Actor: "alice", Outcome: audit.OutcomeOK, Target: "user", From: t0.Add(10 * time.Second)}, func(e audit.Entry) bool {
			return e.Actor == "alice" && e.Outcome == audit.OutcomeOK && e.TargetType == "user" && !e.Time.Before(t0.Add(10*time.Second))
		}},
		{"no match", audit.Filter{Actor: "mallory"}, func(audit.Entry) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []int64
			for _, e := range slices.Backward(all) {
				if tt.match(e) {
					want = append(want, e.ID)
				}
			}
			if got := ids(listAll(t, l, tt.f, 7)); !slices.Equal(got, want) {
				t.Fatalf("ids = %v\nwant %v", got, want)
			}
		})
	}
}

// mustLast returns the newest n entries, oldest first.
func mustLast(t *testing.T, l *audit.Log, n int) []audit.Entry {
	t.Helper()
	page, _, err := l.List(context.Background(), audit.Filter{}, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(page)
	return page
}

func TestListPagination(t *testing.T) {
	l, _ := newLog(t)
	fill(t, l, 50)
	ctx := context.Background()

	var pages [][]int64
	var before int64
	for {
		page, next, err := l.List(ctx, audit.Filter{}, before, 12)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, ids(page))
		if next == 0 {
			break
		}
		if next != page[len(page)-1].ID {
			t.Fatalf("next = %d, want last id of the page %d", next, page[len(page)-1].ID)
		}
		before = next
	}
	if len(pages) != 5 || len(pages[4]) != 2 {
		t.Fatalf("pages = %v, want 4 of 12 and one of 2", pages)
	}
	var got []int64
	for _, p := range pages {
		got = append(got, p...)
	}
	for i, id := range got {
		if id != int64(50-i) {
			t.Fatalf("ids = %v, want 50 down to 1", got)
		}
	}

	// An exactly full last page reports no next page.
	page, next, err := l.List(ctx, audit.Filter{}, 11, 10)
	if err != nil || len(page) != 10 || next != 0 {
		t.Fatalf("List(before 11, limit 10) = %d entries, next %d, %v", len(page), next, err)
	}
	if page, _, _ := l.List(ctx, audit.Filter{}, 0, 0); len(page) != audit.DefaultLimit {
		t.Fatalf("limit 0 gave %d entries, want %d", len(page), audit.DefaultLimit)
	}
}

func TestActionsAndActors(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	if a, err := l.Actions(ctx); err != nil || len(a) != 0 {
		t.Fatalf("Actions on empty log = %v, %v", a, err)
	}
	fill(t, l, 40)
	actions, err := l.Actions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ACCESS_DENIED", "JOB_STARTED", "LOGIN", "LOGIN_FAILED", "USER_CREATED"}
	if !slices.Equal(actions, want) {
		t.Fatalf("Actions = %v, want %v", actions, want)
	}
	actors, err := l.Actors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"alice", "bob", "carol"}; !slices.Equal(actors, want) {
		t.Fatalf("Actors = %v, want %v", actors, want)
	}
}
