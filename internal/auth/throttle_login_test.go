package auth_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/usererror"
)

func TestThrottlePerUser(t *testing.T) {
	e := newEnv(t)
	e.createUser(t, "alice", auth.RoleAdmin)
	login := func(password string) error {
		_, err := e.svc.Authenticate(e.ctx, "alice", password, "192.0.2.1:4000")
		return err
	}

	for i := range 5 {
		wantErr(t, login(fmt.Sprintf("wrong password %d", i)), auth.ErrInvalidCredentials)
	}
	// Locked: even the right password is refused, and for another spelling
	// of the name.
	err := login(testPassword)
	var te *auth.ThrottledError
	if !errors.As(err, &te) || !errors.Is(err, auth.ErrThrottled) || !errors.As(err, new(*usererror.Error)) {
		t.Fatalf("6th attempt: %v, want *ThrottledError", err)
	}
	if te.RetryAfter != time.Minute {
		t.Fatalf("RetryAfter = %v, want 1m", te.RetryAfter)
	}
	if err.Error() != "too many failed login attempts; try again in a minute" {
		t.Fatalf("message = %q", err)
	}
	_, err = e.svc.Authenticate(e.ctx, "ALICE", testPassword, "198.51.100.7")
	wantErr(t, err, auth.ErrThrottled)

	e.clock.Advance(30 * time.Second)
	if err := login(testPassword); !errors.As(err, &te) || te.RetryAfter != 30*time.Second {
		t.Fatalf("after 30s: %v", err)
	}
	e.clock.Advance(30 * time.Second)
	if err := login(testPassword); err != nil {
		t.Fatalf("after lockout: %v", err)
	}

	// The success reset the count: 4 more failures do not lock.
	for range 4 {
		wantErr(t, login("wrong password!"), auth.ErrInvalidCredentials)
	}
	if err := login(testPassword); err != nil {
		t.Fatalf("after 4 failures: %v", err)
	}
	for range 4 {
		wantErr(t, login("wrong password!"), auth.ErrInvalidCredentials)
	}
	if err := login(testPassword); err != nil {
		t.Fatalf("after another 4 failures: %v", err)
	}
}

func TestThrottlePerAddress(t *testing.T) {
	e := newEnv(t)
	e.createUser(t, "alice", auth.RoleAdmin)
	const addr = "203.0.113.9"
	// 20 failures, spread over names so that no name is locked; a port
	// does not make another address.
	for i := range 20 {
		_, err := e.svc.Authenticate(e.ctx, fmt.Sprintf("user%d", i), testPassword, fmt.Sprintf("%s:%d", addr, 1000+i))
		wantErr(t, err, auth.ErrInvalidCredentials)
	}
	_, err := e.svc.Authenticate(e.ctx, "alice", testPassword, addr)
	wantErr(t, err, auth.ErrThrottled)
	if _, err := e.svc.Authenticate(e.ctx, "alice", testPassword, "203.0.113.10"); err != nil {
		t.Fatalf("from another address: %v", err)
	}
	e.clock.Advance(time.Minute)
	if _, err := e.svc.Authenticate(e.ctx, "alice", testPassword, addr); err != nil {
		t.Fatalf("after lockout: %v", err)
	}
}

func TestThrottleConcurrentLogins(t *testing.T) {
	e := newEnv(t)
	e.createUser(t, "alice", auth.RoleAdmin)
	const n = 50
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		go func() {
			<-start
			_, err := e.svc.Authenticate(e.ctx, "alice", fmt.Sprintf("wrong password %d", i), fmt.Sprintf("192.0.2.%d", i))
			errs <- err
		}()
	}
	close(start)
	checked := 0
	for range n {
		err := <-errs
		switch {
		case errors.Is(err, auth.ErrInvalidCredentials):
			checked++
		case !errors.Is(err, auth.ErrThrottled):
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if checked > 5 {
		t.Fatalf("%d passwords checked in a burst, want at most 5", checked)
	}
}
