package audit_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/audit"
)

func TestIsSecretKey(t *testing.T) {
	secret := []string{"password", "Password", "new_password", "repo-passphrase", "secret",
		"S3-Secret", "client_secret", "token", "auth_token", "apiKey", "api_key", "access_key",
		"AWS_SECRET_ACCESS_KEY", "secret_key", "private_key", "encryption_key", "dsn", "db.dsn",
		"credential", "credentials", "Authorization", "cookie", "passwd", "secrets"}
	public := []string{"key_name", "key", "token_count", "secret_name", "username", "role",
		"keyring", "passwords_changed_at", "dsn_host", "monkey"}
	for _, k := range secret {
		if !audit.IsSecretKey(k) {
			t.Errorf("isSecretKey(%q) = false", k)
		}
	}
	for _, k := range public {
		if audit.IsSecretKey(k) {
			t.Errorf("isSecretKey(%q) = true", k)
		}
	}
}

func TestAppendRedactsSecrets(t *testing.T) {
	l, db := newLog(t)
	type creds struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	e := mustAppend(t, l, audit.Entry{Source: audit.SourceAPI, Action: "REPOSITORY_CREATED", Outcome: audit.OutcomeOK,
		Params: map[string]any{
			"name":     "offsite",
			"password": "hunter2",
			"backend": map[string]any{
				"type":          "s3",
				"access_key":    "AKIAEXAMPLE",
				"SecretKey":     "wJalrXUtnFEMI",
				"key_name":      "main",
				"endpoints":     []any{map[string]any{"url": "https://s3.example", "token": "tok-1"}},
				"credentials":   map[string]any{"a": "nested-secret"},
				"headers":       map[string]string{"Authorization": "Bearer abc"},
				"users":         []creds{{User: "u", Password: "pw-in-struct"}},
				"retention_key": 7,
			},
		}})

	var stored string
	if err := db.QueryRow(`SELECT params FROM audit_log WHERE id = ?`, e.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"hunter2", "AKIAEXAMPLE", "wJalrXUtnFEMI", "tok-1", "nested-secret", "Bearer abc", "pw-in-struct"} {
		if strings.Contains(stored, s) {
			t.Errorf("stored params contain %q: %s", s, stored)
		}
	}
	for _, s := range []string{`"name":"offsite"`, `"key_name":"main"`, `"url":"https://s3.example"`, `"user":"u"`, `"retention_key":7`} {
		if !strings.Contains(stored, s) {
			t.Errorf("stored params lack %s: %s", s, stored)
		}
	}

	got, err := l.Get(context.Background(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Params["password"] != audit.Redacted || got.Params["backend"].(map[string]any)["access_key"] != audit.Redacted {
		t.Fatalf("Get params = %v", got.Params)
	}
	returned, _ := json.Marshal(e.Params)
	if string(returned) != stored {
		t.Fatalf("Append returned params %s, stored %s", returned, stored)
	}
}
