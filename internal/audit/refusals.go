package audit

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stratabackup/strata/internal/clientaddr"
)

// Refusals appends refusals (entries with outcome denied) of requests that
// nobody is logged in for, so that such requests cannot grow the log
// without bound. Of each client's refusals in a Window, the first PerWindow
// are appended as they are; the rest are only counted, per action. When the
// window has ended, at the next [Refusals.Flush] or with the client's next
// refusal, whichever comes first, one entry with action
// [ActionRefusalsSuppressed] says how many were left out and of which
// actions, so the fact is never lost.
//
// A client is an IP address; IPv6 addresses count per /64, the block one
// host is usually given. The counters are kept in memory, per process, for
// at most MaxClients clients: making room appends the summary of the
// client dropped. [Refusals.FlushAll] appends every summary still pending,
// for a shutdown.
//
// A Refusals is safe for concurrent use.
type Refusals struct {
	// Limits, set by NewRefusals; change them only before first use.
	PerWindow  int           // refusals of one client appended per window
	Window     time.Duration // counted from a client's first refusal
	MaxClients int           // clients tracked at most

	log     *Log
	now     func() time.Time
	mu      sync.Mutex
	clients map[string]*refusalWindow
}

type refusalWindow struct {
	start       time.Time
	appended    int
	suppressed  int
	actions     map[string]int
	source      string // of the first refusal suppressed
	first, last time.Time
}

// NewRefusals returns a limiter appending to log with the default limits:
// 10 refusals per client per minute, 10,000 clients. now is the clock (nil:
// time.Now).
func NewRefusals(log *Log, now func() time.Time) *Refusals {
	if now == nil {
		now = time.Now
	}
	return &Refusals{PerWindow: 10, Window: time.Minute, MaxClients: 10000, log: log, now: now,
		clients: make(map[string]*refusalWindow)}
}

// Append appends e, a refusal, unless its client has had PerWindow refusals
// appended in the current window; then it only counts it. It reports
// whether e was appended.
func (r *Refusals) Append(ctx context.Context, e Entry) (bool, error) {
	client := clientaddr.Key(e.ClientAddr)
	r.mu.Lock()
	now := r.now()
	var due []Entry
	w := r.clients[client]
	if w != nil && now.Sub(w.start) >= r.Window {
		due = appendSummary(due, client, w)
		w = nil
	}
	if w == nil {
		if _, tracked := r.clients[client]; !tracked && len(r.clients) >= r.MaxClients {
			due = r.makeRoom(due, now)
		}
		w = &refusalWindow{start: now}
		r.clients[client] = w
	}
	appended := w.appended < r.PerWindow
	if appended {
		w.appended++
	} else {
		w.count(e, now)
	}
	r.mu.Unlock()

	err := r.appendAll(ctx, due)
	if appended {
		if _, aerr := r.log.Append(ctx, e); aerr != nil {
			err = errors.Join(err, aerr)
		}
	}
	return appended, err
}

// Flush appends the summaries of the windows that have ended, and forgets
// those clients. Call it now and then.
func (r *Refusals) Flush(ctx context.Context) error {
	r.mu.Lock()
	now := r.now()
	var due []Entry
	for client, w := range r.clients {
		if now.Sub(w.start) >= r.Window {
			due = appendSummary(due, client, w)
			delete(r.clients, client)
		}
	}
	r.mu.Unlock()
	return r.appendAll(ctx, due)
}

// FlushAll appends every pending summary, ended or not, and forgets every
// client: for a shutdown.
func (r *Refusals) FlushAll(ctx context.Context) error {
	r.mu.Lock()
	var due []Entry
	for client, w := range r.clients {
		due = appendSummary(due, client, w)
	}
	clear(r.clients)
	r.mu.Unlock()
	return r.appendAll(ctx, due)
}

func (w *refusalWindow) count(e Entry, now time.Time) {
	if w.suppressed == 0 {
		w.actions = make(map[string]int)
		w.source, w.first = e.Source, now
	}
	w.suppressed++
	w.actions[e.Action]++ // actions are the handlers' constants: few
	w.last = now
}

// makeRoom drops the clients whose window has ended or, when none has, the
// one whose window is oldest, adding their summaries to due.
func (r *Refusals) makeRoom(due []Entry, now time.Time) []Entry {
	var oldest string
	for client, w := range r.clients {
		if now.Sub(w.start) >= r.Window {
			due = appendSummary(due, client, w)
			delete(r.clients, client)
		} else if oldest == "" || w.start.Before(r.clients[oldest].start) {
			oldest = client
		}
	}
	if len(r.clients) >= r.MaxClients && oldest != "" {
		due = appendSummary(due, oldest, r.clients[oldest])
		delete(r.clients, oldest)
	}
	return due
}

// appendSummary adds to due the summary of w, if it suppressed anything.
func appendSummary(due []Entry, client string, w *refusalWindow) []Entry {
	if w.suppressed == 0 {
		return due
	}
	names := slices.Sorted(maps.Keys(w.actions))
	counts := make(map[string]any, len(names))
	parts := make([]string, len(names))
	for i, a := range names {
		counts[a] = w.actions[a]
		parts[i] = fmt.Sprintf("%s %d", a, w.actions[a])
	}
	return append(due, Entry{
		Actor: "anonymous", Source: w.source, Action: ActionRefusalsSuppressed,
		TargetType: "client", TargetID: client, ClientAddr: client, Outcome: OutcomeDenied,
		Message: fmt.Sprintf("%d further %s from %s suppressed (actions %s)", w.suppressed, plural(w.suppressed, "refusal"), client, strings.Join(parts, ", ")),
		Params: map[string]any{
			"suppressed": w.suppressed, "actions": counts,
			"first": w.first.UTC().Format(time.RFC3339Nano), "last": w.last.UTC().Format(time.RFC3339Nano),
		},
	})
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func (r *Refusals) appendAll(ctx context.Context, entries []Entry) error {
	var errs []error
	for _, e := range entries {
		if _, err := r.log.Append(ctx, e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
