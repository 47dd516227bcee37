package alerts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/schedule"
)

// leaseMargin is added to the timeout of an attempt for the time a console
// holds a delivery it is sending.
const leaseMargin = 5 * time.Second

// deliverBatch is how many due deliveries one pass of Deliver takes.
const deliverBatch = 100

// Delivery is one alert to a schedule's webhook and where it stands.
type Delivery struct {
	ID             int64
	ScheduleID     int64
	Event          string
	Payload        []byte // the JSON body sent
	Status         string
	Attempts       int
	NextAttemptAt  time.Time // pending: when it is sent (again); zero once done
	LastAttemptAt  time.Time // zero: not tried yet
	LastStatusCode int       // the receiver's HTTP status at the last attempt; 0: no answer
	LastError      string    // why the last attempt failed, for users
	CreatedAt      time.Time
	DeliveredAt    time.Time // zero: not delivered
}

// Deliveries returns up to limit of schedule id's deliveries, newest first.
func (n *Notifier) Deliveries(ctx context.Context, scheduleID int64, limit int) ([]Delivery, error) {
	return n.store.Deliveries(ctx, scheduleID, limit)
}

// Deliver makes the attempts due at now, one after another. Each is
// claimed first (a compare-and-set that also holds the delivery for the
// attempt's timeout), so of several consoles only one sends it; a console
// that dies while sending leaves the claim to run out, and the attempt
// counts.
func (n *Notifier) Deliver(ctx context.Context, now time.Time) error {
	due, err := n.store.Due(ctx, now, deliverBatch)
	if err != nil {
		return err
	}
	var errs []error
	for k, d := range due {
		// The k-th attempt of this pass starts at most k timeouts after now.
		held := now.Add(time.Duration(k+1) * (n.Timeout + leaseMargin))
		claimed, err := n.store.Claim(ctx, d, now, held)
		if err != nil {
			errs = append(errs, fmt.Errorf("alerts: claim delivery %d: %w", d.ID, err))
			continue
		}
		if !claimed {
			continue // another console has it
		}
		d.Attempts++
		if err := n.attempt(ctx, d, now); err != nil {
			if ctx.Err() != nil {
				return err
			}
			// One delivery that cannot be recorded does not hold up the others.
			errs = append(errs, fmt.Errorf("alerts: delivery %d: %w", d.ID, err))
		}
	}
	return errors.Join(errs...)
}

// outcome is what one attempt came to.
type outcome struct {
	code    int    // the receiver's HTTP status; 0: no answer
	problem string // why it failed, for users; "" when delivered
	final   bool   // a failure that no retry can mend
}

// attempt sends claimed delivery d and records how it went.
func (n *Notifier) attempt(ctx context.Context, d Delivery, now time.Time) error {
	s, err := n.schedules.Get(ctx, d.ScheduleID)
	var o outcome
	switch {
	case d.Attempts > n.MaxAttempts: // a console stopped while making the last one
		o = outcome{problem: "the console stopped during the last attempt", final: true}
	case errors.Is(err, schedule.ErrNotFound):
		o = outcome{problem: "the schedule was removed", final: true}
	case err != nil:
		return err // the claim runs out and the attempt is made again
	case s.Unreadable != "":
		o = outcome{problem: "the schedule cannot be read from the state store", final: true}
	case s.Webhook == "":
		o = outcome{problem: "the schedule has no webhook any more", final: true}
	default:
		o = n.post(ctx, s.Webhook, d)
	}
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: not the receiver's fault
	}
	return n.record(ctx, d, o, now)
}

// post sends d's payload to webhook.
func (n *Notifier) post(ctx context.Context, webhook string, d Delivery) outcome {
	ctx, cancel := context.WithTimeout(ctx, n.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhook, bytes.NewReader(d.Payload))
	if err != nil {
		return outcome{problem: "the webhook URL cannot be used: set it again on the schedule", final: true}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Strata")
	req.Header.Set("X-Strata-Event", d.Event)
	req.Header.Set("X-Strata-Delivery", strconv.FormatInt(d.ID, 10))
	resp, err := n.client.Do(req)
	if err != nil {
		return outcome{problem: n.describe(err, webhook)}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return outcome{code: resp.StatusCode}
	}
	return outcome{code: resp.StatusCode, problem: fmt.Sprintf("the receiver answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))}
}

// describe says why a request got no answer, without the webhook URL: the
// errors of net/http start with it, and it may carry a token.
func (n *Notifier) describe(err error, webhook string) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Sprintf("the receiver did not answer within %s", n.Timeout)
		}
		err = ue.Err
	}
	msg := "could not reach the receiver: " + err.Error()
	if u, perr := url.Parse(webhook); perr == nil {
		msg = strings.ReplaceAll(msg, webhook, u.Host)
		if rest := u.RequestURI(); rest != "/" {
			msg = strings.ReplaceAll(msg, rest, "/…")
		}
	}
	return msg
}

// record stores the outcome of attempt d.Attempts, if the delivery is
// still this console's, and logs it.
func (n *Notifier) record(ctx context.Context, d Delivery, o outcome, now time.Time) error {
	status, next, delivered := StatusDelivered, time.Time{}, now
	if o.problem != "" {
		status, delivered = StatusFailed, time.Time{}
		if !o.final && d.Attempts < n.MaxAttempts {
			status, next = StatusPending, now.Add(n.backoff(d.Attempts))
		}
	}
	rec := d
	rec.Status, rec.NextAttemptAt, rec.LastStatusCode, rec.LastError, rec.DeliveredAt = status, next, o.code, o.problem, delivered
	if err := n.store.Record(ctx, rec); err != nil {
		return fmt.Errorf("alerts: record delivery %d: %w", d.ID, err)
	}
	attrs := []any{"delivery", d.ID, "schedule", d.ScheduleID, "event", d.Event, "attempt", d.Attempts, "status_code", o.code}
	switch status {
	case StatusDelivered:
		n.log.Info("alert delivered", attrs...)
	case StatusPending:
		n.log.Warn("alert not delivered; will retry", append(attrs, "error", o.problem, "next_attempt_at", next)...)
	default:
		n.log.Error("alert not delivered; gave up", append(attrs, "error", o.problem)...)
	}
	return nil
}

// backoff is the wait after failed attempt number attempt (from 1).
func (n *Notifier) backoff(attempt int) time.Duration {
	d := n.Backoff
	for i := 1; i < attempt && d < n.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, n.MaxBackoff)
}

// CheckEvery is how often the console runs Loop: a queued alert is sent
// this long after at most.
const CheckEvery = 10 * time.Second

// Loop checks for overdue schedules and delivers due alerts every interval
// until ctx ends.
func (n *Notifier) Loop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := n.CheckOverdue(ctx, time.Now()); err != nil && ctx.Err() == nil {
			n.log.Warn("alerts: overdue check", "error", err)
		}
		if err := n.Deliver(ctx, time.Now()); err != nil && ctx.Err() == nil {
			n.log.Warn("alerts: delivery", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
