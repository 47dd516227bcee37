package auth

import (
	"fmt"
	"testing"
	"time"
)

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
