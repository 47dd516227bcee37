package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
)

// TestHSTSOnlyOverTLS (issue 11): a console serving TLS tells browsers to
// use it only over HTTPS; over plain HTTP it says nothing, even when a
// request claims to have come through a TLS proxy.
func TestHSTSOnlyOverTLS(t *testing.T) {
	env := newTestEnv(t)
	const want = "max-age=63072000; includeSubDomains"
	tls := httptest.NewTLSServer(env.srv.Handler())
	defer tls.Close()
	resp, err := tls.Client().Get(tls.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); resp.StatusCode != http.StatusOK || got != want {
		t.Errorf("over TLS: %d, Strict-Transport-Security = %q; want 200 and %q", resp.StatusCode, got, want)
	}

	req, _ := http.NewRequest(http.MethodGet, env.http.URL+"/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); resp.StatusCode != http.StatusOK || got != "" {
		t.Errorf("over plain HTTP: %d, Strict-Transport-Security = %q; want 200 and none", resp.StatusCode, got)
	}

	// Behind a TLS-terminating proxy, with --secure-cookies.
	env.srv.secure = true
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); resp.StatusCode != http.StatusOK || got != want {
		t.Errorf("behind a TLS proxy: %d, Strict-Transport-Security = %q; want 200 and %q", resp.StatusCode, got, want)
	}
}

// TestRefusalsCannotFloodTheAudit (issue 11): 1,000 refused requests from
// one client nobody logged in for add a bounded number of audit entries,
// each still gets its refusal, and a summary says how many were left out.
func TestRefusalsCannotFloodTheAudit(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	env.srv.refusals.Window = time.Hour // the test may take more than a minute on a busy machine
	c := env.client()
	before := len(env.entries(audit.Filter{}))
	want := map[string]int{}
	for i := range 1000 {
		var resp *http.Response
		var action string
		switch i % 4 {
		case 0:
			action = "LOGIN_FAILED"
			resp, _ = c.post("/login", url.Values{"username": {"root"}, "password": {"not the password"}})
			if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("bad login %d: %d", i, resp.StatusCode)
			}
		case 1:
			action = "ACCESS_DENIED"
			if resp, _ = c.post("/users", nil); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("anonymous POST /users %d: %d", i, resp.StatusCode)
			}
		case 2:
			action = "CSRF_REJECTED"
			if resp, _ = c.post("/users", url.Values{"_csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("forged token %d: %d", i, resp.StatusCode)
			}
		case 3:
			action = "API_AUTH_FAILED"
			if resp, _ = env.apiRequest("GET", "/api/v1/whoami", "strata_bogus", ""); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("bad API key %d: %d", i, resp.StatusCode)
			}
		}
		want[action]++
	}
	added := len(env.entries(audit.Filter{})) - before
	if added > env.srv.refusals.PerWindow {
		t.Fatalf("1,000 refusals added %d audit entries, want at most %d", added, env.srv.refusals.PerWindow)
	}
	if err := env.srv.refusals.FlushAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	sums := env.entries(audit.Filter{Action: audit.ActionRefusalsSuppressed})
	if len(sums) != 1 {
		t.Fatalf("%d summaries, want 1", len(sums))
	}
	if prefix := fmt.Sprintf("%d further refusals from 127.0.0.1 suppressed (actions ", 1000-added); !strings.HasPrefix(sums[0].Message, prefix) {
		t.Fatalf("summary %q, want it to start %q", sums[0].Message, prefix)
	}
	for action := range want {
		if !strings.Contains(sums[0].Message, action) {
			t.Errorf("summary %q does not name %s", sums[0].Message, action)
		}
	}
}

// postRaw posts form to path with extra headers, adding no CSRF token.
func (c *client) postRaw(path string, form url.Values, header map[string]string) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodPost, c.env.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

const csrfRefusal = "this form has expired or came from another site"

func newUserForm(name string) url.Values {
	return url.Values{"username": {name}, "password": {testPassword}, "role": {"auditor"}}
}

func (e *testEnv) userExists(name string) bool {
	_, err := e.auth.GetUserByName(context.Background(), name)
	return err == nil
}

// TestCSRFTokenNotFromQueryString (issue 11): a token in the URL (which
// leaks through logs and the Referer) is not accepted; the form body and
// the header are.
func TestCSRFTokenNotFromQueryString(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	c := env.client()
	c.login("root")
	resp, body := c.postRaw("/users?_csrf="+url.QueryEscape(c.csrf), newUserForm("mallory"), nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, csrfRefusal) {
		t.Fatalf("token in the query string: %d, want 403", resp.StatusCode)
	}
	if env.userExists("mallory") {
		t.Fatal("a token in the query string was accepted")
	}
	// The header htmx sends, and the form field, work.
	if resp, body := c.postRaw("/users", newUserForm("hx"), map[string]string{"X-CSRF-Token": c.csrf}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("token in X-CSRF-Token: %d %s", resp.StatusCode, body)
	}
	if resp, body := c.post("/users", newUserForm("form")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("token in the form: %d %s", resp.StatusCode, body)
	}
}

// TestCSRFTokenBoundToSession (issue 11): a token is good only in the
// session it was made for: not in a later session of the same browser, not
// in another browser's session, and a token the client chose itself (the
// double-submit cookie it could set) is worth nothing. Before login the
// token is bound to a pre-session cookie, so the login form is protected.
func TestCSRFTokenBoundToSession(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	a, b := env.client(), env.client()
	loginPageToken := a.csrf
	if resp, _ := b.postRaw("/login", url.Values{"username": {"root"}, "password": {testPassword}, "_csrf": {loginPageToken}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login with another browser's login-page token: %d, want 403", resp.StatusCode)
	}
	a.login("root")
	if a.csrf == loginPageToken {
		t.Fatal("the token did not change at login")
	}
	if resp, _ := a.postRaw("/users", withToken(newUserForm("pre"), loginPageToken), nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("the login page's token after login: %d, want 403", resp.StatusCode)
	}
	first := a.csrf
	env.wantStatus(http.StatusSeeOther)(a.post("/logout", nil))
	env.ok(a.get("/login"))
	a.login("root")
	if resp, _ := a.postRaw("/users", withToken(newUserForm("stale"), first), nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a token of the browser's previous session: %d, want 403", resp.StatusCode)
	}
	b.login("root")
	if resp, _ := b.postRaw("/users", withToken(newUserForm("other"), a.csrf), nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("session A's token in session B: %d, want 403", resp.StatusCode)
	}
	b.http.Jar.SetCookies(mustURL(env.http.URL), []*http.Cookie{{Name: "strata_csrf", Value: "chosen-by-the-attacker", Path: "/"}})
	if resp, _ := b.postRaw("/users", withToken(newUserForm("tossed"), "chosen-by-the-attacker"), nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a token matching a cookie the client set: %d, want 403", resp.StatusCode)
	}
	for _, name := range []string{"pre", "stale", "other", "tossed"} {
		if env.userExists(name) {
			t.Errorf("a refused token created user %s", name)
		}
	}
	if resp, body := b.post("/users", newUserForm("ok")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("session B with its own token: %d %s", resp.StatusCode, body)
	}
}

func withToken(form url.Values, token string) url.Values {
	form.Set("_csrf", token)
	return form
}

// TestCrossSiteRequestsAudited (issue 11): a browser's cross-site POST is
// refused with the same message as a bad token, and audited.
func TestCrossSiteRequestsAudited(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	c := env.client()
	c.login("root")
	resp, body := c.postRaw("/users", withToken(newUserForm("mallory"), c.csrf), map[string]string{"Sec-Fetch-Site": "cross-site"})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, csrfRefusal) {
		t.Fatalf("cross-site POST: %d %s, want 403 saying %q", resp.StatusCode, body, csrfRefusal)
	}
	if env.userExists("mallory") {
		t.Fatal("a cross-site request created a user")
	}
	anon := env.client()
	if resp, _ := anon.postRaw("/login", url.Values{"username": {"root"}, "password": {testPassword}, "_csrf": {anon.csrf}},
		map[string]string{"Sec-Fetch-Site": "cross-site"}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site login: %d, want 403", resp.StatusCode)
	}
	entries := env.entries(audit.Filter{Action: "CSRF_REJECTED"})
	if len(entries) != 2 {
		t.Fatalf("%d CSRF_REJECTED entries, want 2", len(entries))
	}
	if entries[1].Actor != "root" || !strings.Contains(entries[1].Message, "cross-site") {
		t.Errorf("entry %+v, want root's cross-site request", entries[1])
	}
}

// TestStrangerCannotLockOutTheAdmin (issue 11): five wrong passwords for
// root from a stranger lock out unknown clients, not the browser root
// logged in on before (its device cookie); the stranger stays locked out,
// root's device cookie does nothing for another user, and a device that
// itself fails too often is locked out.
func TestStrangerCannotLockOutTheAdmin(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	env.addUser("eve", auth.RoleAuditor)
	admin, stranger := env.client(), env.client()
	admin.login("root")
	var device *http.Cookie
	for _, ck := range admin.http.Jar.Cookies(mustURL(env.http.URL)) {
		if ck.Name == auth.DeviceCookieName {
			device = ck
		}
	}
	if device == nil {
		t.Fatal("no device cookie after login")
	}
	env.wantStatus(http.StatusSeeOther)(admin.post("/logout", nil))
	env.ok(admin.get("/login"))

	login := func(c *client, name, password string) int {
		t.Helper()
		resp, _ := c.post("/login", url.Values{"username": {name}, "password": {password}})
		if resp.StatusCode == http.StatusSeeOther {
			env.ok(c.get("/"))
			env.wantStatus(http.StatusSeeOther)(c.post("/logout", nil))
			env.ok(c.get("/login"))
		}
		return resp.StatusCode
	}
	for range 5 {
		login(stranger, "root", "a wrong guess")
	}
	if code := login(stranger, "root", testPassword); code != http.StatusTooManyRequests {
		t.Fatalf("the stranger with the right password: %d, want 429", code)
	}
	if code := login(admin, "root", testPassword); code != http.StatusSeeOther {
		t.Fatalf("root on the browser they logged in on: %d, want 303 at once", code)
	}
	if code := login(stranger, "root", testPassword); code != http.StatusTooManyRequests {
		t.Fatalf("the stranger after root logged in: %d, want 429", code)
	}

	for range 5 {
		login(stranger, "eve", "a wrong guess")
	}
	if code := login(admin, "eve", testPassword); code != http.StatusTooManyRequests {
		t.Fatalf("eve on root's device while eve is locked out: %d, want 429", code)
	}

	for range 5 {
		if code := login(admin, "root", "a typo"); code != http.StatusUnauthorized {
			t.Fatalf("a wrong password on root's device: %d, want 401", code)
		}
	}
	resp, body := admin.post("/login", url.Values{"username": {"root"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed attempts") {
		t.Fatalf("root's device after 5 failures of its own: %d, want 429", resp.StatusCode)
	}
}
