package server

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/auth"
)

// TestAPIKeyOfADisabledAdmin (issue 11): a key an admin made stops working
// the moment the admin is disabled, and answers as an auditor once the
// admin is demoted: it can no longer create an admin.
func TestAPIKeyOfADisabledAdmin(t *testing.T) {
	env := newTestEnv(t)
	ann := env.addUser("ann", auth.RoleAdmin)
	env.addUser("root", auth.RoleAdmin)
	_, token, err := env.auth.CreateAPIKey(context.Background(), "ann's key", auth.RoleAdmin, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := env.apiRequest("GET", "/api/v1/whoami", token, ""); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"role":"admin"`) {
		t.Fatalf("whoami before: %d %s", resp.StatusCode, body)
	}
	if err := env.auth.SetDisabled(context.Background(), ann.ID, true); err != nil {
		t.Fatal(err)
	}
	if resp, body := env.apiRequest("GET", "/api/v1/whoami", token, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("whoami with a disabled admin's key: %d %s, want 401", resp.StatusCode, body)
	}
	newAdmin := `{"name":"mallory","password":"a long enough password","role":"admin"}`
	if resp, body := env.apiRequest("POST", "/api/v1/users", token, newAdmin); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a disabled admin's key created a user: %d %s", resp.StatusCode, body)
	}
	if err := env.auth.SetDisabled(context.Background(), ann.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := env.auth.SetRole(context.Background(), ann.ID, auth.RoleAuditor); err != nil {
		t.Fatal(err)
	}
	if resp, body := env.apiRequest("GET", "/api/v1/whoami", token, ""); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"role":"auditor"`) {
		t.Errorf("whoami with a demoted admin's key: %d %s, want auditor", resp.StatusCode, body)
	}
	if resp, body := env.apiRequest("POST", "/api/v1/users", token, newAdmin); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a demoted admin's key created a user: %d %s, want 403", resp.StatusCode, body)
	}
}
