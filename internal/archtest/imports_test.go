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
		why: "the engine reports through its Tracker and knows nothing of jobs or the state store",
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
		why:       "handlers call the application layer, which reaches clusters through their drivers",
		forbidden: []string{module + "/internal/engine"},
	},
}

func TestImportRules(t *testing.T) {
	for _, r := range rules {
		t.Run(strings.TrimPrefix(r.pkg, module+"/"), func(t *testing.T) {
			imports := deps(t, r.pkg)
			forbidden := func(dep string) bool {
				return slices.ContainsFunc(r.forbidden, func(p string) bool { return dep == p || strings.HasPrefix(dep, p+"/") })
			}
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

// deps returns every package pkg depends on, pkg included, with the
// packages each imports, as go list -deps reports them.
func deps(t *testing.T, pkg string) map[string][]string {
	t.Helper()
	// go test puts its own go first in PATH.
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", pkg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr.Bytes())
	}
	imports := make(map[string][]string)
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) > 0 {
			imports[f[0]] = f[1:]
		}
	}
	return imports
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
