package auth

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/usererror"
)

func TestThrottlePerUser(t *testing.T) {
	e := newEnv(t)
	e.createUser(t, "alice", RoleAdmin)
	login := func(password string) error {
		_, err := e.svc.Authenticate(e.ctx, "alice", password, "192.0.2.1:4000")
		return err
	}

	for i := range 5 {
		wantErr(t, login(fmt.Sprintf("wrong password %d", i)), ErrInvalidCredentials)
	}
	// Locked: even the right password is refused, and for another spelling
	// of the name.
	err := login(testPassword)
	var te *ThrottledError
	if !errors.As(err, &te) || !errors.Is(err, ErrThrottled) || !errors.As(err, new(*usererror.Error)) {
		t.Fatalf("6th attempt: %v, want *ThrottledError", err)
	}
	if te.RetryAfter != time.Minute {
		t.Fatalf("RetryAfter = %v, want 1m", te.RetryAfter)
	}
	if err.Error() != "too many failed login attempts; try again in a minute" {
		t.Fatalf("message = %q", err)
	}
	_, err = e.svc.Authenticate(e.ctx, "ALICE", testPassword, "198.51.100.7")
	wantErr(t, err, ErrThrottled)

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
		wantErr(t, login("wrong password!"), ErrInvalidCredentials)
	}
	if err := login(testPassword); err != nil {
		t.Fatalf("after 4 failures: %v", err)
	}
	for range 4 {
		wantErr(t, login("wrong password!"), ErrInvalidCredentials)
	}
	if err := login(testPassword); err != nil {
		t.Fatalf("after another 4 failures: %v", err)
	}
}

func TestThrottlePerAddress(t *testing.T) {
	e := newEnv(t)
	e.createUser(t, "alice", RoleAdmin)
	const addr = "203.0.113.9"
	// 20 failures, spread over names so that no name is locked; a port
	// does not make another address.
	for i := range 20 {
		_, err := e.svc.Authenticate(e.ctx, fmt.Sprintf("user%d", i), testPassword, fmt.Sprintf("%s:%d", addr, 1000+i))
		wantErr(t, err, ErrInvalidCredentials)
	}
	_, err := e.svc.Authenticate(e.ctx, "alice", testPassword, addr)
	wantErr(t, err, ErrThrottled)
	if _, err := e.svc.Authenticate(e.ctx, "alice", testPassword, "203.0.113.10"); err != nil {
		t.Fatalf("from another address: %v", err)
	}
	e.clock.Advance(time.Minute)
	if _, err := e.svc.Authenticate(e.ctx, "alice", testPassword, addr); err != nil {
		t.Fatalf("after lockout: %v", err)
	}
}

func TestThrottleLockoutGrows(t *testing.T) {
	clock := newFakeClock()
	th := NewThrottle(clock.Now)
	for _, want := range []time.Duration{1, 2, 4, 8, 15, 15} {
		for range 5 {
			if d := th.Begin("bob", ""); d != 0 {
				t.Fatalf("Begin while not locked = %v", d)
			}
			th.Fail("bob", "")
		}
		if d := th.Begin("bob", ""); d != want*time.Minute {
			t.Fatalf("lockout = %v, want %v", d, want*time.Minute)
		}
		clock.Advance(want * time.Minute)
	}
	// Quiet for a whole window: forgotten, back to the shortest lockout.
	clock.Advance(15 * time.Minute)
	for range 5 {
		th.Begin("bob", "")
		th.Fail("bob", "")
	}
	if d := th.Begin("bob", ""); d != time.Minute {
		t.Fatalf("lockout after quiet window = %v, want 1m", d)
	}
}

func TestThrottleWindow(t *testing.T) {
	clock := newFakeClock()
	th := NewThrottle(clock.Now)
	for range 4 {
		th.Begin("bob", "")
		th.Fail("bob", "")
	}
	clock.Advance(15 * time.Minute)
	for range 4 {
		if d := th.Begin("bob", ""); d != 0 {
			t.Fatalf("failures of an earlier window count: wait %v", d)
		}
	}
	th.Fail("bob", "")
	if d := th.Begin("bob", ""); d != 0 {
		t.Fatalf("5 failures over more than a window locked for %v", d)
	}
}

func TestThrottleBoundedMemory(t *testing.T) {
	clock := newFakeClock()
	th := NewThrottle(clock.Now)
	th.MaxEntries = 10
	for i := range 100 {
		name, addr := fmt.Sprintf("user%d", i), fmt.Sprintf("192.0.2.%d", i)
		th.Begin(name, addr)
		th.Fail(name, addr)
		th.begin(th.deviceCounter(name))
		th.fail(th.deviceCounter(name))
		clock.Advance(time.Second)
	}
	if len(th.names) > 10 || len(th.addrs) > 10 || len(th.devices) > 10 {
		t.Fatalf("%d names, %d addresses, %d devices tracked; want at most 10", len(th.names), len(th.addrs), len(th.devices))
	}
	if _, ok := th.names["user99"]; !ok {
		t.Fatal("newest entry evicted")
	}
}

func TestThrottleCountsAttemptsInProgress(t *testing.T) {
	clock := newFakeClock()
	th := NewThrottle(clock.Now)
	for range 5 {
		if d := th.Begin("bob", "192.0.2.1"); d != 0 {
			t.Fatalf("Begin = %v", d)
		}
	}
	if d := th.Begin("bob", "192.0.2.2"); d != time.Minute {
		t.Fatalf("6th concurrent attempt: wait %v, want 1m", d)
	}
	th.Release("bob", "192.0.2.1")
	if d := th.Begin("bob", "192.0.2.1"); d != 0 {
		t.Fatalf("after Release: wait %v", d)
	}
	for range 5 {
		th.Fail("bob", "192.0.2.1")
	}
	if d := th.Begin("bob", ""); d != time.Minute {
		t.Fatalf("after 5 failures: wait %v", d)
	}
	if a := th.names["bob"]; a.pending != 0 {
		t.Fatalf("%d attempts pending after all ended", a.pending)
	}
}

func TestThrottleConcurrentLogins(t *testing.T) {
	e := newEnv(t)
	e.createUser(t, "alice", RoleAdmin)
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
		case errors.Is(err, ErrInvalidCredentials):
			checked++
		case !errors.Is(err, ErrThrottled):
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if checked > 5 {
		t.Fatalf("%d passwords checked in a burst, want at most 5", checked)
	}
}
