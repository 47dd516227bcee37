package server

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
)

// The only routes anyone may use without logging in. A new public route must
// be added here on purpose.
var wantPublic = []string{
	"GET /healthz", "GET /readyz", "GET /login", "POST /login", "GET /setup", "POST /setup", "GET /static/*",
}

func concretePath(p string) string {
	p = strings.ReplaceAll(p, ":id", "1")
	p = strings.ReplaceAll(p, ":name", "local")
	p = strings.ReplaceAll(p, ":db", "postgres")
	return strings.ReplaceAll(p, "*", "css/app.css")
}

// TestRouteRoleMatrix walks every registered route: anonymous callers are
// refused everywhere but the public routes, and an auditor (by session or
// API key) is refused every admin route, which includes every route that
// changes state (page() enforces that at registration).
func TestRouteRoleMatrix(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	env.addUser("eve", auth.RoleAuditor)
	auditorKey := env.apiKey("reader", auth.RoleAuditor)

	var public []string
	for _, r := range env.srv.Routes() {
		name := r.Method + " " + r.Path
		if r.Role == Public {
			public = append(public, name)
		}
	}
	slices.Sort(public)
	want := slices.Clone(wantPublic)
	slices.Sort(want)
	if !slices.Equal(public, want) {
		t.Fatalf("public routes = %v, want exactly %v", public, want)
	}

	anon := env.client()
	auditor := env.client()
	auditor.login("eve")
	denied := 0
	for _, r := range env.srv.Routes() {
		if r.Role == Public {
			continue
		}
		name := r.Method + " " + r.Path
		path := concretePath(r.Path)
		api := strings.HasPrefix(path, "/api/")

		// Anonymous.
		var resp *http.Response
		switch {
		case api:
			resp, _ = env.apiRequest(r.Method, path, "", "")
		case r.Method == http.MethodGet:
			resp, _ = anon.get(path)
		default:
			resp, _ = anon.post(path, nil) // with a valid CSRF token: only the login is missing
		}
		switch {
		case api && resp.StatusCode == http.StatusUnauthorized:
		case !api && r.Method == http.MethodGet && resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login"):
		case !api && r.Method != http.MethodGet && resp.StatusCode == http.StatusUnauthorized:
		default:
			t.Errorf("%s: anonymous got %d (Location %q), want refusal", name, resp.StatusCode, resp.Header.Get("Location"))
		}

		// Auditor. Logging out would end the session the rest of the walk uses;
		// self-service routes are covered by the login tests.
		if r.SelfService {
			continue
		}
		if api {
			resp, _ = env.apiRequest(r.Method, path, auditorKey, "{}")
		} else if r.Method == http.MethodGet {
			resp, _ = auditor.get(path)
		} else {
			resp, _ = auditor.post(path, nil)
		}
		if r.Role == auth.RoleAdmin {
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: auditor got %d, want 403", name, resp.StatusCode)
			}
			denied++
		} else if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized {
			t.Errorf("%s: auditor got %d on a route auditors may use", name, resp.StatusCode)
		}
	}
	if denied == 0 {
		t.Fatal("no state-changing routes were checked")
	}

	var auditorDenials int
	for _, e := range env.entries(audit.Filter{Action: "ACCESS_DENIED", Outcome: audit.OutcomeDenied}) {
		if e.Actor == "eve" || e.Actor == "apikey:reader" {
			auditorDenials++
		}
	}
	if auditorDenials != denied {
		t.Errorf("audited %d auditor refusals, want %d", auditorDenials, denied)
	}
}

func TestMutatingRouteWithWeakRolePanics(t *testing.T) {
	env := newTestEnv(t)
	defer func() {
		if recover() == nil {
			t.Fatal("registering POST with the auditor role did not panic")
		}
	}()
	env.srv.page(http.MethodPost, "/oops", auth.RoleAuditor, env.srv.healthz)
}
