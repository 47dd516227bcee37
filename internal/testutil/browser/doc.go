// Package browser starts a headless Chromium for tests that drive the console the way a person would, through github.com/go-rod/rod.
//
// It uses Debian's chromium at [Bin] and never downloads a browser. When
// Chromium is missing a test that calls [New] is skipped, or fails when CI=true
// (see testutil.Need).
//
// Timeouts: rod calls have no deadline of their own, so a page that never shows
// what a test waits for would block until go test's -timeout. [Open] returns a
// page bounded by [DefaultTimeout]; pages made otherwise should be bounded by
// the caller, for example page.Timeout(30*time.Second). A rod timeout is a
// deadline for everything done through that *rod.Page value, not per call.
//
// Screenshots: set STRATA_SCREENSHOTS to an absolute directory and [Screenshot]
// writes full-page PNGs there, so a developer can look at the pages a test saw:
//
//	STRATA_SCREENSHOTS=/tmp/shots go test ./internal/server/...
package browser
