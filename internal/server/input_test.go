package server

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/auth"
)

// TestCarelessInputRefused (issue 11): input that used to be taken as
// something else, or to fail later, is refused up front with a message.
func TestCarelessInputRefused(t *testing.T) {
	env := newTestEnv(t)
	env.addCluster("pg", "postgres://postgres@127.0.0.1:1/postgres")
	admin := env.apiKey("ops", auth.RoleAdmin)
	for _, tc := range []struct{ body, want string }{
		// Year 1 is Go's zero time: it used to restore LATEST without a word.
		{`{"cluster":"pg","collection":"local","database":"shop","new_db_name":"x","as_of_system_time":"0001-01-01T00:00:00Z"}`, "before any backup could have been taken"},
		{`{"cluster":"pg","collection":"local","database":"shop","new_db_name":"a\u0000b"}`, "cannot contain a NUL"},
		{`{"cluster":"pg","collection":"local","database":"shop","new_db_name":"` + strings.Repeat("n", 64) + `"}`, "at most 63 bytes"},
		{`{"cluster":"pg","collection":"local","database":"shop","tables":["public.t"],"into_db":"` + strings.Repeat("n", 70) + `"}`, "at most 63 bytes"},
	} {
		resp, body := env.apiRequest("POST", "/api/v1/restores", admin, tc.body)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("POST /api/v1/restores %s: %d %s, want 400 saying %q", tc.body, resp.StatusCode, body, tc.want)
		}
	}
	// Seconds past the bound used to wrap into a short or negative duration.
	for _, secs := range []string{"9223372036854", "-60", "31708801"} {
		body := `{"label":"a","cluster":"pg","database":"shop","collection":"local","recurrence":"@daily","alert_after_seconds":` + secs + `}`
		if resp, out := env.apiRequest("POST", "/api/v1/schedules", admin, body); resp.StatusCode != http.StatusBadRequest || !strings.Contains(out, "alert_after_seconds must be between 0") {
			t.Errorf("alert_after_seconds %s: %d %s", secs, resp.StatusCode, out)
		}
	}
	if out := env.ok(env.apiRequest("GET", "/api/v1/schedules", admin, "")); strings.Contains(out, `"label":"a"`) {
		t.Errorf("a refused schedule was saved: %s", out)
	}
	long := strings.Repeat("t", 300)
	for _, tc := range []struct{ path, body, want string }{
		{"/api/v1/backups", `{"cluster":"pg","collection":"local","database":"a\u0000b"}`, "database cannot contain a NUL"},
		{"/api/v1/backups", `{"cluster":"pg","collection":"local","database":"shop","tables":["public.` + long + `"]}`, "PostgreSQL names are at most 63 bytes"},
		{"/api/v1/restores", `{"cluster":"pg","collection":"local","database":"shop","tables":["a\u0000"],"into_db":"x"}`, "NUL character"},
		{"/api/v1/schedules", `{"label":"a","cluster":"pg","database":"shop","collection":"local","recurrence":"@daily","tables":["` + long + `"]}`, "at most 63 bytes"},
		{"/api/v1/schedules", `{"label":"a","cluster":"pg","database":"shop","collection":"local","recurrence":"@daily","options":{"webhook":"https://h.example/` + strings.Repeat("w", 3000) + `"}}`, "webhook URL is 3018 bytes long"},
		{"/api/v1/collections", `{"name":"long","uri":"file:///tmp/` + strings.Repeat("u", 3000) + `"}`, "at most 2048"},
		{"/api/v1/clusters", `{"name":"long","dsn":"postgres://u@h/` + strings.Repeat("d", 5000) + `"}`, "at most 4096"},
	} {
		if resp, out := env.apiRequest("POST", tc.path, admin, tc.body); resp.StatusCode != http.StatusBadRequest || !strings.Contains(out, tc.want) {
			t.Errorf("POST %s %.80s: %d %s, want 400 saying %q", tc.path, tc.body, resp.StatusCode, out, tc.want)
		}
	}
	if resp, body := env.apiRequest("GET", "/api/v1/jobs?status=bogus", admin, ""); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "status must be one of pending") {
		t.Errorf("jobs?status=bogus: %d %s", resp.StatusCode, body)
	}
	if resp, _ := env.apiRequest("GET", "/api/v1/jobs?status=failed", admin, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("jobs?status=failed: %d", resp.StatusCode)
	}
}

// TestAPIBodiesAreStrict (issue 11): a misspelled field, trailing garbage
// and a body past the limit (also chunked) are refused, saying which.
func TestAPIBodiesAreStrict(t *testing.T) {
	env := newTestEnv(t)
	admin := env.apiKey("ops", auth.RoleAdmin)
	for _, tc := range []struct{ body, want string }{
		{`{"name":"x","uri":"file:///tmp/x","retention_dayz":3}`, `unknown field \"retention_dayz\"`},
		{`{"name":"x","uri":"file:///tmp/x"} garbage`, "nothing after it"},
		{`{"name":"x","uri":"file:///tmp/x"}{"name":"y"}`, "nothing after it"},
	} {
		resp, body := env.apiRequest("POST", "/api/v1/collections", admin, tc.body)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("POST /api/v1/collections %s: %d %s, want 400 saying %q", tc.body, resp.StatusCode, body, tc.want)
		}
	}
	if body := env.ok(env.apiRequest("GET", "/api/v1/collections", admin, "")); strings.Contains(body, `"x"`) {
		t.Errorf("a refused request saved a collection: %s", body)
	}
	// 10 MB, chunked (no Content-Length): 413, not 400.
	big := `{"name":"` + strings.Repeat("x", 10<<20) + `"}`
	req, _ := http.NewRequest("POST", env.http.URL+"/api/v1/collections", io.NopCloser(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a chunked 10 MB body: %d, want 413", resp.StatusCode)
	}
}

// TestRefusedCollectionWritesNothing (issue 11): a collection refused for
// its name used to have its COLLECTION.json written already; a location
// Strata cannot use (/proc/self) gave a 500.
func TestRefusedCollectionWritesNothing(t *testing.T) {
	env := newTestEnv(t)
	admin := env.apiKey("ops", auth.RoleAdmin)
	dir := filepath.Join(t.TempDir(), "new")
	for _, tc := range []struct{ body, want string }{
		{`{"name":"bad name!","uri":"file://` + dir + `"}`, "collection name"},
		{`{"name":"local","uri":"file://` + dir + `"}`, "already exists"},
		{`{"name":"proc","uri":"file:///proc/self"}`, "proc"},
	} {
		resp, body := env.apiRequest("POST", "/api/v1/collections", admin, tc.body)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("POST /api/v1/collections %s: %d %s, want 400 saying %q", tc.body, resp.StatusCode, body, tc.want)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a refused collection wrote to its location: %v", err)
	}
}
