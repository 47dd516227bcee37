package browser_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/go-rod/rod/lib/proto"

	"github.com/stratabackup/strata/internal/testutil/browser"
)

const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>harness</title><script src="/app.js" defer></script></head>
<body><button id="go" type="button">Go</button><p id="out">waiting</p></body>
</html>`

// The click handler lives in an external file: the page forbids inline
// scripts, as the console does.
const script = `document.getElementById("go").addEventListener("click", () => {
  document.getElementById("out").textContent = "clicked";
});`

// TestHarness proves the harness end to end: Chromium starts, loads a page
// with an external script under a strict Content-Security-Policy, and a click
// changes the page.
func TestHarness(t *testing.T) {
	var scriptServed atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	})
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		scriptServed.Store(true)
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = w.Write([]byte(script))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	b := browser.New(t)
	p := browser.Open(t, b, srv.URL+"/")

	btn, err := p.Element("#go")
	if err != nil {
		t.Fatalf("find button: %v", err)
	}
	if err := btn.Click(proto.InputMouseButtonLeft, 1); err != nil {
		t.Fatalf("click: %v", err)
	}
	// ElementR retries until the text matches or the page's timeout passes.
	out, err := p.ElementR("#out", "^clicked$")
	if err != nil {
		t.Fatalf("text did not change after the click: %v", err)
	}
	if got, err := out.Text(); err != nil || got != "clicked" {
		t.Fatalf("text = %q, %v; want %q", got, err, "clicked")
	}
	if !scriptServed.Load() {
		t.Fatal("the external script was never requested")
	}
	browser.Screenshot(t, p, "after-click")
}

func TestScreenshotWritesPNG(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`<!doctype html><title>shot</title><h1>Strata</h1>`))
	}))
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	t.Setenv(browser.ScreenshotsEnv, dir)
	p := browser.Open(t, browser.New(t), srv.URL)
	browser.Screenshot(t, p, "front page.png")

	data, err := os.ReadFile(filepath.Join(dir, "TestScreenshotWritesPNG_front-page.png"))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 8 || string(data[1:4]) != "PNG" {
		t.Fatalf("not a PNG: % x", data[:min(8, len(data))])
	}
}
