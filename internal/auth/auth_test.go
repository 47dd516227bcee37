package auth_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/store/sqlite"
	"github.com/stratabackup/strata/internal/testutil/statestore"
	"github.com/stratabackup/strata/internal/usererror"
)

type fakeClock = auth.FakeClock

var newFakeClock = auth.NewFakeClock

const testPassword = auth.TestPassword

type env struct {
	ctx   context.Context
	db    *sql.DB
	dir   string
	clock *fakeClock
	svc   *auth.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db := statestore.Open(t, dir)
	clock := newFakeClock()
	return &env{ctx: ctx, db: db, dir: dir, clock: clock, svc: auth.New(sqlite.NewAuth(db), auth.WithClock(clock.Now))}
}

func (e *env) createUser(t *testing.T, name string, role auth.Role) auth.User {
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
		{auth.ErrPasswordTooShort, "password must be at least 12 characters"},
		{fmt.Errorf("wrapped: %w", auth.ErrLastAdmin), "at least one active admin must remain"},
		{&auth.ThrottledError{RetryAfter: time.Minute}, "too many failed login attempts; try again in a minute"},
		{&auth.ThrottledError{RetryAfter: 3 * time.Minute}, "too many failed login attempts; try again in 3 minutes"},
	} {
		if msg, ok := usererror.Message(tt.err); !ok || msg != tt.want {
			t.Errorf("usererror.Message(%v) = %q, %v; want %q", tt.err, msg, ok, tt.want)
		}
	}
	for _, err := range []error{auth.ErrNoSession, errors.New("auth: disk full"), nil} {
		if msg, ok := usererror.Message(err); ok {
			t.Errorf("usererror.Message(%v) = %q, want none", err, msg)
		}
	}
}
