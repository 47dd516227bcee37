package audit

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Outcomes of an audited action.
const (
	OutcomeOK     = "ok"
	OutcomeDenied = "denied"
	OutcomeError  = "error"
)

// Sources an audited action came through.
const (
	SourceUI  = "ui"
	SourceAPI = "api"
	SourceCLI = "cli"
	// SourceScheduler: the console acted on its own (scheduled expiry).
	SourceScheduler = "scheduler"
)

// ErrNotFound is returned by Get for an id that has no entry.
var ErrNotFound = errors.New("audit: entry not found")

// Entry is one audit log record. ID, Time, PrevHash, Hash and HashVersion
// are set by Append.
// Params holds JSON values as decoded with json.Decoder.UseNumber (numbers are
// json.Number).
type Entry struct {
	ID         int64          `json:"id"`
	Time       time.Time      `json:"time"`
	Actor      string         `json:"actor"`
	Role       string         `json:"role"`
	Source     string         `json:"source"`
	Action     string         `json:"action"`
	TargetType string         `json:"target_type"`
	TargetID   string         `json:"target_id"`
	Params     map[string]any `json:"params"`
	Outcome    string         `json:"outcome"`
	Message    string         `json:"message"`
	ClientAddr string         `json:"client_addr"`
	RequestID  string         `json:"request_id"`
	PrevHash   string         `json:"prev_hash"`
	Hash       string         `json:"hash"`
	// HashVersion says how Hash was made: HashSHA256 or HashHMAC.
	HashVersion int `json:"hash_version"`
}

// Log reads and appends audit entries in a [Store].
type Log struct {
	store   Store
	key     Key
	now     func() time.Time
	log     *slog.Logger
	anchors []Anchor

	anchorMu       sync.Mutex // one checkpoint at a time
	anchored       []int64    // per anchor, the newest entry this process checkpointed to it
	nextCheckpoint atomic.Int64
	keyedFrom      atomic.Int64 // see firstKeyed

	// SQLite's busy handler polls with sleeps; queueing this process's
	// appends on a mutex is faster and fairer. Other processes are still
	// serialized by the store.
	appendMu sync.Mutex
}

// Option configures a Log.
type Option func(*Log)

// WithClock makes the log take entry times from now instead of time.Now.
func WithClock(now func() time.Time) Option {
	return func(l *Log) { l.now = now }
}

// WithLogger makes the log report the checkpoints Append fails to write to
// logger instead of slog.Default().
func WithLogger(logger *slog.Logger) Option {
	return func(l *Log) { l.log = logger }
}

// New returns a Log over store (such as sqlite.NewAudit) that keys the
// chain with key (from LoadOrCreateKey or NewKey).
func New(store Store, key Key, opts ...Option) *Log {
	l := &Log{store: store, key: key, now: time.Now, log: slog.Default()}
	for _, opt := range opts {
		opt(l)
	}
	return l
}
