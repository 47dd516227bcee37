package audit

import (
	"os"
	"strings"
	"testing"
)

// TestActionsDocumented: docs/api.md names every action an entry can have,
// so that API users can filter on them.
func TestActionsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(doc), "## Audit actions\n")
	section, _, _ = strings.Cut(section, "\n## ")
	seen := map[string]bool{}
	for _, a := range Actions {
		if seen[a] {
			t.Errorf("%s is listed twice in Actions", a)
		}
		seen[a] = true
		if !strings.Contains(section, "`"+a+"`") {
			t.Errorf("docs/api.md's audit actions do not name %s", a)
		}
	}
}
