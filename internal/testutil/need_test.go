package testutil

import (
	"fmt"
	"strings"
	"testing"
)

// recorder stands in for *testing.T and records how the test was stopped.
// Skipf and Fatalf return instead of stopping the goroutine, so the code
// after them in the helpers runs; that is fine for these checks.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                          {}
func (r *recorder) Skipf(format string, args ...any) { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func TestNeedSkipsOffCI(t *testing.T) {
	t.Setenv("CI", "")
	r := &recorder{TB: t}
	Need(r, "chromium not found at /usr/bin/chromium", "apt-get install chromium")
	if r.failed != "" {
		t.Fatalf("failed off CI: %q", r.failed)
	}
	want := "chromium not found at /usr/bin/chromium: apt-get install chromium (CI=true makes this a failure)"
	if r.skipped != want {
		t.Fatalf("skip message = %q, want %q", r.skipped, want)
	}
}

func TestNeedFailsOnCI(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	Need(r, "pg_dump not found in PATH", "apt-get install postgresql-client")
	if r.skipped != "" {
		t.Fatalf("skipped on CI: %q", r.skipped)
	}
	if !strings.Contains(r.failed, "apt-get install postgresql-client") {
		t.Fatalf("failure message %q lacks the hint", r.failed)
	}
}

func TestNeedFile(t *testing.T) {
	t.Setenv("CI", "")
	dir := t.TempDir()

	r := &recorder{TB: t}
	if got := NeedFile(r, dir, "hint"); got != dir || r.skipped != "" || r.failed != "" {
		t.Fatalf("existing path: got %q, skipped %q, failed %q", got, r.skipped, r.failed)
	}

	r = &recorder{TB: t}
	NeedFile(r, dir+"/missing", "apt-get install it")
	if !strings.Contains(r.skipped, dir+"/missing") || !strings.Contains(r.skipped, "apt-get install it") {
		t.Fatalf("missing path: skip message %q", r.skipped)
	}
}

func TestNeedCommand(t *testing.T) {
	t.Setenv("CI", "")
	r := &recorder{TB: t}
	NeedCommand(r, "strata-no-such-command", "install it")
	if !strings.Contains(r.skipped, "strata-no-such-command not found in PATH") {
		t.Fatalf("skip message %q", r.skipped)
	}
}
