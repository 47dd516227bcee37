package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/stratabackup/strata/internal/audit"
)

// A console's worth of users: a few admins do most of the work.
var actors = []string{
	"admin", "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
	"judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
}

type action struct {
	name, targetType string
	weight           int
}

var actions = []action{
	{"LOGIN", "session", 120}, {"LOGOUT", "session", 80}, {"LOGIN_FAILED", "session", 15},
	{"ACCESS_DENIED", "", 5}, {"BACKUP_STARTED", "job", 200}, {"BACKUP_CANCELLED", "job", 4},
	{"JOB_CREATED", "job", 10}, {"JOB_UPDATED", "job", 20}, {"JOB_DELETED", "job", 3},
	{"SCHEDULE_CREATED", "schedule", 6}, {"SCHEDULE_UPDATED", "schedule", 10}, {"SCHEDULE_DELETED", "schedule", 2},
	{"REPOSITORY_CREATED", "repository", 3}, {"REPOSITORY_UPDATED", "repository", 5}, {"REPOSITORY_DELETED", "repository", 1},
	{"SNAPSHOT_RESTORED", "snapshot", 8}, {"SNAPSHOT_DELETED", "snapshot", 6}, {"SNAPSHOT_PRUNED", "repository", 12},
	{"USER_CREATED", "user", 2}, {"USER_UPDATED", "user", 3}, {"USER_DELETED", "user", 1},
	{"PASSWORD_CHANGED", "user", 2}, {"API_TOKEN_CREATED", "token", 2}, {"API_TOKEN_REVOKED", "token", 1},
	{"SETTINGS_CHANGED", "setting", 4},
}

var targetIDs = map[string]int{ // how many distinct ids each target type has
	"session": 5000, "job": 60, "schedule": 40, "repository": 12, "snapshot": 20000,
	"user": 20, "token": 30, "setting": 15,
}

type generator struct {
	rng         *rand.Rand
	totalWeight int
}

func newGenerator() *generator {
	g := &generator{rng: rand.New(rand.NewPCG(1, 2))}
	for _, a := range actions {
		g.totalWeight += a.weight
	}
	return g
}

func (g *generator) entry(i int) audit.Entry {
	a := g.pickAction()
	actor := actors[min(int(g.rng.ExpFloat64()*3), len(actors)-1)]
	e := audit.Entry{
		Actor:      actor,
		Role:       "operator",
		Source:     audit.SourceUI,
		Action:     a.name,
		TargetType: a.targetType,
		Outcome:    audit.OutcomeOK,
		ClientAddr: fmt.Sprintf("10.0.%d.%d", g.rng.IntN(4), g.rng.IntN(250)),
		RequestID:  fmt.Sprintf("req-%08x", i),
		Params:     map[string]any{"n": i},
	}
	if actor == "admin" {
		e.Role = "admin"
	}
	switch n := g.rng.IntN(10); {
	case n < 3:
		e.Source = audit.SourceAPI
	case n < 4:
		e.Source = audit.SourceCLI
	}
	if a.targetType != "" {
		e.TargetID = fmt.Sprintf("%s-%d", a.targetType, g.rng.IntN(targetIDs[a.targetType]))
	}
	switch {
	case a.name == "ACCESS_DENIED" || g.rng.IntN(200) == 0:
		e.Outcome, e.Message = audit.OutcomeDenied, "role operator may not do this"
	case a.name == "LOGIN_FAILED" || g.rng.IntN(40) == 0:
		e.Outcome, e.Message = audit.OutcomeError, "invalid credentials"
	}
	return e
}

func (g *generator) pickAction() action {
	w := g.rng.IntN(g.totalWeight)
	for _, a := range actions {
		if w < a.weight {
			return a
		}
		w -= a.weight
	}
	return actions[0]
}

// fill appends n entries in batches of batch entries, each one transaction.
func fill(ctx context.Context, l *audit.Log, n, batch int) error {
	g := newGenerator()
	entries := make([]audit.Entry, 0, batch)
	for i := 0; i < n; i += batch {
		entries = entries[:0]
		for j := i; j < min(i+batch, n); j++ {
			entries = append(entries, g.entry(j))
		}
		if _, err := l.AppendBatch(ctx, entries...); err != nil {
			return err
		}
	}
	return nil
}

// spreadClock returns a clock that puts n calls evenly over the span ending now.
func spreadClock(n int, span time.Duration) (clock func() time.Time, start time.Time) {
	start = time.Now().UTC().Add(-span)
	step := span / time.Duration(max(n, 1))
	var calls int64 // the bench appends from one goroutine
	return func() time.Time {
		t := start.Add(time.Duration(calls) * step)
		calls++
		return t
	}, start
}
