package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testutil/statestore"
	"github.com/stratabackup/strata/internal/usererror"
)

func TestMain(m *testing.M) {
	// Cheap hashes keep the tests fast; TestHashDefaultParams checks the
	// real parameters.
	hashParams = argonParams{memory: 64, time: 1, threads: 1, saltLen: 16, keyLen: 32}
	os.Exit(m.Run())
}

// fakeClock is a settable clock for tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const testPassword = "correct horse battery"

type env struct {
	ctx   context.Context
	db    *sql.DB
	dir   string
	clock *fakeClock
	svc   *Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db := statestore.Open(t, dir)
	clock := newFakeClock()
	return &env{ctx: ctx, db: db, dir: dir, clock: clock, svc: New(db, WithClock(clock.Now))}
}

func (e *env) createUser(t *testing.T, name string, role Role) User {
	t.Helper()
	u, err := e.svc.CreateUser(e.ctx, name, testPassword, role)
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", name, err)
	}
	return u
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func TestUserErrors(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{ErrPasswordTooShort, "password must be at least 12 characters"},
		{fmt.Errorf("wrapped: %w", ErrLastAdmin), "at least one active admin must remain"},
		{&ThrottledError{RetryAfter: time.Minute}, "too many failed login attempts; try again in a minute"},
		{&ThrottledError{RetryAfter: 3 * time.Minute}, "too many failed login attempts; try again in 3 minutes"},
	} {
		if msg, ok := usererror.Message(tt.err); !ok || msg != tt.want {
			t.Errorf("usererror.Message(%v) = %q, %v; want %q", tt.err, msg, ok, tt.want)
		}
	}
	for _, err := range []error{ErrNoSession, errors.New("auth: disk full"), nil} {
		if msg, ok := usererror.Message(err); ok {
			t.Errorf("usererror.Message(%v) = %q, want none", err, msg)
		}
	}
}
