package server

import (
	"net/http"
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
	if resp, body := env.apiRequest("GET", "/api/v1/jobs?status=bogus", admin, ""); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "status must be one of pending") {
		t.Errorf("jobs?status=bogus: %d %s", resp.StatusCode, body)
	}
	if resp, _ := env.apiRequest("GET", "/api/v1/jobs?status=failed", admin, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("jobs?status=failed: %d", resp.StatusCode)
	}
}
