package auth

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/stratabackup/strata/internal/clientaddr"
	"github.com/stratabackup/strata/internal/usererror"
)

// ThrottledError is returned by [Service.Authenticate] while a user name or
// client address is locked out after too many failed logins. It wraps a
// [*usererror.Error] with its own message, whose cause is [ErrThrottled]: so
// errors.Is(err, ErrThrottled) holds, and usererror.Message gives the
// message with the wait.
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

func (e *ThrottledError) Unwrap() error { return usererror.Wrap(ErrThrottled, "%s", e.Error()) }

// Throttle counts failed logins per user name and per client address (an
// IPv6 address counts per /64, see clientaddr.Key), and
// refuses further attempts for a while once either has too many.
//
// An attempt from a device the user logged in on before (it presents a
// valid device cookie for that name, see [Devices]) is counted only
// against that device, and only the device's own lockout applies to it: a
// stranger who locks a user name out does not lock out its owner on their
// own browser. This is OWASP's "device cookies" scheme.
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
	MaxDevFailures  int           // failures from one known device within Window
	Window          time.Duration // the period failures are counted over
	MinLockout      time.Duration // the first lockout
	MaxLockout      time.Duration // the longest lockout
	MaxEntries      int           // user names (and, apart, addresses and devices) tracked at most

	now     func() time.Time
	mu      sync.Mutex
	names   map[string]*attempts
	addrs   map[string]*attempts
	devices map[string]*attempts
}

type attempts struct {
	pending     int // attempts in progress
	failures    int // failures in the window that started at windowStart
	windowStart time.Time
	lastFailure time.Time
	lockouts    int // lockouts so far; each doubles the next one
	lockedUntil time.Time
}

// NewThrottle returns a throttle with the default limits: 5 failures per
// user name or known device, or 20 per client address, within 15 minutes
// lock out for 1 minute, doubling up to 15 minutes. now is the clock (nil:
// time.Now).
func NewThrottle(now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{
		MaxNameFailures: 5,
		MaxAddrFailures: 20,
		MaxDevFailures:  5,
		Window:          15 * time.Minute,
		MinLockout:      time.Minute,
		MaxLockout:      15 * time.Minute,
		MaxEntries:      10000,
		now:             now,
		names:           make(map[string]*attempts),
		addrs:           make(map[string]*attempts),
		devices:         make(map[string]*attempts),
	}
}

// Begin starts a login attempt for name from addr (either may be empty,
// meaning unknown). It returns how long the caller must wait, or 0 when the
// attempt may go ahead; then the caller must end it with exactly one of
// Fail, Succeed or Release.
//
// An attempt in progress counts as a failure until it ends, so a burst of
// concurrent attempts cannot get more password checks than the limit.
func (t *Throttle) Begin(name, addr string) time.Duration { return t.begin(t.counters(name, addr)) }

// Fail ends an attempt that failed: wrong password or unknown user.
func (t *Throttle) Fail(name, addr string) { t.fail(t.counters(name, addr)) }

// Succeed ends an attempt that succeeded, forgetting the failures of name.
func (t *Throttle) Succeed(name, addr string) { t.succeed(t.counters(name, addr)) }

// Release ends an attempt that neither failed nor succeeded, such as one
// that hit a database error.
func (t *Throttle) Release(name, addr string) { t.release(t.counters(name, addr)) }

// A counter is one key's attempts in one map, with its limit. forget says
// whether a success forgets its failures.
type counter struct {
	m      map[string]*attempts
	key    string
	limit  int
	forget bool
}

// counters are what an unknown client's attempt counts against: the user
// name and the address.
func (t *Throttle) counters(name, addr string) []counter {
	return []counter{
		{m: t.names, key: nameKey(name), limit: t.MaxNameFailures, forget: true},
		{m: t.addrs, key: clientaddr.Key(addr), limit: t.MaxAddrFailures},
	}
}

// deviceCounter is what an attempt from a known device counts against: the
// device alone. A success forgets the device's failures, not the user
// name's: those may be a stranger's, who must stay locked out.
func (t *Throttle) deviceCounter(device string) []counter {
	return []counter{{m: t.devices, key: device, limit: t.MaxDevFailures, forget: true}}
}

func (t *Throttle) begin(cs []counter) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for _, c := range cs {
		wait = max(wait, t.wait(c.m, c.key, c.limit, now))
	}
	if wait > 0 {
		return wait
	}
	for _, c := range cs {
		t.entry(c.m, c.key, now).pending++
	}
	return 0
}

func (t *Throttle) fail(cs []counter) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, c := range cs {
		t.failOne(c.m, c.key, c.limit, now)
	}
}

func (t *Throttle) succeed(cs []counter) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range cs {
		if c.forget {
			delete(c.m, c.key)
		} else {
			t.releaseOne(c.m, c.key)
		}
	}
}

func (t *Throttle) release(cs []counter) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range cs {
		t.releaseOne(c.m, c.key)
	}
}

// wait returns how long key must wait: until its lockout ends, or, when
// attempts in progress would reach the limit, the shortest lockout.
func (t *Throttle) wait(m map[string]*attempts, key string, limit int, now time.Time) time.Duration {
	if key == "" {
		return 0
	}
	a := m[key]
	switch {
	case a == nil:
		return 0
	case now.Before(a.lockedUntil):
		return a.lockedUntil.Sub(now)
	case t.failures(a, now)+a.pending >= limit:
		return t.MinLockout
	}
	return 0
}

// failures returns the failures of a in the current window.
func (t *Throttle) failures(a *attempts, now time.Time) int {
	if now.Sub(a.windowStart) >= t.Window {
		return 0
	}
	return a.failures
}

// entry returns the attempts of key, creating them if needed; key "" has a
// throwaway entry.
func (t *Throttle) entry(m map[string]*attempts, key string, now time.Time) *attempts {
	if key == "" {
		return &attempts{}
	}
	a := m[key]
	if a != nil && t.stale(a, now) {
		*a = attempts{pending: a.pending}
	}
	if a == nil {
		if len(m) >= t.MaxEntries {
			t.evict(m, now)
		}
		a = &attempts{}
		m[key] = a
	}
	return a
}

func (t *Throttle) releaseOne(m map[string]*attempts, key string) {
	if a := m[key]; a != nil && a.pending > 0 {
		a.pending--
	}
}

func (t *Throttle) failOne(m map[string]*attempts, key string, limit int, now time.Time) {
	if key == "" {
		return
	}
	t.releaseOne(m, key)
	a := t.entry(m, key, now)
	if t.failures(a, now) == 0 {
		a.failures, a.windowStart = 0, now
	}
	a.failures++
	a.lastFailure = now
	if a.failures >= limit {
		a.lockedUntil = now.Add(t.lockout(a.lockouts))
		a.lockouts++
		a.failures = 0
	}
}

func (t *Throttle) lockout(previous int) time.Duration {
	d := t.MinLockout
	for i := 0; i < previous && d < t.MaxLockout; i++ {
		d *= 2
	}
	return min(d, t.MaxLockout)
}

// stale reports whether a has no attempt in progress and has been quiet
// for a whole window after its last failure and its lockout.
func (t *Throttle) stale(a *attempts, now time.Time) bool {
	if a.pending > 0 {
		return false
	}
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
