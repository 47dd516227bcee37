package static

import (
	"io/fs"
	"strings"
	"testing"
)

func TestFS(t *testing.T) {
	for _, name := range []string{"vendor/htmx.min.js", "vendor/pico.min.css", "css/app.css", "js/app.js", "img/favicon.svg"} {
		if _, err := fs.Stat(FS, name); err != nil {
			t.Errorf("%s not embedded: %v", name, err)
		}
	}
	err := fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".go") {
			t.Errorf("Go file embedded: %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestVendoredVersions guards against a vendored file being swapped without
// README.md being updated.
func TestVendoredVersions(t *testing.T) {
	for name, want := range map[string]string{
		"vendor/htmx.min.js":  `version:"2.0.11"`,
		"vendor/pico.min.css": "Pico CSS ✨ v2.1.1",
	} {
		b, err := fs.ReadFile(FS, name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not contain %q: update web/static/README.md with the new version", name, want)
		}
	}
}
