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
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/store/sqlite"
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

// What an attacker with write access to the data dir does is reported by
// `strata audit verify`, exit 1, naming what is wrong.
func TestAuditVerifyReportsTampering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   string
	}{
		{"tail cut", tamperSQL(`DROP TRIGGER audit_log_no_delete`, `DELETE FROM audit_log WHERE id > 1`),
			"entries 2 to 3 are missing: checkpoint file "},
		{"emptied", tamperSQL(`DROP TRIGGER audit_log_no_delete`, `DELETE FROM audit_log`),
			"the audit log is empty, but checkpoint file "},
		{"trigger dropped", tamperSQL(`DROP TRIGGER audit_log_no_replace`),
			"trigger audit_log_no_replace is missing: the audit log is not append-only"},
		{"checkpoint file removed", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, audit.CheckpointFileName)); err != nil {
				t.Fatal(err)
			}
		}, "holds no checkpoint, yet the log has keyed entries since entry 1: it was removed or emptied"},
		{"checkpoint file edited", func(t *testing.T, dir string) {
			path := filepath.Join(dir, audit.CheckpointFileName)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, bytes.Replace(data, []byte(`"count":3`), []byte(`"count":9`), 1), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "the checkpoint of entry 3 is not signed with the audit key (edited or forged)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range []string{"a", "b", "c"} {
				if _, err := strata(t, password+"\n", "user", "add", name, "--role", "admin", "--data-dir", dir); err != nil {
					t.Fatal(err)
				}
			}
			tc.tamper(t, dir)
			out, err := strata(t, "", "audit", "verify", "--data-dir", dir)
			var ee exitError
			if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(out, "BROKEN") || !strings.Contains(out, tc.want) {
				t.Fatalf("verify: err %v, output\n%s\nwant exit 1 and %q", err, out, tc.want)
			}
		})
	}
}

func tamperSQL(stmts ...string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		db := openDB(t, dir)
		for _, q := range stmts {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		db.Close()
	}
}

// A console whose store lost its append-only triggers says so in its log,
// restores them and records that in the audit log.
func TestServeRestoresAuditTriggers(t *testing.T) {
	dir := t.TempDir()
	if _, err := strata(t, password+"\n", "user", "add", "root", "--role", "admin", "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	tamperSQL(`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`)(t, dir)
	out, err := strata(t, "", "audit", "verify", "--data-dir", dir)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(out, "trigger audit_log_no_update is missing") {
		t.Fatalf("verify with triggers dropped: %v\n%s", err, out)
	}

	var logged bytes.Buffer
	_, stop := startServe(t, dir, &logged)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logged.String(), "level=ERROR msg=\"an append-only trigger of the audit log was removed or changed"); n != 2 {
		t.Fatalf("serve logged %d errors about the triggers, want 2:\n%s", n, logged.String())
	}
	if out, err := strata(t, "", "audit", "verify", "--data-dir", dir); err != nil || !strings.Contains(out, "intact: 2 entries") {
		t.Fatalf("verify after serve: %v\n%s", err, out)
	}
	var source, params string
	db := openDB(t, dir)
	if err := db.QueryRow(`SELECT source, params FROM audit_log WHERE action = ?`, audit.ActionTriggersRestored).Scan(&source, &params); err != nil ||
		source != audit.SourceScheduler || params != `{"triggers":["audit_log_no_update","audit_log_no_delete"]}` {
		t.Fatalf("restore entry: %s %s %v", source, params, err)
	}
}

// With --audit-anchor the console also keeps checkpoints in a collection,
// which tells a cut tail even when the data dir's checkpoint file went
// with it.
func TestAuditAnchorCollection(t *testing.T) {
	dir, remote := t.TempDir(), t.TempDir()
	a, err := openState(t.Context(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.registry.AddCollection(t.Context(), "offsite", "file://"+remote, storage.Credentials{}, "test"); err != nil {
		t.Fatal(err)
	}
	a.Close()
	for _, name := range []string{"a", "b", "c"} {
		if _, err := strata(t, password+"\n", "user", "add", name, "--role", "admin", "--data-dir", dir); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := strata(t, "", "audit", "verify", "--data-dir", dir, "--audit-anchor", "elsewhere"); err == nil ||
		!strings.Contains(err.Error(), `no collection is named "elsewhere"`) {
		t.Fatalf("unknown anchor: %v", err)
	}
	out, err := strata(t, "", "audit", "verify", "--data-dir", dir, "--audit-anchor", "offsite")
	if err == nil || !strings.Contains(out, "collection offsite (file://"+remote+") holds no checkpoint") {
		t.Fatalf("verify before the console anchored: %v\n%s", err, out)
	}

	_, stop := startServe(t, dir, io.Discard, "--audit-anchor", "offsite")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	out, err = strata(t, "", "audit", "verify", "--data-dir", dir, "--audit-anchor", "offsite")
	if err != nil || !strings.Contains(out, "intact: 3 entries") || !strings.Contains(out, "collection offsite (file://"+remote+"): newest checkpoint at entry 3") {
		t.Fatalf("verify after serve: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(remote, "COLLECTION.json")); err != nil {
		t.Fatalf("the anchor's location is not marked as a collection: %v", err)
	}

	// Someone with the data dir cuts the tail and removes the checkpoint
	// file; the key lets them make a new one, but not remove the collection's.
	tamperSQL(`DROP TRIGGER audit_log_no_delete`, `DELETE FROM audit_log WHERE id = 3`)(t, dir)
	if err := os.Remove(filepath.Join(dir, audit.CheckpointFileName)); err != nil {
		t.Fatal(err)
	}
	out, err = strata(t, "", "audit", "verify", "--data-dir", dir, "--audit-anchor", "offsite")
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(out, "entry 3 is missing: collection offsite (file://"+remote+") records entry 3") {
		t.Fatalf("verify after the cut: %v\n%s", err, out)
	}
}

func TestServeHealthAndGracefulShutdown(t *testing.T) {
	addr, stop := startServe(t, t.TempDir(), io.Discard)
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after shutdown", err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

// startServe runs `strata serve` on dir, with more flags, until it is
// ready, logging to stderr; stop shuts it down and returns what serve
// returned.
func startServe(t *testing.T, dir string, stderr io.Writer, flags ...string) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr, "--data-dir", dir}, flags...), nil, io.Discard, stderr)
	}()

	var resp *http.Response
	for i := 0; i < 100; i++ {
		if resp, err = http.Get("http://" + addr + "/readyz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	return addr, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not shut down")
			return nil
		}
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
	db, err := sql.Open("sqlite", fmt.Sprintf("file:%s", filepath.Join(dir, sqlite.FileName)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
