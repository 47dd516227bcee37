package audit

import (
	"context"
	"time"
)

// Store is what a [Log] needs from the state store: the rows of the chain,
// kept as they are given. Get returns [ErrNotFound] for an id without an
// entry.
type Store interface {
	// Append reads the chain's head and stores the rows that rows returns
	// for it, in one transaction that no other append (even in another
	// process) interleaves with: all are stored, or none.
	Append(ctx context.Context, rows func(Head) ([]Row, error)) error
	// Newest returns the id and hash of the newest entry (0 and "" when
	// the log is empty).
	Newest(ctx context.Context) (id int64, hash string, err error)
	// FirstKeyed returns the first entry of hash version HashHMAC, 0 when
	// there is none.
	FirstKeyed(ctx context.Context) (int64, error)
	Get(ctx context.Context, id int64) (Row, error)
	// List returns up to limit entries matching f with ids below before
	// (0: from the newest), newest first.
	List(ctx context.Context, f Filter, before int64, limit int) ([]Row, error)
	// Walk calls visit with every entry in id order. The row is reused
	// from one call to the next.
	Walk(ctx context.Context, visit func(*Row)) error
	// Actions and Actors return the distinct non-empty action names and
	// actors, sorted.
	Actions(ctx context.Context) ([]string, error)
	Actors(ctx context.Context) ([]string, error)
	// TriggerProblems returns what keeps the log from being append-only.
	TriggerProblems(ctx context.Context) ([]TriggerProblem, error)
	// RestoreTriggers makes the log append-only again, as its migration
	// did, and appends the rows record returns for what it found (as
	// Append does), in one transaction. It returns what it restored, and
	// calls record only when there was something.
	RestoreTriggers(ctx context.Context, record func([]TriggerProblem, Head) ([]Row, error)) ([]TriggerProblem, error)
}

// Head is the newest entry, the one an append links to: ID 0 when the log
// is empty.
type Head struct {
	ID   int64
	Time time.Time
	Hash string
}
