package auth_test

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/store/sqlite"
)

func newTestSessions(t *testing.T, e *env, opts auth.SessionOptions) *auth.Sessions {
	t.Helper()
	hashKey, blockKey := make([]byte, 64), make([]byte, 32)
	rand.Read(hashKey)
	rand.Read(blockKey)
	s, err := auth.NewSessions(e.svc, hashKey, blockKey, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// request returns a request carrying cookies.
func request(cookies ...*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

// start logs u in with a request carrying cookies and returns the session
// cookie set.
func start(t *testing.T, s *auth.Sessions, u auth.User, cookies ...*http.Cookie) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	if err := s.Start(w, request(cookies...), u, "192.0.2.1", "test-agent"); err != nil {
		t.Fatal(err)
	}
	return sessionCookie(t, w)
}

func sessionCookie(t *testing.T, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == auth.SessionCookieName {
			return c
		}
	}
	t.Fatal("no session cookie set")
	return nil
}

func load(s *auth.Sessions, c *http.Cookie) (auth.Session, auth.User, error) {
	return s.Load(request(c))
}

func TestSessionStartLoad(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(t, "alice", auth.RoleAuditor)
	s := newTestSessions(t, e, auth.SessionOptions{Secure: true})

	c := start(t, s, u)
	if c.Name != "strata_session" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 12*60*60 {
		t.Fatalf("cookie = %+v", c)
	}
	sess, got, err := load(s, c)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || got.Role != auth.RoleAuditor || sess.UserID != u.ID || sess.ID == "" ||
		!sess.CreatedAt.Equal(e.clock.Now()) || !sess.LastSeenAt.Equal(e.clock.Now()) ||
		sess.ClientAddr != "192.0.2.1" || sess.UserAgent != "test-agent" {
		t.Fatalf("Load = %+v, %+v", sess, got)
	}

	if _, _, err := s.Load(request()); err != auth.ErrNoSession {
		t.Fatalf("no cookie: %v", err)
	}
	forged := &http.Cookie{Name: auth.SessionCookieName, Value: "forged"}
	if _, _, err := load(s, forged); err != auth.ErrNoSession {
		t.Fatalf("forged cookie: %v", err)
	}
	// Another key (say, after the key file was replaced) cannot read it.
	if _, _, err := load(newTestSessions(t, e, auth.SessionOptions{}), c); err != auth.ErrNoSession {
		t.Fatalf("cookie under other keys: %v", err)
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(t, "alice", auth.RoleAdmin)
	s := newTestSessions(t, e, auth.SessionOptions{})
	c := start(t, s, u)

	e.clock.Advance(29 * time.Minute)
	sess, _, err := load(s, c)
	if err != nil {
		t.Fatalf("after 29m: %v", err)
	}
	if err := s.Touch(e.ctx, sess); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(29 * time.Minute)
	if _, _, err := load(s, c); err != nil {
		t.Fatalf("29m after touch: %v", err)
	}
	e.clock.Advance(time.Minute)
	if _, _, err := load(s, c); err != auth.ErrNoSession {
		t.Fatalf("30m after touch: %v", err)
	}
}

func TestSessionTouchWritesOncePerMinute(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(t, "alice", auth.RoleAdmin)
	s := newTestSessions(t, e, auth.SessionOptions{})
	c := start(t, s, u)
	started := e.clock.Now()

	lastSeen := func() time.Time {
		sess, _, err := load(s, c)
		if err != nil {
			t.Fatal(err)
		}
		return sess.LastSeenAt
	}
	touch := func() {
		sess, _, err := load(s, c)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Touch(e.ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(59 * time.Second)
	touch()
	if !lastSeen().Equal(started) {
		t.Fatal("touch within a minute wrote last_seen_at")
	}
	e.clock.Advance(time.Second)
	touch()
	if got := lastSeen(); !got.Equal(e.clock.Now()) {
		t.Fatalf("last_seen_at = %v, want %v", got, e.clock.Now())
	}
}

func TestSessionAbsoluteTimeout(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(t, "alice", auth.RoleAdmin)
	s := newTestSessions(t, e, auth.SessionOptions{})
	c := start(t, s, u)

	for elapsed := time.Duration(0); elapsed < 12*time.Hour; elapsed += 20 * time.Minute {
		sess, _, err := load(s, c)
		if err != nil {
			t.Fatalf("after %v: %v", elapsed, err)
		}
		if err := s.Touch(e.ctx, sess); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(20 * time.Minute)
	}
	if _, _, err := load(s, c); err != auth.ErrNoSession {
		t.Fatalf("after 12h: %v", err)
	}
}

func TestSessionEnd(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(t, "alice", auth.RoleAdmin)
	s := newTestSessions(t, e, auth.SessionOptions{})
	c := start(t, s, u)

	w := httptest.NewRecorder()
	if err := s.End(w, request(c)); err != nil {
		t.Fatal(err)
	}
	if cleared := sessionCookie(t, w); cleared.MaxAge >= 0 {
		t.Fatalf("cookie after End = %+v, want MaxAge < 0", cleared)
	}
	// The old cookie, replayed, no longer works.
	if _, _, err := load(s, c); err != auth.ErrNoSession {
		t.Fatalf("after End: %v", err)
	}
	// Without a session End just clears the cookie.
	if err := s.End(httptest.NewRecorder(), request()); err != nil {
		t.Fatal(err)
	}
}

func TestSessionEndedByUserChanges(t *testing.T) {
	e := newEnv(t)
	admin := e.createUser(t, "admin", auth.RoleAdmin)
	u := e.createUser(t, "alice", auth.RoleAdmin)
	s := newTestSessions(t, e, auth.SessionOptions{})
	adminCookie := start(t, s, admin)

	changes := []struct {
		what   string
		change func() error
	}{
		{"disable", func() error { return e.svc.SetDisabled(e.ctx, u.ID, true) }},
		{"enable", func() error { return e.svc.SetDisabled(e.ctx, u.ID, false) }},
		{"set role", func() error { return e.svc.SetRole(e.ctx, u.ID, auth.RoleAuditor) }},
		{"reset password", func() error { return e.svc.SetPassword(e.ctx, u.ID, "another password") }},
	}
	earlier := []*http.Cookie{start(t, s, u)}
	for _, c := range changes {
		if err := c.change(); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		for _, cookie := range earlier {
			if _, _, err := load(s, cookie); err != auth.ErrNoSession {
				t.Fatalf("session from before %s: %v", c.what, err)
			}
		}
		if c.what == "disable" {
			continue // no login while disabled
		}
		u, _ = e.svc.GetUser(e.ctx, u.ID)
		cookie := start(t, s, u)
		if _, _, err := load(s, cookie); err != nil {
			t.Fatalf("session started after %s: %v", c.what, err)
		}
		earlier = append(earlier, cookie)
	}
	if _, _, err := load(s, adminCookie); err != nil {
		t.Fatalf("other user's session: %v", err)
	}
	u, _ = e.svc.GetUser(e.ctx, u.ID)
	if err := s.Start(httptest.NewRecorder(), request(), auth.User{ID: u.ID, Disabled: true}, "", ""); err != auth.ErrUserDisabled {
		t.Fatalf("Start for a disabled user: %v", err)
	}
}

func TestSessionStartRenewsToken(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(t, "alice", auth.RoleAdmin)
	s := newTestSessions(t, e, auth.SessionOptions{})
	old := start(t, s, u)
	oldSess, _, err := load(s, old)
	if err != nil {
		t.Fatal(err)
	}

	renewed := start(t, s, u, old)
	oldToken := auth.CookieToken(s, request(old))
	newToken := auth.CookieToken(s, request(renewed))
	if oldToken == "" || newToken == "" || oldToken == newToken {
		t.Fatalf("tokens: old %q, new %q", oldToken, newToken)
	}
	if _, _, err := load(s, old); err != auth.ErrNoSession {
		t.Fatalf("old session after login: %v", err)
	}
	newSess, _, err := load(s, renewed)
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	if newSess.ID == oldSess.ID {
		t.Fatal("same session id after login")
	}
}

func TestSessionSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(t, "alice", auth.RoleAdmin)
	hashKey, blockKey, err := auth.LoadOrCreateKeys(e.dir, "")
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := auth.NewSessions(e.svc, hashKey, blockKey, auth.SessionOptions{})
	c := start(t, s1, u)

	hashKey, blockKey, err = auth.LoadOrCreateKeys(e.dir, "")
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := auth.NewSessions(auth.New(sqlite.NewAuth(e.db), auth.WithClock(e.clock.Now)), hashKey, blockKey, auth.SessionOptions{})
	if _, _, err := load(s2, c); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

func TestSessionPurgeExpired(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(t, "alice", auth.RoleAdmin)
	s := newTestSessions(t, e, auth.SessionOptions{})
	ended := start(t, s, u)
	if err := s.End(httptest.NewRecorder(), request(ended)); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(25 * time.Hour)
	live := start(t, s, u)

	n, err := s.PurgeExpired(e.ctx)
	if err != nil || n != 1 {
		t.Fatalf("PurgeExpired = %d, %v; want 1", n, err)
	}
	if _, _, err := load(s, live); err != nil {
		t.Fatalf("live session after purge: %v", err)
	}
	var rows int
	e.db.QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&rows)
	if rows != 1 {
		t.Fatalf("%d session rows, want 1", rows)
	}
}

func TestNewSessionsKeyLengths(t *testing.T) {
	e := newEnv(t)
	if _, err := auth.NewSessions(e.svc, make([]byte, 16), make([]byte, 32), auth.SessionOptions{}); err == nil {
		t.Fatal("short hash key accepted")
	}
	if _, err := auth.NewSessions(e.svc, make([]byte, 64), make([]byte, 16), auth.SessionOptions{}); err == nil {
		t.Fatal("short block key accepted")
	}
}
