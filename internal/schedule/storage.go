package schedule

import (
	"context"
	"errors"
	"time"
)

// Storage is what a [Store] needs from the state store. The schedules it
// takes and returns carry their webhook sealed. Get, Managed and Delete
// return [ErrNotFound] for a schedule that does not exist. A row that
// cannot be read whole is returned with what could be read, and Unreadable
// saying why.
type Storage interface {
	// Insert stores a new schedule with the webhook sealWebhook returns for
	// its id, in one transaction, and returns the id.
	Insert(ctx context.Context, s Schedule, sealWebhook func(id int64) (string, error)) (int64, error)
	// Replace stores s over old, and sealedWebhook unless it is nil, if the
	// row still has old's UpdatedAt and State; ok is false when it has not.
	Replace(ctx context.Context, old, s Schedule, sealedWebhook *string) (ok bool, err error)
	Managed(ctx context.Context, cluster string) (Schedule, error)
	Get(ctx context.Context, id int64) (Schedule, error)
	// List returns every schedule, by label.
	List(ctx context.Context) ([]Schedule, error)
	// DueAt lists the schedules not paused whose next run is at or before
	// now, by next run and id.
	DueAt(ctx context.Context, now time.Time) ([]Schedule, error)
	// Advance sets the state of schedule id to to, and its UpdatedAt to
	// now, only if its state is still from.
	Advance(ctx context.Context, id int64, from, to State, now time.Time) (bool, error)
	// Delete removes schedule id and unlinks its jobs, in one transaction.
	Delete(ctx context.Context, id int64) error
}

// What a Storage's error matches when a schedule would have the label of
// another, or break another rule of uniqueness (one managed schedule per
// cluster).
var (
	ErrLabelTaken = errors.New("schedule label taken")
	ErrNotUnique  = errors.New("schedule not unique")
)
