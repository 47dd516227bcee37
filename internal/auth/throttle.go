package auth

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// ThrottledError is returned by [Service.Authenticate] while a user name or
// client address is locked out after too many failed logins. It wraps
// [ErrThrottled], so errors.Is(err, ErrThrottled) and [IsUserError] hold.
type ThrottledError struct {
	RetryAfter time.Duration // how long until the lockout ends
}

func (e *ThrottledError) Error() string {
	mins := int((e.RetryAfter + time.Minute - 1) / time.Minute)
	if mins <= 1 {
		return "too many failed login attempts; try again in a minute"
	}
	return fmt.Sprintf("too many failed login attempts; try again in %d minutes", mins)
}

func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// Throttle counts failed logins per user name and per client address, and
// refuses further attempts for a while once either has too many.
//
// A lockout starts at MinLockout and doubles with each further lockout, up
// to MaxLockout. A user name or address that has been quiet for a whole
// Window after its last failure or lockout is forgotten. A successful login
// forgets the user name's failures, but not the address's: otherwise
// someone who owns one account could keep resetting their address's count
// while guessing other accounts' passwords.
//
// The counters are kept in memory, per process: a restart forgets them, and
// several processes serving the same store each count on their own. Memory
// is bounded by MaxEntries per kind of key.
//
// A Throttle is safe for concurrent use.
type Throttle struct {
	// Limits, set by NewThrottle; change them only before first use.
	MaxNameFailures int           // failures for one user name within Window
	MaxAddrFailures int           // failures from one client address within Window
	Window          time.Duration // the period failures are counted over
	MinLockout      time.Duration // the first lockout
	MaxLockout      time.Duration // the longest lockout
	MaxEntries      int           // user names (and, apart, addresses) tracked at most

	now   func() time.Time
	mu    sync.Mutex
	names map[string]*attempts
	addrs map[string]*attempts
}

type attempts struct {
	failures    int // failures in the window that started at windowStart
	windowStart time.Time
	lastFailure time.Time
	lockouts    int // lockouts so far; each doubles the next one
	lockedUntil time.Time
}

// NewThrottle returns a throttle with the default limits: 5 failures per
// user name or 20 per client address within 15 minutes lock out for
// 1 minute, doubling up to 15 minutes. now is the clock (nil: time.Now).
func NewThrottle(now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{
		MaxNameFailures: 5,
		MaxAddrFailures: 20,
		Window:          15 * time.Minute,
		MinLockout:      time.Minute,
		MaxLockout:      15 * time.Minute,
		MaxEntries:      10000,
		now:             now,
		names:           make(map[string]*attempts),
		addrs:           make(map[string]*attempts),
	}
}

// Check returns how long a login for name from addr must wait, or 0 when it
// may go ahead. Either may be empty, meaning unknown.
func (t *Throttle) Check(name, addr string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	return max(t.wait(t.names, nameKey(name), now), t.wait(t.addrs, addrKey(addr), now))
}

// Fail records a failed login for name from addr.
func (t *Throttle) Fail(name, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.fail(t.names, nameKey(name), t.MaxNameFailures, now)
	t.fail(t.addrs, addrKey(addr), t.MaxAddrFailures, now)
}

// Succeed forgets the failed logins of name.
func (t *Throttle) Succeed(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.names, nameKey(name))
}

func (t *Throttle) wait(m map[string]*attempts, key string, now time.Time) time.Duration {
	if key == "" {
		return 0
	}
	a := m[key]
	if a == nil || !now.Before(a.lockedUntil) {
		return 0
	}
	return a.lockedUntil.Sub(now)
}

func (t *Throttle) fail(m map[string]*attempts, key string, limit int, now time.Time) {
	if key == "" {
		return
	}
	a := m[key]
	if a == nil || t.stale(a, now) {
		if a == nil && len(m) >= t.MaxEntries {
			t.evict(m, now)
		}
		a = &attempts{windowStart: now}
		m[key] = a
	}
	if now.Sub(a.windowStart) >= t.Window {
		a.failures, a.windowStart = 0, now
	}
	a.failures++
	a.lastFailure = now
	if a.failures >= limit {
		a.lockedUntil = now.Add(t.lockout(a.lockouts))
		a.lockouts++
		a.failures, a.windowStart = 0, now
	}
}

func (t *Throttle) lockout(previous int) time.Duration {
	d := t.MinLockout
	for i := 0; i < previous && d < t.MaxLockout; i++ {
		d *= 2
	}
	return min(d, t.MaxLockout)
}

// stale reports whether a has been quiet for a whole window after its last
// failure and its lockout.
func (t *Throttle) stale(a *attempts, now time.Time) bool {
	quietSince := a.lastFailure
	if a.lockedUntil.After(quietSince) {
		quietSince = a.lockedUntil
	}
	return now.Sub(quietSince) >= t.Window
}

// evict makes room in a full map: it drops stale entries and, if none is,
// the one whose last failure is oldest.
func (t *Throttle) evict(m map[string]*attempts, now time.Time) {
	var oldestKey string
	var oldest *attempts
	for k, a := range m {
		if t.stale(a, now) {
			delete(m, k)
			continue
		}
		if oldest == nil || a.lastFailure.Before(oldest.lastFailure) {
			oldestKey, oldest = k, a
		}
	}
	if len(m) >= t.MaxEntries && oldest != nil {
		delete(m, oldestKey)
	}
}

func nameKey(name string) string { return strings.ToLower(name) }

// addrKey drops a port, so that "192.0.2.1:51234" and "192.0.2.1:51235"
// count as one address.
func addrKey(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
