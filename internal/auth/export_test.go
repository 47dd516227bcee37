package auth

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"
)

// Most tests are in package auth_test so that they can use the SQLite
// store, which imports this package; these are for them.

func TestMain(m *testing.M) {
	// Cheap hashes keep the tests fast; TestHashDefaultParams checks the
	// real parameters.
	hashParams = argonParams{memory: 64, time: 1, threads: 1, saltLen: 16, keyLen: 32}
	os.Exit(m.Run())
}

const testPassword = "correct horse battery"

const TestPassword = testPassword

var HashToken = hashToken

// SetHashTime sets the time cost of new hashes, until the function it
// returns is called.
func SetHashTime(t uint32) (restore func()) {
	saved := hashParams
	hashParams.time = t
	return func() { hashParams = saved }
}

// CookieToken returns the token in r's session cookie, or "".
func CookieToken(s *Sessions, r *http.Request) string {
	_, token := s.decode(r)
	return token
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

type FakeClock = fakeClock

var NewFakeClock = newFakeClock

// CreateFirstUser is the part of CreateFirstAdmin that must hold under
// concurrency: it skips the check outside the transaction.
func CreateFirstUser(s *Service, ctx context.Context, name, password string) (User, error) {
	return s.createUser(ctx, name, password, RoleAdmin, true)
}
