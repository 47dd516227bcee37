package server

import (
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
	if got := resp.Header.Get("Strict-Transport-Security"); got != want {
		t.Errorf("over TLS: Strict-Transport-Security = %q, want %q", got, want)
	}

	req, _ := http.NewRequest(http.MethodGet, env.http.URL+"/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("over plain HTTP: Strict-Transport-Security = %q, want none", got)
	}

	// Behind a TLS-terminating proxy, with --secure-cookies.
	env.srv.secure = true
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != want {
		t.Errorf("behind a TLS proxy: Strict-Transport-Security = %q, want %q", got, want)
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
