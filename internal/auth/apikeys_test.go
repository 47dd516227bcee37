package auth_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/auth"
)

func TestAPIKeys(t *testing.T) {
	e := newEnv(t)
	k, token, err := e.svc.CreateAPIKey(e.ctx, " ci ", auth.RoleAuditor, "cli:alice")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, "strata_") || len(token) != 50 || strings.ContainsAny(token, "=+/") {
		t.Fatalf("token = %q", token)
	}
	if k.ID == 0 || k.Name != "ci" || k.Role != auth.RoleAuditor || k.Prefix != token[7:15] ||
		k.CreatedBy != "cli:alice" || k.LastUsedAt != nil || k.RevokedAt != nil {
		t.Fatalf("key = %+v", k)
	}

	got, err := e.svc.AuthenticateAPIKey(e.ctx, token)
	if err != nil || got.ID != k.ID || got.Role != auth.RoleAuditor || got.LastUsedAt == nil {
		t.Fatalf("AuthenticateAPIKey = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "strata_", token[:len(token)-1] + "x", strings.TrimPrefix(token, "strata_")} {
		if _, err := e.svc.AuthenticateAPIKey(e.ctx, bad); err != auth.ErrInvalidAPIKey {
			t.Errorf("AuthenticateAPIKey(%q) error = %v", bad, err)
		}
	}

	_, _, err = e.svc.CreateAPIKey(e.ctx, "CI", auth.RoleAdmin, "cli:alice")
	wantErr(t, err, auth.ErrAPIKeyNameTaken)
	_, _, err = e.svc.CreateAPIKey(e.ctx, "  ", auth.RoleAdmin, "cli:alice")
	wantErr(t, err, auth.ErrAPIKeyNameRequired)
	_, _, err = e.svc.CreateAPIKey(e.ctx, "a\nb", auth.RoleAdmin, "cli:alice")
	wantErr(t, err, auth.ErrAPIKeyNameInvalid)
	_, _, err = e.svc.CreateAPIKey(e.ctx, "deploy", "root", "cli:alice")
	wantErr(t, err, auth.ErrInvalidRole)

	if err := e.svc.RevokeAPIKey(e.ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RevokeAPIKey(e.ctx, k.ID); err != nil {
		t.Fatalf("revoke twice: %v", err)
	}
	wantErr(t, e.svc.RevokeAPIKey(e.ctx, 999), auth.ErrAPIKeyNotFound)
	_, err = e.svc.AuthenticateAPIKey(e.ctx, token)
	wantErr(t, err, auth.ErrInvalidAPIKey)

	// The name is free again once revoked.
	k2, token2, err := e.svc.CreateAPIKey(e.ctx, "ci", auth.RoleAdmin, "cli:bob")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.svc.AuthenticateAPIKey(e.ctx, token2); err != nil || got.Role != auth.RoleAdmin {
		t.Fatalf("second key: %+v, %v", got, err)
	}
	keys, err := e.svc.ListAPIKeys(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != k.ID || keys[0].RevokedAt == nil || keys[1].ID != k2.ID || keys[1].RevokedAt != nil {
		t.Fatalf("ListAPIKeys = %+v", keys)
	}
}

func TestAPIKeyLastUsedOncePerMinute(t *testing.T) {
	e := newEnv(t)
	_, token, err := e.svc.CreateAPIKey(e.ctx, "ci", auth.RoleAdmin, "cli:alice")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := e.svc.AuthenticateAPIKey(e.ctx, token)
	lastUsed := func() time.Time {
		keys, _ := e.svc.ListAPIKeys(e.ctx)
		return *keys[0].LastUsedAt
	}
	e.clock.Advance(30 * time.Second)
	e.svc.AuthenticateAPIKey(e.ctx, token)
	if !lastUsed().Equal(*first.LastUsedAt) {
		t.Fatal("last_used_at written twice within a minute")
	}
	e.clock.Advance(30 * time.Second)
	e.svc.AuthenticateAPIKey(e.ctx, token)
	if !lastUsed().Equal(e.clock.Now()) {
		t.Fatalf("last_used_at = %v, want %v", lastUsed(), e.clock.Now())
	}
}

func TestAPIKeyTokenNotStored(t *testing.T) {
	e := newEnv(t)
	_, token, err := e.svc.CreateAPIKey(e.ctx, "ci", auth.RoleAdmin, "cli:alice")
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimPrefix(token, "strata_")

	var hash, prefix string
	e.db.QueryRow(`SELECT token_hash, prefix FROM api_keys`).Scan(&hash, &prefix)
	if hash != auth.HashToken(token) || strings.Contains(hash, secret[8:]) || len(prefix) != 8 {
		t.Fatalf("stored token_hash %q, prefix %q", hash, prefix)
	}

	// Neither the database file nor its WAL holds the token.
	if _, err := e.db.Exec(`PRAGMA wal_checkpoint(FULL)`); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(e.dir, "strata.db*"))
	if len(files) == 0 {
		t.Fatal("no database files found")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(secret[8:])) {
			t.Fatalf("%s contains the token", f)
		}
	}
}

// TestAPIKeyCannotOutliveItsMaker: a key does no more than whoever made it
// may do now. Disabling the user who made it stops it at once; demoting
// them to auditor makes it an auditor's; a key made by another key follows
// that key (and its maker); a key made on the console's machine is its own.
func TestAPIKeyCannotOutliveItsMaker(t *testing.T) {
	e := newEnv(t)
	ann, err := e.svc.CreateUser(e.ctx, "ann", "a long enough password", auth.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateUser(e.ctx, "root", "a long enough password", auth.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	_, annKey, err := e.svc.CreateAPIKey(e.ctx, "ann's", auth.RoleAdmin, "ann")
	if err != nil {
		t.Fatal(err)
	}
	_, keyKey, err := e.svc.CreateAPIKey(e.ctx, "made by a key", auth.RoleAdmin, "apikey:ann's")
	if err != nil {
		t.Fatal(err)
	}
	_, cliKey, err := e.svc.CreateAPIKey(e.ctx, "shell", auth.RoleAdmin, "cli:root")
	if err != nil {
		t.Fatal(err)
	}
	role := func(token string) auth.Role {
		t.Helper()
		k, err := e.svc.AuthenticateAPIKey(e.ctx, token)
		if errors.Is(err, auth.ErrInvalidAPIKey) {
			return "refused"
		}
		if err != nil {
			t.Fatal(err)
		}
		return k.Role
	}
	if role(annKey) != auth.RoleAdmin || role(keyKey) != auth.RoleAdmin {
		t.Fatalf("before: %s, %s", role(annKey), role(keyKey))
	}
	if err := e.svc.SetDisabled(e.ctx, ann.ID, true); err != nil {
		t.Fatal(err)
	}
	if role(annKey) != "refused" || role(keyKey) != "refused" || role(cliKey) != auth.RoleAdmin {
		t.Errorf("ann disabled: her key %s, the key it made %s, the shell's %s", role(annKey), role(keyKey), role(cliKey))
	}
	if err := e.svc.SetDisabled(e.ctx, ann.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetRole(e.ctx, ann.ID, auth.RoleAuditor); err != nil {
		t.Fatal(err)
	}
	if role(annKey) != auth.RoleAuditor || role(keyKey) != auth.RoleAuditor {
		t.Errorf("ann demoted: her key %s, the key it made %s; want auditor", role(annKey), role(keyKey))
	}
	_, ghost, err := e.svc.CreateAPIKey(e.ctx, "ghost's", auth.RoleAdmin, "nobody")
	if err != nil {
		t.Fatal(err)
	}
	if role(ghost) != "refused" {
		t.Errorf("a key whose maker is no user: %s", role(ghost))
	}
}
