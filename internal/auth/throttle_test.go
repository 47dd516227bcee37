package auth

import (
	"errors"
	"fmt"
	"testing"
	"time"
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
	if !errors.As(err, &te) || !errors.Is(err, ErrThrottled) || !IsUserError(err) {
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
			if d := th.Check("bob", ""); d != 0 {
				t.Fatalf("Check while not locked = %v", d)
			}
			th.Fail("bob", "")
		}
		if d := th.Check("bob", ""); d != want*time.Minute {
			t.Fatalf("lockout = %v, want %v", d, want*time.Minute)
		}
		clock.Advance(want * time.Minute)
	}
	// Quiet for a whole window: forgotten, back to the shortest lockout.
	clock.Advance(15 * time.Minute)
	for range 5 {
		th.Fail("bob", "")
	}
	if d := th.Check("bob", ""); d != time.Minute {
		t.Fatalf("lockout after quiet window = %v, want 1m", d)
	}
}

func TestThrottleWindow(t *testing.T) {
	clock := newFakeClock()
	th := NewThrottle(clock.Now)
	for range 4 {
		th.Fail("bob", "")
	}
	clock.Advance(15 * time.Minute)
	th.Fail("bob", "")
	if d := th.Check("bob", ""); d != 0 {
		t.Fatalf("5 failures over more than a window locked for %v", d)
	}
}

func TestThrottleBoundedMemory(t *testing.T) {
	clock := newFakeClock()
	th := NewThrottle(clock.Now)
	th.MaxEntries = 10
	for i := range 100 {
		th.Fail(fmt.Sprintf("user%d", i), fmt.Sprintf("192.0.2.%d", i))
		clock.Advance(time.Second)
	}
	if len(th.names) > 10 || len(th.addrs) > 10 {
		t.Fatalf("%d names, %d addresses tracked; want at most 10", len(th.names), len(th.addrs))
	}
	if _, ok := th.names["user99"]; !ok {
		t.Fatal("newest entry evicted")
	}
}
