package server

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/app"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/engine"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/secrets"
	"github.com/stratabackup/strata/internal/testutil/statestore"
)

const testPassword = "correct horse battery"

// testEnv is a console on a temp state store, served by httptest.
type testEnv struct {
	t         testing.TB
	srv       *Server
	http      *httptest.Server
	auth      *auth.Service
	audit     *audit.Log
	registry  *registry.Registry
	jobs      *jobs.Store
	schedules *schedule.Store
	app       *app.App
	db        *sql.DB
	dataDir   string
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st := statestore.OpenStores(t, dir)
	svc := auth.New(st.Auth)
	hashKey, blockKey, err := auth.LoadOrCreateKeys(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := auth.NewSessions(svc, hashKey, blockKey, auth.SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	key, err := audit.LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	log := audit.New(st.Audit, key, audit.WithAnchors(audit.NewCheckpointFile(dir)))
	reg := registry.New(st.Registry, box)
	if _, err := reg.EnsureDefaultCollection(ctx, dir); err != nil {
		t.Fatal(err)
	}
	js := jobs.NewStore(st.Jobs)
	runner := jobs.NewRunner(js, "test", 2, logger, jobs.WithPollInterval(50*time.Millisecond))
	schedules := schedule.NewStore(st.Schedules, box)
	notifier := alerts.New(st.Deliveries, schedules, js, logger)
	doors := app.New(app.Options{Registry: reg, Jobs: js, Schedules: schedules, Audit: log, Auth: svc, Alerts: notifier,
		Engines: cluster.Engines{cluster.KindPostgres: engine.New(logger)}, Log: logger, KeepAfterRemoval: 30 * 24 * time.Hour})
	doors.Register(runner)
	runner.Start(ctx)
	t.Cleanup(func() { runner.Stop(context.Background()) })
	srv := New(Options{Health: st.DB.PingContext, Auth: svc, Sessions: sessions, Audit: log, App: doors, Alerts: notifier, Runner: runner,
		Logger: logger, CookieKeys: [2][]byte{hashKey, blockKey}})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &testEnv{t: t, srv: srv, http: hs, auth: svc, audit: log, registry: reg, jobs: js,
		schedules: schedules, app: doors, db: st.DB, dataDir: dir}
}

// localCollection opens the console's default collection, "local", to
// write layers into; it is closed when the test ends.
func (e *testEnv) localCollection(t testing.TB) *collection.Collection {
	t.Helper()
	c, err := e.registry.OpenCollection(t.Context(), "local")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (e *testEnv) addUser(name string, role auth.Role) auth.User {
	e.t.Helper()
	u, err := e.auth.CreateUser(context.Background(), name, testPassword, role)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *testEnv) apiKey(name string, role auth.Role) string {
	e.t.Helper()
	_, token, err := e.auth.CreateAPIKey(context.Background(), name, role, "cli:test")
	if err != nil {
		e.t.Fatal(err)
	}
	return token
}

// client is a browser-like HTTP client: it keeps cookies and the newest CSRF
// token, and does not follow redirects so tests can see them.
type client struct {
	env  *testEnv
	http *http.Client
	csrf string
}

func (e *testEnv) client() *client {
	jar, _ := cookiejar.New(nil)
	c := &client{env: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	// Sets the pre-session cookie the login form's token is bound to; before
	// the first user is set up the login page redirects to /setup.
	if resp, body := c.get("/login"); resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login page: status %d\n%s", resp.StatusCode, body)
	}
	return c
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.env.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.env.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(body); m != nil {
		c.csrf = string(m[1])
	}
	return resp, string(body)
}

func (c *client) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodGet, c.env.http.URL+path, nil)
	return c.do(req)
}

// post submits a form with the client's CSRF token.
func (c *client) post(path string, form url.Values) (*http.Response, string) {
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" {
		form.Set("_csrf", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.env.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func (c *client) login(name string) {
	c.env.t.Helper()
	resp, body := c.post("/login", url.Values{"username": {name}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		c.env.t.Fatalf("login %s: status %d: %s", name, resp.StatusCode, body)
	}
	c.env.ok(c.get("/")) // picks up a CSRF token from a logged-in page
}

func (e *testEnv) apiRequest(method, path, token, body string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.http.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// ok fails the test unless a request answered 200 OK, and returns its
// body. It takes the request's results whole:
//
//	body := env.ok(c.get("/clusters"))
func (e *testEnv) ok(resp *http.Response, body string) string {
	e.t.Helper()
	return e.wantStatus(http.StatusOK)(resp, body)
}

// wantStatus returns a check that fails the test unless a request answered
// with status code, naming the request, and returns its body:
//
//	env.wantStatus(http.StatusSeeOther)(c.post("/logout", nil))
func (e *testEnv) wantStatus(code int) func(resp *http.Response, body string) string {
	return func(resp *http.Response, body string) string {
		e.t.Helper()
		if resp.StatusCode != code {
			e.t.Fatalf("%s %s: status %d, want %d\n%s", resp.Request.Method, resp.Request.URL.RequestURI(), resp.StatusCode, code, body)
		}
		return body
	}
}

// auditActions lists the actions of every entry, oldest first.
func (e *testEnv) entries(f audit.Filter) []audit.Entry {
	e.t.Helper()
	list, _, err := e.audit.List(context.Background(), f, 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}
