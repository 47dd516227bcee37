package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/store"
)

const password = "correct horse battery"

func strata(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

func TestUserAndAPIKeyCommands(t *testing.T) {
	dir := t.TempDir()
	if _, err := strata(t, password+"\n", "user", "add", "root", "--role", "admin", "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := strata(t, "short\n", "user", "add", "bob", "--role", "admin", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Fatalf("short password: %v", err)
	}
	if _, err := strata(t, password+"\n", "user", "add", "bob", "--role", "owner", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "admin or auditor") {
		t.Fatalf("bad role: %v", err)
	}
	if _, err := strata(t, "", "user", "add", "bob", "--role", "admin", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "standard input") {
		t.Fatalf("no password: %v", err)
	}
	if _, err := strata(t, "another long password\n", "user", "passwd", "root", "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := strata(t, password+"\n", "user", "passwd", "nobody", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "no user named") {
		t.Fatalf("passwd of unknown user: %v", err)
	}
	out, err := strata(t, "", "apikey", "add", "ci", "--role", "auditor", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "strata_") {
		t.Fatalf("apikey add printed %q, want only the token", out)
	}

	db := openDB(t, dir)
	var actions string
	db.QueryRow(`SELECT group_concat(action || '/' || outcome || '/' || source, ' ') FROM audit_log`).Scan(&actions)
	want := "USER_CREATED/ok/cli USER_CREATED/error/cli USER_PASSWORD_RESET/ok/cli USER_PASSWORD_RESET/error/cli APIKEY_CREATED/ok/cli"
	if actions != want {
		t.Fatalf("audited %q, want %q", actions, want)
	}
}

func TestAuditVerifyExitCodes(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", "b", "c"} {
		if _, err := strata(t, password+"\n", "user", "add", name, "--role", "admin", "--data-dir", dir); err != nil {
			t.Fatal(err)
		}
	}
	out, err := strata(t, "", "audit", "verify", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "intact: 3 entries") {
		t.Fatalf("verify intact: %v %q", err, out)
	}

	// An attacker with the file drops the triggers and edits entry 2.
	db := openDB(t, dir)
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET actor = 'someone-else' WHERE id = 2`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	out, err = strata(t, "", "audit", "verify", "--data-dir", dir)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(out, "entry 2") {
		t.Fatalf("verify after tampering: err %v, output %q; want exit 1 naming entry 2", err, out)
	}
}

func TestServeHealthAndGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--data-dir", dir}, nil, io.Discard, io.Discard)
	}()

	var resp *http.Response
	for i := 0; i < 100; i++ {
		if resp, err = http.Get("http://" + addr + "/readyz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

func TestServeRejectsBadConfig(t *testing.T) {
	err := run(context.Background(), []string{"serve", "--addr", "8080", "--data-dir", t.TempDir()}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "HOST:PORT") {
		t.Fatalf("bad addr: %v", err)
	}
}

func openDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", fmt.Sprintf("file:%s", filepath.Join(dir, store.FileName)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
