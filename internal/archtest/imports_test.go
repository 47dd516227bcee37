package archtest

import (
	"bytes"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/stratabackup/strata"

// rules: what each package may not depend on, through others too, or,
// with direct, only what it may not import itself. A prefix forbids the
// package of that path and every package under it.
var rules = []struct {
	pkg       string
	direct    bool
	why       string
	forbidden []string
}{
	{
		pkg: module + "/internal/engine",
		why: "the engine reports through cluster.Tracker and knows nothing of jobs or the state store",
		forbidden: []string{
			"modernc.org/sqlite", "github.com/pressly/goose",
			module + "/internal/jobs", module + "/internal/store", module + "/internal/registry",
			module + "/internal/schedule", module + "/internal/auth", module + "/internal/audit",
		},
	},
	{
		pkg:       module + "/internal/app",
		why:       "the application layer reaches clusters through each kind's cluster.Driver, so a new kind is a new driver, not a change of every door",
		forbidden: []string{module + "/internal/engine"},
	},
	{
		pkg:       module + "/internal/server",
		why:       "handlers call the application layer, which reaches clusters through their drivers and the state store through the domain packages",
		forbidden: []string{module + "/internal/engine", module + "/internal/store"},
	},
}

// sqlDrivers may be imported only by the packages of sqlAllowed (and
// tests): the state store's SQL lives behind the store types of
// internal/store/..., which domain packages reach through interfaces of
// their own.
var (
	sqlDrivers = []string{"database/sql", "modernc.org/sqlite", "github.com/pressly/goose"}
	sqlAllowed = []string{module + "/internal/store", module + "/cmd/web", module + "/bench", module + "/internal/testutil"}
)

func TestSQLStaysInTheStore(t *testing.T) {
	for line := range strings.Lines(goList(t, "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", module+"/...")) {
		f := strings.Fields(line)
		if len(f) == 0 || under(f[0], sqlAllowed) {
			continue
		}
		for _, dep := range f[1:] {
			if under(dep, sqlDrivers) {
				t.Errorf("%s imports %s: only the state store (internal/store/...), cmd/web, bench and test helpers may", f[0], dep)
			}
		}
	}
}

func TestImportRules(t *testing.T) {
	for _, r := range rules {
		t.Run(strings.TrimPrefix(r.pkg, module+"/"), func(t *testing.T) {
			imports := deps(t, r.pkg)
			forbidden := func(dep string) bool { return under(dep, r.forbidden) }
			for _, dep := range slices.Sorted(maps.Keys(imports)) {
				if !forbidden(dep) || r.direct && !slices.Contains(imports[r.pkg], dep) {
					continue
				}
				chain := path(imports, r.pkg, dep)
				// Name only the first forbidden package of a chain, not all it brings.
				if !slices.ContainsFunc(chain[:len(chain)-1], forbidden) {
					t.Errorf("%s depends on %s: %s\n(%s)", r.pkg, dep, strings.Join(chain, " → "), r.why)
				}
			}
		})
	}
}

// under reports whether package p is one of prefixes or under one.
func under(p string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(pre string) bool { return p == pre || strings.HasPrefix(p, pre+"/") })
}

// deps returns every package pkg depends on, pkg included, with the
// packages each imports, as go list -deps reports them.
func deps(t *testing.T, pkg string) map[string][]string {
	t.Helper()
	imports := make(map[string][]string)
	for line := range strings.Lines(goList(t, "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", pkg)) {
		if f := strings.Fields(line); len(f) > 0 {
			imports[f[0]] = f[1:]
		}
	}
	return imports
}

// goList returns what go list prints with args.
func goList(t *testing.T, args ...string) string {
	t.Helper()
	// go test puts its own go first in PATH.
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

// path returns a shortest chain of imports from pkg to dep.
func path(imports map[string][]string, pkg, dep string) []string {
	from := map[string]string{pkg: ""}
	for queue := []string{pkg}; len(queue) > 0; queue = queue[1:] {
		p := queue[0]
		if p == dep {
			var chain []string
			for ; p != ""; p = from[p] {
				chain = append(chain, p)
			}
			slices.Reverse(chain)
			return chain
		}
		for _, next := range imports[p] {
			if _, seen := from[next]; !seen {
				from[next] = p
				queue = append(queue, next)
			}
		}
	}
	return []string{pkg, "…", dep}
}
