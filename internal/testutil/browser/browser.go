package browser

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"

	"github.com/stratabackup/strata/internal/testutil"
)

// Bin is where Debian's chromium package installs the browser.
const Bin = "/usr/bin/chromium"

// DefaultTimeout bounds a page returned by [Open].
const DefaultTimeout = 30 * time.Second

// ScreenshotsEnv names the environment variable holding the directory that
// [Screenshot] writes to.
const ScreenshotsEnv = "STRATA_SCREENSHOTS"

// launchTimeout bounds Chromium's start; it usually takes well under a second.
const launchTimeout = 60 * time.Second

// New starts a fresh headless Chromium with its own profile under t.TempDir
// and returns a connected browser. The browser is closed and its process ended
// when the test finishes.
func New(t testing.TB) *rod.Browser {
	t.Helper()
	if _, err := os.Stat(Bin); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			testutil.Need(t, "chromium not found at "+Bin, "apt-get install chromium")
		}
		testutil.Need(t, "cannot use chromium at "+Bin+": "+err.Error(), "apt-get install chromium")
	}

	ctx, cancel := context.WithTimeout(context.Background(), launchTimeout)
	defer cancel()

	// Bin is set, so rod never looks for or downloads a browser of its own.
	l := launcher.New().
		Context(ctx).
		Bin(Bin).
		Headless(true).
		NoSandbox(true). // tests run as root on CI
		UserDataDir(filepath.Join(t.TempDir(), "chromium")).
		Set("disable-gpu").
		Set("disable-quic").
		Set("no-first-run").
		Set("disable-background-networking").
		Set("disable-component-update").
		Set("disable-sync").
		Set("window-size", "1280,900")
	// The profile directory is removed by t.TempDir's own cleanup, which runs
	// after the one registered below has ended the browser (cleanups run last
	// registered, first run).

	u, err := l.Launch()
	if err != nil {
		t.Fatalf("launch chromium: %v", err)
	}

	b := rod.New().ControlURL(u)
	if err := b.Connect(); err != nil {
		l.Kill()
		l.Cleanup()
		t.Fatalf("connect to chromium: %v", err)
	}

	t.Cleanup(func() {
		// Ask the browser to close, then wait for the process, killing it if
		// it lingers, so that nothing writes into the profile directory while
		// t.TempDir removes it.
		_ = b.Close()
		exited := make(chan struct{})
		go func() {
			l.Cleanup() // waits for the process to exit
			close(exited)
		}()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			l.Kill()
			<-exited
		}
	})
	return b
}

// Open opens url in a new tab of b, waits for the page to load and returns it
// bounded by [DefaultTimeout] (see the package doc). The tab is closed when the
// test finishes.
func Open(t testing.TB, b *rod.Browser, url string) *rod.Page {
	t.Helper()
	p, err := b.Page(proto.TargetCreateTarget{URL: url})
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { _ = p.Close() })
	p = p.Timeout(DefaultTimeout)
	if err := p.WaitLoad(); err != nil {
		t.Fatalf("load %s: %v", url, err)
	}
	return p
}

// Screenshot writes a full-page PNG of p to the directory named by
// STRATA_SCREENSHOTS, as "<test name>_<name>.png", and logs its path. It does
// nothing when that variable is unset or empty.
func Screenshot(t testing.TB, p *rod.Page, name string) {
	t.Helper()
	dir := os.Getenv(ScreenshotsEnv)
	if dir == "" {
		return
	}
	img, err := p.Screenshot(true, &proto.PageCaptureScreenshot{
		Format: proto.PageCaptureScreenshotFormatPng,
	})
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(dir, fileName(t.Name())+"_"+fileName(strings.TrimSuffix(name, ".png"))+".png")
	if err := os.WriteFile(file, img, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", file)
}

// fileName makes s safe as one path element: subtest slashes and anything
// unusual become '-'.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, s)
}
