package archtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackageDocs: every package says what it is for in one line, the
// first of its doc.go.
func TestPackageDocs(t *testing.T) {
	for line := range strings.Lines(goList(t, "-f", "{{.Dir}} {{.Name}}", module+"/...")) {
		dir, name, _ := strings.Cut(strings.TrimSpace(line), " ")
		doc, err := os.ReadFile(filepath.Join(dir, "doc.go"))
		if err != nil {
			t.Errorf("%s has no doc.go", dir)
			continue
		}
		first, _, _ := strings.Cut(string(doc), "\n")
		want := "// Package " + name + " "
		if name == "main" {
			want = "// Command "
		}
		if !strings.HasPrefix(first, want) {
			t.Errorf("%s/doc.go begins %q, want %q…", dir, first, want)
		}
	}
}
