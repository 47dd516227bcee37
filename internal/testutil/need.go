package testutil

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// CI reports whether the tests run in continuous integration, that is whether
// the environment variable CI is set to a true value ("true", "1", ...).
// .ci/run sets CI=true.
func CI() bool {
	ok, _ := strconv.ParseBool(os.Getenv("CI"))
	return ok
}

// Need stops the test because a real component it needs is missing.
// what says what is missing, hint how to install it, for example
//
//	testutil.Need(t, "chromium not found at /usr/bin/chromium", "apt-get install chromium")
//
// On CI (see [CI]) the test fails, because CI installs every component and a
// missing one is a broken set-up that must not pass as skipped tests.
// Elsewhere, such as on a developer's laptop, the test is skipped.
func Need(t testing.TB, what, hint string) {
	t.Helper()
	if CI() {
		t.Fatalf("%s: %s (required because CI=true)", what, hint)
		return
	}
	t.Skipf("%s: %s (CI=true makes this a failure)", what, hint)
}

// NeedFile calls [Need] unless path exists. It returns path, so that it can
// be used inline:
//
//	bin := testutil.NeedFile(t, "/usr/bin/chromium", "apt-get install chromium")
func NeedFile(t testing.TB, path, hint string) string {
	t.Helper()
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return path
	case errors.Is(err, fs.ErrNotExist):
		Need(t, "not found: "+path, hint)
	default:
		Need(t, "cannot use "+path+": "+err.Error(), hint)
	}
	return path // not reached: Need always stops the test
}

// NeedCommand calls [Need] unless the command name is found in PATH, and
// returns its full path.
//
//	pgDump := testutil.NeedCommand(t, "pg_dump", "apt-get install postgresql-client")
func NeedCommand(t testing.TB, name, hint string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Need(t, name+" not found in PATH", hint)
	}
	return p
}
