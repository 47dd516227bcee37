package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// TestMain lets a test run this binary as the real strata command.
func TestMain(m *testing.M) {
	if os.Getenv("STRATA_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// consoleProcess is `strata serve` running as a child process.
type consoleProcess struct {
	t   *testing.T
	cmd *exec.Cmd
	url string
	key string
}

func startConsole(t *testing.T, dataDir, key string, extraArgs ...string) *consoleProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logFile, err := os.OpenFile(filepath.Join(dataDir, "console.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", addr, "--data-dir", dataDir, "--chunk-size", "256KiB"}, extraArgs...)...)
	cmd.Env = append(os.Environ(), "STRATA_TEST_RUN_MAIN=1")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &consoleProcess{t: t, cmd: cmd, url: "http://" + addr, key: key}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logFile.Close() })
	for i := 0; ; i++ {
		if resp, err := http.Get(c.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		if i > 200 {
			t.Fatalf("console did not start; log in %s", logFile.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *consoleProcess) api(method, path, body string) (int, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// ok fails the test unless a request answered 200 OK, and returns its
// answer. It takes the request's results whole:
//
//	list := c.ok(c.api("GET", "/api/v1/jobs", ""))
func (c *consoleProcess) ok(code int, out map[string]any) map[string]any {
	c.t.Helper()
	if code != http.StatusOK {
		c.t.Fatalf("status %d, want 200: %v", code, out)
	}
	return out
}

func (c *consoleProcess) start(path, body string) int64 {
	c.t.Helper()
	code, out := c.api("POST", path, body)
	if code != http.StatusAccepted {
		c.t.Fatalf("POST %s: %d %v", path, code, out)
	}
	return int64(out["job_id"].(float64))
}

// waitJob polls job id until cond holds.
func (c *consoleProcess) waitJob(id int64, what string, timeout time.Duration, cond func(j map[string]any) bool) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		j := c.ok(c.api("GET", fmt.Sprintf("/api/v1/jobs/%d", id), ""))
		if cond(j) {
			return j
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("job %d never %s: %v", id, what, j)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *consoleProcess) kill9() {
	c.cmd.Process.Signal(os.Kill)
	c.cmd.Wait()
}

func finished(j map[string]any) bool {
	s := j["status"]
	return s == "succeeded" || s == "failed" || s == "canceled"
}

// TestKill9 kills the console with SIGKILL while a restore runs and while a
// backup is paused. The restarted console resumes the restore from its
// checkpoint (no row twice), and fails the backup with the reason, since its
// snapshot died with the process, dropping its slot. No job is left running.
func TestKill9(t *testing.T) {
	pg := pgtest.Start(t)
	pg.CreateDatabase(t, "big")
	pg.Exec(t, "big", `CREATE TABLE items (id bigint PRIMARY KEY, payload text NOT NULL);
		INSERT INTO items SELECT g, repeat(md5(g::text), 6) FROM generate_series(1, 300000) g;`)
	const digest = `SELECT count(*) || ':' || md5(string_agg(payload, ',' ORDER BY id)) FROM items`
	var want string
	pg.Connect(t, "big").QueryRow(context.Background(), digest).Scan(&want)

	dir := t.TempDir()
	key, err := strata(t, "", "apikey", "add", "ops", "--role", "admin", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	first := startConsole(t, dir, strings.TrimSpace(key))
	if code, out := first.api("POST", "/api/v1/clusters", fmt.Sprintf(`{"name":"pg","dsn":%q}`, pg.DSN("postgres"))); code != http.StatusCreated {
		t.Fatalf("add cluster: %d %v", code, out)
	}
	full := first.start("/api/v1/backups", `{"cluster":"pg","database":"big","collection":"local"}`)
	if j := first.waitJob(full, "finished", 2*time.Minute, finished); j["status"] != "succeeded" {
		t.Fatalf("first backup: %v", j)
	}

	paused := first.start("/api/v1/backups", `{"cluster":"pg","database":"big","collection":"local"}`)
	first.waitJob(paused, "running", time.Minute, func(j map[string]any) bool { return j["status"] == "running" })
	if code, out := first.api("POST", fmt.Sprintf("/api/v1/jobs/%d/pause", paused), ""); code != 200 {
		t.Fatalf("pause: %d %v", code, out)
	}
	first.waitJob(paused, "paused", time.Minute, func(j map[string]any) bool { return j["status"] == "paused" || finished(j) })

	restore := first.start("/api/v1/restores", `{"cluster":"pg","collection":"local","backup":"LATEST","database":"big","new_db_name":"big_restored"}`)
	j := first.waitJob(restore, "copying", time.Minute, func(j map[string]any) bool { return j["bytes_done"].(float64) > 0 || finished(j) })
	if finished(j) {
		t.Fatalf("restore finished before it could be killed: %v", j)
	}
	first.kill9()

	second := startConsole(t, dir, first.key)
	// The dead console's lease on the restore must expire before it is adopted.
	j = second.waitJob(restore, "finished", 3*time.Minute, finished)
	if j["status"] != "succeeded" {
		t.Fatalf("restore after kill -9: %v", j)
	}
	var got string
	pg.Connect(t, "big_restored").QueryRow(context.Background(), digest).Scan(&got)
	if got != want {
		t.Fatalf("restored table %s, source %s", got, want)
	}

	// The restarted console resumes the orphaned paused backup by itself, so
	// that its slot is dropped rather than left holding WAL.
	j = second.waitJob(paused, "finished", time.Minute, finished)
	if j["status"] != "failed" || !strings.Contains(j["error"].(string), "snapshot") {
		t.Fatalf("resumed backup whose snapshot died with the console: %v", j)
	}
	list := second.ok(second.api("GET", "/api/v1/collections/local/backups", ""))
	if n := len(list["backups"].([]any)); n != 1 {
		t.Fatalf("collection lists %d backups, want only the completed one", n)
	}
	var slots int
	pg.Connect(t, "postgres").QueryRow(context.Background(), "SELECT count(*) FROM pg_replication_slots").Scan(&slots)
	if slots > 1 {
		t.Fatalf("%d replication slots left; the failed backup's slot must be dropped", slots)
	}
}
