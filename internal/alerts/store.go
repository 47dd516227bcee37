package alerts

import (
	"context"
	"time"
)

// Store is what a [Notifier] needs from the state store: its deliveries.
type Store interface {
	// Queue stores d, a new pending delivery, unless d is an overdue alert
	// and one of its schedule for the gap that began at since is stored
	// already; it reports whether it stored d.
	Queue(ctx context.Context, d Delivery, since time.Time) (bool, error)
	// Deliveries returns up to limit of a schedule's deliveries, newest
	// first.
	Deliveries(ctx context.Context, scheduleID int64, limit int) ([]Delivery, error)
	// Due returns up to limit pending deliveries whose next attempt is due
	// at now, by when it is due.
	Due(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// Claim counts an attempt of d made at now and holds d until until, if
	// d is still pending, at d.Attempts and due at d.NextAttemptAt (a
	// compare-and-set); it reports whether it did.
	Claim(ctx context.Context, d Delivery, now, until time.Time) (bool, error)
	// Record stores d's Status, NextAttemptAt, LastStatusCode, LastError
	// and DeliveredAt, if it is still pending at d.Attempts.
	Record(ctx context.Context, d Delivery) error
}
