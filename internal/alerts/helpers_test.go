package alerts_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/secrets"
	"github.com/stratabackup/strata/internal/store/sqlite"
	"github.com/stratabackup/strata/internal/testutil/statestore"
)

// t0 is the tests' "now".
var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// console is one console process on the test's state store file: its own
// database handle and notifier, whose log is kept in logs.
type console struct {
	db        *sql.DB
	n         *alerts.Notifier
	schedules *schedule.Store
	jobs      *jobs.Store
	logs      *syncBuffer
}

func newConsole(t *testing.T, dir string) *console {
	t.Helper()
	db := statestore.Open(t, dir)
	box, err := secrets.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := &console{db: db, schedules: schedule.NewStore(sqlite.NewSchedules(db), box), jobs: jobs.NewStore(sqlite.NewJobs(db)), logs: &syncBuffer{}}
	c.n = alerts.New(sqlite.NewDeliveries(db), c.schedules, c.jobs, slog.New(slog.NewTextHandler(c.logs, nil)))
	return c
}

// addSchedule stores a schedule created at created with webhook and the
// overdue threshold alertAfter.
func (c *console) addSchedule(t *testing.T, label, webhook string, alertAfter time.Duration, created time.Time) schedule.Schedule {
	t.Helper()
	s, err := c.schedules.Create(context.Background(), schedule.Schedule{Label: label, Cluster: "prod", Database: "shop",
		Collection: "local", Recurrence: "@hourly", OnFailure: schedule.OnFailureReschedule,
		OnPreviousRunning: schedule.OnRunningSkip, Webhook: webhook, AlertAfter: alertAfter, Owner: "root"}, created, created)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// addJob stores a job of schedule id, of the run that started a minute
// before finished, that ended with status at finished.
func (c *console) addJob(t *testing.T, id int64, status jobs.Status, finished time.Time, message string) jobs.Job {
	t.Helper()
	ctx := context.Background()
	j, err := c.jobs.Create(ctx, jobs.NewJob{Type: jobs.TypeBackup, Cluster: "prod", ScheduleID: id, ScheduleRun: finished.Add(-time.Minute),
		CreatedBy: "schedule", Description: "backup"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.ExecContext(ctx, `UPDATE jobs SET status = ?, error = ?, started_at = ?, finished_at = ? WHERE id = ?`,
		status, message, sqlite.Time(finished.Add(-time.Minute)), sqlite.Time(finished), j.ID); err != nil {
		t.Fatal(err)
	}
	if j, err = c.jobs.Get(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	return j
}

func (c *console) deliver(t *testing.T, now time.Time) {
	t.Helper()
	if err := c.n.Deliver(context.Background(), now); err != nil {
		t.Fatal(err)
	}
}

func (c *console) deliveries(t *testing.T, id int64) []alerts.Delivery {
	t.Helper()
	list, err := c.n.Deliveries(context.Background(), id, 100)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// only returns the schedule's single delivery.
func (c *console) only(t *testing.T, id int64) alerts.Delivery {
	t.Helper()
	list := c.deliveries(t, id)
	if len(list) != 1 {
		t.Fatalf("%d deliveries, want 1: %+v", len(list), list)
	}
	return list[0]
}

// storedText is every delivery row as text, to search for secrets.
func (c *console) storedText(t *testing.T) string {
	t.Helper()
	rows, err := c.db.Query(`SELECT json_array(id, schedule_id, event, payload, status, attempts, next_attempt_at, last_attempt_at,
		last_status_code, last_error, created_at, delivered_at, since) FROM webhook_deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		b.WriteString(s + "\n")
	}
	return b.String()
}

// request is what the receiver got.
type request struct {
	Path, ContentType, UserAgent, Event, Delivery string
	Body                                          map[string]any
}

// receiver is a local webhook receiver answering each request with the
// status answer returns for the n-th request (from 1) of that delivery.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
}

func newReceiver(t *testing.T, answer func(nth int) int) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		got := request{Path: req.URL.Path, ContentType: req.Header.Get("Content-Type"), UserAgent: req.Header.Get("User-Agent"),
			Event: req.Header.Get("X-Strata-Event"), Delivery: req.Header.Get("X-Strata-Delivery")}
		if err := json.Unmarshal(body, &got.Body); err != nil {
			t.Errorf("body is not JSON: %q", body)
		}
		r.mu.Lock()
		r.requests = append(r.requests, got)
		nth := 0
		for _, q := range r.requests {
			if q.Delivery == got.Delivery {
				nth++
			}
		}
		r.mu.Unlock()
		w.WriteHeader(answer(nth))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.requests...)
}

func always(code int) func(int) int { return func(int) int { return code } }

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
