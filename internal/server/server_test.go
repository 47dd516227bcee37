package server

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
)

func TestSetupCreatesFirstAdminOnce(t *testing.T) {
	env := newTestEnv(t)
	c := env.client()
	resp, _ := c.get("/login")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/setup" {
		t.Fatalf("login before setup: %d %q, want redirect to /setup", resp.StatusCode, resp.Header.Get("Location"))
	}
	env.ok(c.get("/setup"))

	var wg sync.WaitGroup
	codes := make(chan int, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := c.post("/setup", url.Values{"username": {"admin" + string(rune('a'+i))}, "password": {testPassword}, "password_confirm": {testPassword}})
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	ok := 0
	for code := range codes {
		if code == http.StatusSeeOther {
			ok++
		}
	}
	users, _ := env.auth.ListUsers(t.Context())
	if ok != 1 || len(users) != 1 || users[0].Role != auth.RoleAdmin {
		t.Fatalf("%d setups succeeded, users = %+v; want exactly one admin", ok, users)
	}
	if resp, _ := c.get("/setup"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("setup page after setup: %d, want 404", resp.StatusCode)
	}
	if len(env.entries(audit.Filter{Action: "SETUP_COMPLETED"})) != 1 {
		t.Fatal("setup not audited once")
	}
}

func TestLoginFailureLogoutAndAudit(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	c := env.client()
	resp, body := c.post("/login", url.Values{"username": {"root"}, "password": {"wrong password!!"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong user name or password") {
		t.Fatalf("bad login: %d", resp.StatusCode)
	}
	c.login("root")
	if resp, _ := c.get("/users"); resp.StatusCode != http.StatusOK {
		t.Fatalf("users page after login: %d", resp.StatusCode)
	}
	cookies := c.http.Jar.Cookies(mustURL(env.http.URL))
	if resp, _ := c.post("/logout", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	// The old session cookie, replayed, no longer works.
	replay := env.client()
	replay.http.Jar.SetCookies(mustURL(env.http.URL), cookies)
	if resp, _ := replay.get("/users"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("replayed session after logout: %d, want redirect to login", resp.StatusCode)
	}
	var got []string
	for _, e := range env.entries(audit.Filter{Target: "user:root"}) {
		got = append(got, e.Action+"/"+e.Outcome)
	}
	want := "LOGOUT/ok LOGIN/ok LOGIN_FAILED/denied"
	if strings.Join(got, " ") != want {
		t.Fatalf("audit = %v, want %s", got, want)
	}
}

func TestFailedLoginsAreThrottled(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	c := env.client()
	for range 5 {
		env.wantStatus(http.StatusUnauthorized)(c.post("/login", url.Values{"username": {"root"}, "password": {"not the password"}}))
	}
	resp, body := c.post("/login", url.Values{"username": {"root"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed attempts") {
		t.Fatalf("right password while throttled: %d, want 429", resp.StatusCode)
	}
}

func TestDisablingAUserEndsTheirSession(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	eve := env.addUser("eve", auth.RoleAuditor)
	admin, auditor := env.client(), env.client()
	admin.login("root")
	auditor.login("eve")
	if resp, _ := auditor.get("/audit"); resp.StatusCode != http.StatusOK {
		t.Fatalf("auditor audit page: %d", resp.StatusCode)
	}
	env.ok(admin.get("/users/" + itoa(eve.ID)))
	if resp, body := admin.post("/users/"+itoa(eve.ID)+"/disable", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", resp.StatusCode, body)
	}
	if resp, _ := auditor.get("/audit"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disabled user's session still works: %d", resp.StatusCode)
	}
	env.ok(auditor.get("/login")) // the redirect's page: its token is of no session now
	resp, body := auditor.post("/login", url.Values{"username": {"eve"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "disabled") {
		t.Fatalf("disabled user login: %d", resp.StatusCode)
	}
}

func TestLastAdminCannotBeDemotedOrDisabled(t *testing.T) {
	env := newTestEnv(t)
	root := env.addUser("root", auth.RoleAdmin)
	c := env.client()
	c.login("root")
	for _, action := range []url.Values{{"role": {"auditor"}}, nil} {
		path := "/users/" + itoa(root.ID) + "/role"
		if action == nil {
			path = "/users/" + itoa(root.ID) + "/disable"
		}
		resp, body := c.post(path, action)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "admin must remain") {
			t.Fatalf("%s: %d, want 400 naming the rule", path, resp.StatusCode)
		}
	}
	u, _ := env.auth.GetUser(t.Context(), root.ID)
	if u.Role != auth.RoleAdmin || u.Disabled {
		t.Fatalf("last admin changed: %+v", u)
	}
}

func TestCSRFIsRequiredAndAudited(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	c := env.client()
	c.login("root")
	resp, _ := c.post("/users", url.Values{"_csrf": {"forged"}, "username": {"mallory"}, "password": {testPassword}, "role": {"admin"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged token: %d, want 403", resp.StatusCode)
	}
	// A cross-site request from a browser is refused whatever token it has.
	form := url.Values{"_csrf": {c.csrf}, "username": {"mallory"}, "password": {testPassword}, "role": {"admin"}}
	req, _ := http.NewRequest(http.MethodPost, env.http.URL+"/users", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := c.do(req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d, want 403", resp.StatusCode)
	}
	if _, err := env.auth.GetUserByName(t.Context(), "mallory"); err == nil {
		t.Fatal("a forged request created a user")
	}
	if n := len(env.entries(audit.Filter{Action: "CSRF_REJECTED"})); n < 1 {
		t.Fatal("CSRF rejection not audited")
	}
}

func TestSecurityHeaders(t *testing.T) {
	env := newTestEnv(t)
	resp, _ := env.client().get("/login")
	if resp.StatusCode != http.StatusSeeOther { // to /setup: there are no users yet
		t.Fatalf("login page before setup: %d, want a redirect", resp.StatusCode)
	}
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "same-origin",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
}

func TestAPI(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	adminKey := env.apiKey("ops", auth.RoleAdmin)
	auditorKey := env.apiKey("reader", auth.RoleAuditor)

	resp, body := env.apiRequest("GET", "/api/v1/whoami", auditorKey, "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"role":"auditor"`) {
		t.Fatalf("whoami: %d %s", resp.StatusCode, body)
	}
	if resp, _ := env.apiRequest("GET", "/api/v1/whoami", "strata_notatoken", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", resp.StatusCode)
	}
	resp, body = env.apiRequest("POST", "/api/v1/users", auditorKey, `{"name":"x","password":"`+testPassword+`","role":"admin"}`)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("auditor creates user: %d %s", resp.StatusCode, body)
	}
	resp, body = env.apiRequest("POST", "/api/v1/users", adminKey, `name=alice`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "must be a JSON object") {
		t.Fatalf("body that is not JSON: %d %s", resp.StatusCode, body)
	}
	resp, body = env.apiRequest("POST", "/api/v1/users", adminKey, `{"name":"alice","password":"short","role":"auditor"}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "at least 12") {
		t.Fatalf("short password: %d %s", resp.StatusCode, body)
	}
	resp, body = env.apiRequest("POST", "/api/v1/users", adminKey, `{"name":"alice","password":"`+testPassword+`","role":"auditor"}`)
	if resp.StatusCode != http.StatusCreated || strings.Contains(body, testPassword) {
		t.Fatalf("create user: %d %s", resp.StatusCode, body)
	}
	resp, body = env.apiRequest("GET", "/api/v1/users", auditorKey, "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"name":"alice"`) {
		t.Fatalf("list users: %d %s", resp.StatusCode, body)
	}

	resp, body = env.apiRequest("GET", "/api/v1/audit?limit=50", auditorKey, "")
	var out struct {
		Entries []audit.Entry `json:"entries"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("audit: %d %v %s", resp.StatusCode, err, body)
	}
	seen := map[string]bool{}
	for _, e := range out.Entries {
		seen[e.Action+"/"+e.Outcome+"/"+e.Actor] = true
		if params, _ := json.Marshal(e.Params); strings.Contains(string(params), testPassword) {
			t.Fatal("a password reached the audit log")
		}
	}
	for _, want := range []string{"USER_CREATED/ok/apikey:ops", "USER_CREATED/error/apikey:ops", "ACCESS_DENIED/denied/apikey:reader", "API_AUTH_FAILED/denied/anonymous"} {
		if !seen[want] {
			t.Errorf("audit has no %s; has %v", want, seen)
		}
	}
	body = env.ok(env.apiRequest("GET", "/api/v1/audit?action=USER_CREATED&outcome=ok", auditorKey, ""))
	if !strings.Contains(body, "alice") || strings.Contains(body, "ACCESS_DENIED") {
		t.Fatalf("filtered audit: %s", body)
	}
	if resp, _ := env.apiRequest("GET", "/api/v1/audit?from=yesterday", auditorKey, ""); resp.StatusCode != 400 {
		t.Fatalf("bad time filter: %d", resp.StatusCode)
	}
}

func TestAuditPageAndExport(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	env.addUser("eve", auth.RoleAuditor)
	c := env.client()
	c.login("eve")
	env.wantStatus(http.StatusForbidden)(c.post("/users", url.Values{"username": {"x"}, "password": {testPassword}, "role": {"admin"}})) // refused, audited

	resp, body := c.get("/audit?outcome=denied")
	if resp.StatusCode != 200 || !strings.Contains(body, "ACCESS_DENIED") || strings.Contains(body, "<code>LOGIN</code>") {
		t.Fatalf("filtered audit page: %d", resp.StatusCode)
	}
	resp, body = c.get("/audit/export?format=csv&actor=eve")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "ACCESS_DENIED") || !strings.Contains(lines[2], "LOGIN") {
		t.Fatalf("csv export rows: %q", lines)
	}
	resp, body = c.get("/audit/export?format=jsonl&actor=eve")
	if resp.StatusCode != 200 || len(strings.Split(strings.TrimSpace(body), "\n")) != 2 {
		t.Fatalf("jsonl export: %d %q", resp.StatusCode, body)
	}
	if resp, _ := c.get("/audit/export?format=xml"); resp.StatusCode != 400 {
		t.Fatalf("bad export format: %d", resp.StatusCode)
	}
	if resp, body := c.get("/audit/verify"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify: %d %s", resp.StatusCode, body)
	}
	if body := env.ok(c.get("/audit")); !strings.Contains(body, "chain intact") {
		t.Fatal("audit page does not show the verified chain")
	}
}

// The audit page names what is wrong with a broken chain, and warns that
// the append-only triggers were restored.
func TestAuditPageShowsABrokenChain(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	env.addUser("eve", auth.RoleAuditor)
	env.client().login("root")
	c := env.client()
	c.login("eve")
	if err := env.audit.Checkpoint(t.Context()); err != nil {
		t.Fatal(err)
	}
	env.wantStatus(http.StatusSeeOther)(c.get("/audit/verify"))
	body := env.ok(c.get("/audit"))
	if !strings.Contains(body, "chain intact") || !strings.Contains(body, "Anchored outside the state store: checkpoint file ") {
		t.Fatalf("intact chain page:\n%s", body)
	}

	// Someone with the state store cuts the newest entry (eve's login).
	for _, q := range []string{`DROP TRIGGER audit_log_no_delete`, `DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)`} {
		if _, err := env.srv.db.(*sql.DB).Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	resp, _ := c.get("/audit/verify")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify: %d", resp.StatusCode)
	}
	body = env.ok(c.get("/audit"))
	for _, want := range []string{"chain broken", "The audit chain is broken.", "trigger audit_log_no_delete is missing: the audit log is not append-only",
		"entry 2 is missing: checkpoint file ", "but the log ends at entry 1: its newest entries were cut"} {
		if !strings.Contains(body, want) {
			t.Errorf("broken chain page lacks %q", want)
		}
	}

	restored, err := env.audit.RestoreTriggers(t.Context(), audit.Entry{Actor: "strata", Source: audit.SourceScheduler, ClientAddr: "local"})
	if err != nil || len(restored) != 1 {
		t.Fatalf("RestoreTriggers = %v, %v", restored, err)
	}
	env.wantStatus(http.StatusSeeOther)(c.get("/audit/verify"))
	body = env.ok(c.get("/audit"))
	for _, want := range []string{"The audit log's append-only triggers were restored", "found audit_log_no_delete missing; restored it", "AUDIT_TRIGGERS_RESTORED"} {
		if !strings.Contains(body, want) {
			t.Errorf("page after the restore lacks %q", want)
		}
	}
	// The restore's entry took the cut entry's id: the checkpoint tells.
	if !strings.Contains(body, "entry 2: differs from checkpoint file ") {
		t.Error("restoring the triggers hid the cut")
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/users": "/users", "/audit?x=1": "/audit?x=1", "": "/", "//evil.example": "/", "/\\evil": "/",
		"https://evil.example/": "/", "users": "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// The add-cluster form says what to fix and never echoes a password back.
func TestClusterFormErrorsNeverEchoThePassword(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	c := env.client()
	c.login("root")
	env.ok(c.get("/clusters"))
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"name": {"bad name!"}, "kind": {"postgres"}, "dsn": {"postgres://app:s3cret-pass@db:5432/postgres"}}, "name"},
		{url.Values{"name": {"prod"}, "kind": {"postgres"}, "dsn": {"postgres://app@db:99999/postgres"}, "password": {"s3cret-pass"}}, "port"},
		{url.Values{"name": {"prod"}, "kind": {"oracle"}, "dsn": {"postgres://app@db/postgres"}}, "postgres"},
	} {
		resp, body := c.post("/clusters", tc.form)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("%v: %d, want 400 mentioning %q", tc.form, resp.StatusCode, tc.want)
		}
		if strings.Contains(body, "s3cret-pass") {
			t.Errorf("%v: the password was echoed back", tc.form)
		}
	}
	resp, _ := c.post("/clusters", url.Values{"name": {"prod"}, "kind": {"postgres"}, "dsn": {"postgres://app:s3cret-pass@db:5432/postgres"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid cluster: %d", resp.StatusCode)
	}
	body := env.wantStatus(http.StatusBadRequest)(c.post("/clusters", url.Values{"name": {"PROD"}, "kind": {"postgres"}, "dsn": {"postgres://app@db/postgres"}}))
	if !strings.Contains(body, "already exists") {
		t.Error("a duplicate name (any case) is not refused with a message")
	}
	body = env.ok(c.get("/clusters/prod"))
	if strings.Contains(body, "s3cret-pass") || !strings.Contains(body, "stored encrypted") {
		t.Error("the cluster page shows the password or does not say it is stored")
	}
	for _, e := range env.entries(audit.Filter{Action: "CLUSTER_ADDED"}) {
		if params, _ := json.Marshal(e.Params); strings.Contains(string(params), "s3cret-pass") {
			t.Fatal("a password reached the audit log")
		}
	}
}

// The backup form still opens when the cluster is down: it asks for the
// database by name instead of listing them.
func TestBackupFormWithClusterDown(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	if _, err := env.registry.AddCluster(t.Context(), "down", "postgres", "postgres://app@127.0.0.1:1/postgres", "test"); err != nil {
		t.Fatal(err)
	}
	c := env.client()
	c.login("root")
	resp, body := c.get("/backups/new?cluster=down")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<input type="text" name="database"`) {
		t.Fatalf("backup form with the cluster down: %d", resp.StatusCode)
	}
}
