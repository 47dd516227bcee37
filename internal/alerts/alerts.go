package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/usererror"
)

// Events a delivery is about.
const (
	EventJobFailed = "job_failed" // a job of a scheduled run failed
	EventOverdue   = "overdue"    // no backup succeeded within the schedule's AlertAfter
	EventTest      = "test"       // an admin asked for a test alert
)

// Delivery statuses.
const (
	StatusPending   = "pending"   // to be sent, or sent again
	StatusDelivered = "delivered" // the receiver answered 2xx
	StatusFailed    = "failed"    // given up
)

// Notifier queues a schedule's alerts and delivers them to its webhook:
// a JSON POST, retried after Backoff, then twice as long each time up to
// MaxBackoff, until MaxAttempts. Several consoles on one state store may
// each run one: every attempt is claimed in the store first, so it is
// sent once. The webhook URL is read at each attempt and never stored,
// logged or shown with a delivery.
type Notifier struct {
	Backoff     time.Duration // wait after the first failed attempt
	MaxBackoff  time.Duration // longest wait between attempts
	MaxAttempts int           // attempts before giving up
	Timeout     time.Duration // for one attempt

	store     Store
	schedules *schedule.Store
	jobs      *jobs.Store
	log       *slog.Logger
	client    *http.Client
}

// New returns a Notifier that keeps its deliveries in store (such as
// sqlite.NewDeliveries), for schedules and their jobs, with the default
// backoff (30 s, doubling, at most 15 min, 8 attempts) and a 10 s timeout.
func New(store Store, schedules *schedule.Store, js *jobs.Store, log *slog.Logger) *Notifier {
	return &Notifier{
		Backoff: 30 * time.Second, MaxBackoff: 15 * time.Minute, MaxAttempts: 8, Timeout: 10 * time.Second,
		store: store, schedules: schedules, jobs: js, log: log,
		// A redirect is an answer to fix, not to follow with the payload.
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}

// payload is the JSON body of an alert. Text reads well in chat tools
// whose incoming webhooks show a "text" field.
type payload struct {
	Event    string          `json:"event"`
	Text     string          `json:"text"`
	Schedule payloadSchedule `json:"schedule"`
	Job      *payloadJob     `json:"job,omitempty"`
	// Overdue alerts: the last successful backup (absent: none yet) and
	// the threshold it passed.
	LastSuccessAt     *time.Time `json:"last_success_at,omitempty"`
	AlertAfterSeconds int64      `json:"alert_after_seconds,omitempty"`
	At                time.Time  `json:"at"`
}

type payloadSchedule struct {
	ID         int64  `json:"id"`
	Label      string `json:"label"`
	Cluster    string `json:"cluster"`
	Database   string `json:"database"` // "" = every database of the cluster
	Collection string `json:"collection"`
}

type payloadJob struct {
	ID         int64      `json:"id"`
	Status     string     `json:"status"`
	Error      string     `json:"error"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

func newPayload(event string, s schedule.Schedule, now time.Time) payload {
	return payload{Event: event, At: now.UTC(), Schedule: payloadSchedule{
		ID: s.ID, Label: s.Label, Cluster: s.Cluster, Database: s.Database, Collection: s.Collection}}
}

// JobFailed queues a job_failed alert for job j of schedule s; it does
// nothing when s has no webhook.
func (n *Notifier) JobFailed(ctx context.Context, s schedule.Schedule, j jobs.Job, now time.Time) error {
	p := newPayload(EventJobFailed, s, now)
	p.Job = &payloadJob{ID: j.ID, Status: string(j.Status), Error: j.Error, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt}
	p.Text = fmt.Sprintf("Strata: a backup of schedule %q (%s) failed, job %d: %s", s.Label, s.Target(), j.ID, j.Error)
	_, err := n.enqueue(ctx, s, p, time.Time{})
	return err
}

// RunFinished is an operations.RunObserver: it queues a job_failed alert
// for each failed job of a scheduled run that ended. Wire it with
// scheduler.OnRunFinished(notifier.RunFinished).
func (n *Notifier) RunFinished(ctx context.Context, s schedule.Schedule, run []jobs.Job, succeeded bool, now time.Time) {
	for _, j := range run {
		if j.Status != jobs.StatusFailed {
			continue
		}
		if err := n.JobFailed(ctx, s, j, now); err != nil {
			n.log.Error("alerts: cannot queue a job_failed alert", "schedule", s.Label, "job", j.ID, "error", err)
		}
	}
}

// Test queues a test alert for schedule s.
func (n *Notifier) Test(ctx context.Context, s schedule.Schedule, now time.Time) error {
	if s.Webhook == "" {
		return usererror.New("this schedule has no webhook: set one on the schedule first")
	}
	p := newPayload(EventTest, s, now)
	p.Text = fmt.Sprintf("Strata: test alert for schedule %q. Its alerts reach this address.", s.Label)
	_, err := n.enqueue(ctx, s, p, time.Time{})
	return err
}

// CheckOverdue queues an overdue alert for each schedule with a webhook
// that IsOverdue at now, once per gap without a successful backup: the
// next one follows only a new success and a new gap. It returns how many
// it queued. A schedule that cannot be checked does not stop the others:
// the error returned joins every such failure.
func (n *Notifier) CheckOverdue(ctx context.Context, now time.Time) (int, error) {
	list, err := n.schedules.List(ctx)
	if err != nil {
		return 0, err
	}
	queued := 0
	var errs []error
	for _, s := range list {
		if s.Webhook == "" || s.AlertAfter <= 0 {
			continue
		}
		last, err := n.LastSuccess(ctx, s.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("schedule %q: %w", s.Label, err))
			continue
		}
		if !IsOverdue(s, last, now) {
			continue
		}
		p := newPayload(EventOverdue, s, now)
		p.AlertAfterSeconds = int64(s.AlertAfter / time.Second)
		lastWords := "none yet"
		if !last.IsZero() {
			p.LastSuccessAt = &last
			lastWords = last.UTC().Format(time.RFC3339)
		}
		p.Text = fmt.Sprintf("Strata: no backup of schedule %q (%s) has succeeded for more than %s (last success: %s).",
			s.Label, s.Target(), schedule.ShortDuration(s.AlertAfter), lastWords)
		ok, err := n.enqueue(ctx, s, p, gapStart(s, last))
		if err != nil {
			errs = append(errs, fmt.Errorf("schedule %q: %w", s.Label, err))
			continue
		}
		if ok {
			queued++
		}
	}
	return queued, errors.Join(errs...)
}

// enqueue stores a pending delivery of p, due at once; for an overdue
// alert since is the gap's start, and a second alert for one gap is not
// stored (false).
func (n *Notifier) enqueue(ctx context.Context, s schedule.Schedule, p payload, since time.Time) (bool, error) {
	if s.Webhook == "" {
		return false, nil
	}
	body, err := json.Marshal(p)
	if err != nil {
		return false, err
	}
	return n.store.Queue(ctx, Delivery{ScheduleID: s.ID, Event: p.Event, Payload: body, Status: StatusPending,
		NextAttemptAt: p.At, CreatedAt: p.At}, since)
}
